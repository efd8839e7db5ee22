import { test } from 'node:test'
import assert from 'node:assert/strict'
import { summaryRoute } from './summary-model.ts'

const own = { provider: 'openai', model: 'gpt-4o' }
const prices: Record<string, number> = { 'gpt-4o': 2.5, 'gpt-4o-mini': 0.15 }
const lookup = { isProvider: (id: string) => id === 'openai' || id === 'ollama', inputPrice: (_provider: string, model: string) => prices[model] }

test('HISTORY_SUMMARY_MODEL, then TIER_SIMPLE, then the cheaper sibling, then the request\'s model', () => {
  assert.deepEqual(summaryRoute({ explicit: 'ollama:qwen2.5:0.5b', simpleTier: { provider: 'ollama', model: 'small' } }, own, lookup), { provider: 'ollama', model: 'qwen2.5:0.5b', source: 'HISTORY_SUMMARY_MODEL' })
  assert.deepEqual(summaryRoute({ explicit: 'gpt-4.1-nano' }, own, lookup), { provider: 'openai', model: 'gpt-4.1-nano', source: 'HISTORY_SUMMARY_MODEL' })
  assert.deepEqual(summaryRoute({ simpleTier: { provider: 'ollama', model: 'small' } }, own, lookup), { provider: 'ollama', model: 'small', source: 'TIER_SIMPLE' })
  assert.deepEqual(summaryRoute({}, own, lookup), { provider: 'openai', model: 'gpt-4o-mini', source: 'cheaper sibling' })
  assert.deepEqual(summaryRoute({}, { provider: 'openai', model: 'o3' }, lookup), { provider: 'openai', model: 'o3', source: 'request' })
})

test('a sibling the price table (MODEL_PRICE_OVERRIDES) says is not cheaper is not used', () => {
  const overridden = { ...lookup, inputPrice: (_provider: string, model: string) => model === 'gpt-4o-mini' ? 3 : 2.5 }
  assert.deepEqual(summaryRoute({}, own, overridden), { ...own, source: 'request' })
})
