/**
 * `anthropic-beta` flags. Claude Code adds new ones every release and Anthropic-compatible targets that do
 * not know a flag answer 400 ("invalid beta flag"), so each provider forwards only an allow-list
 * (protocols.md §1.1, Appendix B #9). Entries are exact names, or prefixes ending in `*`; `*` alone forwards all.
 */
export type BetaAllowList = readonly string[]

/** Splits `anthropic-beta` header values (comma-separated, possibly repeated) into flags. */
export function parseBetaHeader (value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  const values = Array.isArray(value) ? value : [value]
  return values.flatMap((entry) => entry.split(',')).map((flag) => flag.trim()).filter((flag) => flag !== '')
}

/** Parses an allow-list variable: comma-separated flags or `prefix*` patterns, `*` for all, empty for none. */
export function parseBetaAllowList (value: string | undefined, fallback: BetaAllowList): BetaAllowList {
  if (value === undefined) return fallback
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
}

export function betaAllowed (flag: string, allow: BetaAllowList): boolean {
  return allow.some((entry) => entry.endsWith('*') ? flag.startsWith(entry.slice(0, -1)) : entry === flag)
}

/** The flags the target accepts, in the client's order, without duplicates. */
export function filterBetas (flags: readonly string[], allow: BetaAllowList): string[] {
  return [...new Set(flags)].filter((flag) => betaAllowed(flag, allow))
}

/**
 * What Anthropic's own API (and Microsoft Foundry, which serves the same API) accepts from Claude Code:
 * every dated flag Anthropic documents. A flag not listed is dropped; set the provider's *_BETAS variable
 * to forward more (or `*`).
 */
export const ANTHROPIC_API_BETAS: BetaAllowList = [
  'claude-code-*', 'interleaved-thinking-*', 'fine-grained-tool-streaming-*', 'context-management-*',
  'context-1m-*', 'effort-*', 'advanced-tool-use-*', 'tool-search-tool-*', 'tool-examples-*', 'prompt-caching-*',
  'token-efficient-tools-*', 'output-128k-*', 'extended-cache-ttl-*', 'computer-use-*', 'code-execution-*',
  'web-fetch-*', 'files-api-*', 'mcp-client-*', 'search-results-*', 'structured-outputs-*', 'skills-*',
  'token-counting-*', 'model-context-window-exceeded-*', 'dev-full-thinking-*'
]

/** Bedrock's Claude (InvokeModel `anthropic_beta`) knows fewer flags than Anthropic's API. */
export const BEDROCK_BETAS: BetaAllowList = [
  'interleaved-thinking-*', 'fine-grained-tool-streaming-*', 'context-1m-*', 'token-efficient-tools-*',
  'output-128k-*', 'computer-use-*', 'context-management-*', 'effort-*', 'tool-search-tool-*', 'tool-examples-*',
  'dev-full-thinking-*'
]
