import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { applyModelLimits, limitsFromEnv, lookupModelLimits, withOutputBudget } from './model-limits.ts'

function request (overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'm', clientModel: 'claude-opus-5-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 128_000, stream: true, ...overrides }
}

test('max_tokens is clamped to the output cap; the thinking budget follows', async () => {
  const clamped = await applyModelLimits(request({ thinking: { type: 'enabled', budget_tokens: 64_000 } }), { maxOutputTokens: 8192 }, 'p')
  assert.equal(clamped.max_tokens, 8192)
  assert.deepEqual(clamped.thinking, { type: 'enabled', budget_tokens: 8191 })
  const tiny = await applyModelLimits(request({ thinking: { type: 'enabled', budget_tokens: 2048 } }), { maxOutputTokens: 1000 }, 'p')
  assert.equal(tiny.thinking, undefined, 'a budget below 1024 cannot be sent: thinking is left off')
  const same = request({ max_tokens: 100 })
  assert.equal(await applyModelLimits(same, { maxOutputTokens: 8192, contextWindow: 200_000 }, 'p'), same, 'untouched requests are not copied')
})

test('near the window max_tokens shrinks to what is left; past it the error says "prompt is too long"', async () => {
  const prompt = 'word '.repeat(3000) // about 3000 tokens
  const squeezed = await applyModelLimits(request({ messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] }), { contextWindow: 8000, maxOutputTokens: 8000 }, 'p')
  assert.ok(squeezed.max_tokens < 8000 - 3000 && squeezed.max_tokens > 1000, String(squeezed.max_tokens))
  await assert.rejects(applyModelLimits(request({ messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] }), { contextWindow: 2000 }, 'bedrock'),
    (error: any) => error.kind === 'context_length_exceeded' && error.status === 400 && /^prompt is too long: \d+ tokens > 2000 maximum/.test(error.message))
})

test('tables and overrides', () => {
  assert.deepEqual(lookupModelLimits([[/^a/, { maxOutputTokens: 1 }], [/./, { maxOutputTokens: 2 }]], 'abc'), { maxOutputTokens: 1 })
  assert.equal(lookupModelLimits([[/^a/, { maxOutputTokens: 1 }]], 'zzz'), undefined)
  assert.deepEqual(limitsFromEnv(4096, undefined), { maxOutputTokens: 4096 })
  assert.equal(limitsFromEnv(undefined, undefined), undefined)
})

test('withOutputBudget: an unset max_tokens (0) becomes the output cap, or 4096 when the cap is unknown; a set one stays', () => {
  const unset = request({ max_tokens: 0 })
  assert.equal(withOutputBudget(unset, { maxOutputTokens: 64_000 }).max_tokens, 64_000)
  assert.equal(withOutputBudget(unset, undefined).max_tokens, 4096)
  assert.equal(withOutputBudget(unset, { contextWindow: 200_000 }).max_tokens, 4096)
  const set = request({ max_tokens: 1000 })
  assert.equal(withOutputBudget(set, { maxOutputTokens: 64_000 }), set)
})
