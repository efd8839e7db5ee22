/**
 * A cheaper model of the same family on the same provider, spelled as that provider names it, for internal calls
 * (history summaries) that need not run on the model the client pays for. Only ids the provider serves under that
 * spelling (and the price table knows): Claude Opus/Sonnet → Haiku 4.5, GPT-5/4.1/4o → their mini, Gemini Pro →
 * 2.5 Flash. Undefined for anything else: providers whose model ids are the user's own names (Azure OpenAI
 * deployments, Databricks endpoints), local providers (free anyway), Moonshot and Z.AI (no cheaper sibling known).
 */
const RULES: ReadonlyArray<readonly [provider: string, pattern: RegExp, sibling: (match: RegExpExecArray) => string]> = [
  // Bedrock keeps the request's cross-region inference profile (`us.`, `eu.`, `global.`…); an ARN is left alone.
  ['bedrock', /^((?:[a-z]{2,6}\.)?)anthropic\.claude-(?:(?:opus|sonnet)-\d|\d+(?:-\d+)?-(?:opus|sonnet))/, (match) => `${match[1]}anthropic.claude-haiku-4-5-20251001-v1:0`],
  // Azure AI Foundry deployments named after their model, as the client's own Claude ids are.
  ['azure-anthropic', /^claude-(?:opus|sonnet)-\d/, () => 'claude-haiku-4-5'],
  ['openrouter', /^anthropic\/claude-(?:(?:opus|sonnet)-\d|\d+(?:\.\d+)?-(?:opus|sonnet))/, () => 'anthropic/claude-haiku-4.5'],
  ['openrouter', /^openai\/gpt-5(?!.*-(?:mini|nano))/, () => 'openai/gpt-5-mini'],
  ['openrouter', /^openai\/gpt-4\.1(?!-(?:mini|nano))/, () => 'openai/gpt-4.1-mini'],
  ['openrouter', /^openai\/gpt-4o(?!-mini)/, () => 'openai/gpt-4o-mini'],
  ['openrouter', /^google\/gemini-[\d.]+-pro/, () => 'google/gemini-2.5-flash'],
  ['openai', /^gpt-5(?!.*-(?:mini|nano))/, () => 'gpt-5-mini'],
  ['openai', /^gpt-4\.1(?!-(?:mini|nano))/, () => 'gpt-4.1-mini'],
  ['openai', /^gpt-4o(?!-mini)/, () => 'gpt-4o-mini'],
  ['vertex', /^gemini-[\d.]+-pro/, () => 'gemini-2.5-flash']
]

export function cheapSiblingOf (provider: string, model: string): string | undefined {
  const id = provider.toLowerCase()
  const name = model.toLowerCase()
  for (const [rule, pattern, sibling] of RULES) {
    if (rule !== id) continue
    const match = pattern.exec(name)
    if (match !== null) return sibling(match)
  }
  return undefined
}
