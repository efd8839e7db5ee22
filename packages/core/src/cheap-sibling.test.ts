import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cheapSiblingOf } from './cheap-sibling.ts'
import { Pricing, loadPriceTable } from './pricing.ts'

const pricing = new Pricing(loadPriceTable())

const CASES: Array<[provider: string, model: string, sibling: string | undefined]> = [
  ['bedrock', 'us.anthropic.claude-opus-4-5-20251101-v1:0', 'us.anthropic.claude-haiku-4-5-20251001-v1:0'],
  ['bedrock', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0'],
  ['bedrock', 'anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic.claude-haiku-4-5-20251001-v1:0'],
  ['bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc', undefined],
  ['bedrock', 'us.anthropic.claude-haiku-4-5-20251001-v1:0', undefined],
  ['bedrock', 'meta.llama3-70b-instruct-v1:0', undefined],
  ['azure-anthropic', 'claude-opus-4-5-20251101', 'claude-haiku-4-5'],
  ['azure-anthropic', 'my-claude-deployment', undefined],
  ['openrouter', 'anthropic/claude-sonnet-4.5', 'anthropic/claude-haiku-4.5'],
  ['openrouter', 'openai/gpt-5', 'openai/gpt-5-mini'],
  ['openrouter', 'openai/gpt-4o-mini', undefined],
  ['openrouter', 'google/gemini-2.5-pro', 'google/gemini-2.5-flash'],
  ['openai', 'gpt-5', 'gpt-5-mini'],
  ['openai', 'gpt-5-mini', undefined],
  ['openai', 'gpt-4.1', 'gpt-4.1-mini'],
  ['openai', 'gpt-4o', 'gpt-4o-mini'],
  ['openai', 'gpt-4o-mini', undefined],
  ['openai', 'o3', undefined],
  ['vertex', 'gemini-2.5-pro', 'gemini-2.5-flash'],
  ['vertex', 'gemini-2.5-flash', undefined],
  ['azure-openai', 'gpt-4o', undefined],
  ['databricks', 'databricks-claude-sonnet-4-5', undefined],
  ['ollama', 'qwen2.5-coder:latest', undefined],
  ['zai', 'GLM-4.7', undefined]
]

test('a cheap sibling on the same provider, spelled as that provider names it; none where the ids are the user\'s own or none is known', () => {
  for (const [provider, model, sibling] of CASES) assert.equal(cheapSiblingOf(provider, model), sibling, `${provider}:${model}`)
})

test('every sibling is priced in the catalog and costs less than the model it stands in for', () => {
  for (const [provider, model, sibling] of CASES) {
    if (sibling === undefined) continue
    const cheap = pricing.priceOf(provider, sibling)
    const own = pricing.priceOf(provider, model)
    // OpenRouter spells Claude versions with a dot (claude-sonnet-4.5), which the price table does not know.
    if (cheap === undefined && provider === 'openrouter') continue
    assert.ok(cheap !== undefined && own !== undefined, `${provider}:${sibling} and ${model} are priced`)
    assert.ok(cheap.input < own.input && cheap.output < own.output, `${provider}:${sibling} is cheaper than ${model}`)
  }
})
