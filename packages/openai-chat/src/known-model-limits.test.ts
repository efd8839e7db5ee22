import { test } from 'node:test'
import assert from 'node:assert/strict'
import { KNOWN_MODEL_LIMITS, modelLimitsResolver } from './known-model-limits.ts'
import { chatCompletionsUrl } from './openai-compatible-adapter.ts'
import { lookupModelLimits } from '@lynkr/core'

test('known models under vendor prefixes and deployment names', () => {
  const cap = (model: string): number | undefined => lookupModelLimits(KNOWN_MODEL_LIMITS, model)?.maxOutputTokens
  assert.equal(cap('anthropic/claude-opus-4.1'), 32_000)
  assert.equal(cap('claude-opus-4-20250514'), 32_000)
  assert.equal(cap('anthropic/claude-opus-4.5'), 64_000)
  assert.equal(cap('databricks-claude-sonnet-4-5'), 64_000)
  assert.equal(cap('databricks-claude-3-7-sonnet'), 64_000)
  assert.equal(cap('openai/gpt-4o-mini'), 16_384)
  assert.equal(cap('gpt-4.1'), 32_768)
  assert.equal(cap('o4-mini'), 100_000)
  assert.equal(cap('google/gemini-2.5-pro'), 65_536)
  assert.equal(lookupModelLimits(KNOWN_MODEL_LIMITS, 'kimi-k2-thinking')?.contextWindow, 262_144)
  assert.equal(lookupModelLimits(KNOWN_MODEL_LIMITS, 'my-finetune'), undefined)
})

test('env overrides sit on top of the table; unknown models get only the overrides', () => {
  const limits = modelLimitsResolver({ maxOutputTokens: 4096 })
  assert.deepEqual(limits('gpt-4o'), { contextWindow: 128_000, maxOutputTokens: 4096 })
  assert.deepEqual(limits('my-finetune'), { maxOutputTokens: 4096 })
  assert.equal(modelLimitsResolver(undefined)('my-finetune'), undefined)
  assert.equal(modelLimitsResolver(undefined, [])('gpt-4o'), undefined, 'local servers use no table')
})

test('chatCompletionsUrl: a bare host gets the root path the server serves', () => {
  assert.equal(chatCompletionsUrl('http://localhost:1234', '/v1'), 'http://localhost:1234/v1/chat/completions')
  assert.equal(chatCompletionsUrl('http://localhost:1234/v1', '/v1'), 'http://localhost:1234/v1/chat/completions')
  assert.equal(chatCompletionsUrl('http://localhost:8080/v1/chat/completions', '/v1'), 'http://localhost:8080/v1/chat/completions')
  assert.equal(chatCompletionsUrl('http://proxy/llama/', '/v1'), 'http://proxy/llama/chat/completions')
  assert.equal(chatCompletionsUrl('https://api.openai.com/v1'), 'https://api.openai.com/v1/chat/completions')
})
