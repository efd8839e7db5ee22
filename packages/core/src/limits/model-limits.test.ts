import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { applyModelLimits, limitsFromEnv, lookupModelLimits, withOutputBudget } from './model-limits.ts'
import { localWindowLimits } from './local-window.ts'

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
    (error: any) => error.kind === 'context_length_exceeded' && error.status === 400 && /^prompt is too long: \d+ tokens > 976 maximum \(bedrock model m: 2000-token window, 1024 kept for the answer\)/.test(error.message))
})

test('a prompt that leaves less than the minimum answer room is "too long" instead of max_tokens clamped to a few tokens', async () => {
  const long = request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'word '.repeat(3000) }] }] }) // about 3000 tokens
  const window = { contextWindow: 4000 }
  await assert.rejects(applyModelLimits(long, window, 'ollama'), (error: any) => error.kind === 'context_length_exceeded' && /^prompt is too long: \d+ tokens > 2976 maximum/.test(error.message))
  const short = await applyModelLimits({ ...long, max_tokens: 100 }, window, 'ollama')
  assert.equal(short.max_tokens, 100, 'a request for less than the minimum needs only that much room')
  const configured = await applyModelLimits(long, { ...window, minOutputTokens: 256 }, 'ollama')
  assert.ok(configured.max_tokens >= 256 && configured.max_tokens < 1024, String(configured.max_tokens))
  const unset = await applyModelLimits({ ...long, max_tokens: 0, messages: [{ role: 'user', content: [{ type: 'text', text: 'word '.repeat(2000) }] }] }, window, 'ollama')
  assert.equal(unset.max_tokens, 0, 'an unset max_tokens stays unset (it was set to 1)')
})

test('tables and overrides', () => {
  assert.deepEqual(lookupModelLimits([[/^a/, { maxOutputTokens: 1 }], [/./, { maxOutputTokens: 2 }]], 'abc'), { maxOutputTokens: 1 })
  assert.equal(lookupModelLimits([[/^a/, { maxOutputTokens: 1 }]], 'zzz'), undefined)
  assert.deepEqual(limitsFromEnv(4096, undefined), { maxOutputTokens: 4096 })
  assert.equal(limitsFromEnv(undefined, undefined), undefined)
  assert.deepEqual(limitsFromEnv(undefined, undefined, 2048), { minOutputTokens: 2048 })
})

test('withOutputBudget: an unset max_tokens (0) becomes the output cap, or 4096 when the cap is unknown; a set one stays', () => {
  const unset = request({ max_tokens: 0 })
  assert.equal(withOutputBudget(unset, { maxOutputTokens: 64_000 }).max_tokens, 64_000)
  assert.equal(withOutputBudget(unset, undefined).max_tokens, 4096)
  assert.equal(withOutputBudget(unset, { contextWindow: 200_000 }).max_tokens, 4096)
  const set = request({ max_tokens: 1000 })
  assert.equal(withOutputBudget(set, { maxOutputTokens: 64_000 }), set)
})

test('the chat template\'s share of the window is kept free: max_tokens = min(requested, window − template − prompt, cap)', async () => {
  const prompt = request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'word '.repeat(3000) }] }] })
  const plain = await applyModelLimits(prompt, { contextWindow: 8192, maxOutputTokens: 8192 }, 'p')
  const framed = await applyModelLimits(prompt, { contextWindow: 8192, maxOutputTokens: 8192, templateTokens: 164 }, 'p')
  assert.equal(plain.max_tokens - framed.max_tokens, 164)
  const capped = await applyModelLimits(prompt, { contextWindow: 65_536, maxOutputTokens: 16_384, templateTokens: 512 }, 'p')
  assert.equal(capped.max_tokens, 16_384, 'the output cap, not the rest of a large window')
  await assert.rejects(applyModelLimits(prompt, { contextWindow: 4400, templateTokens: 512 }, 'ollama'),
    (error: any) => /^prompt is too long: \d+ tokens > 2864 maximum \(ollama model m: 4400-token window, 512 for the chat template, 1024 kept for the answer\)/.test(error.message))
})

test('a local server\'s limits: the cap never above the window, the template\'s share only where the window is known', () => {
  assert.deepEqual(localWindowLimits({ contextWindow: 8192, maxOutputTokens: 16_384 }), { contextWindow: 8192, templateTokens: 164, maxOutputTokens: 8192 })
  assert.deepEqual(localWindowLimits({ contextWindow: 65_536, maxOutputTokens: 16_384, minOutputTokens: 2048 }), { contextWindow: 65_536, templateTokens: 512, maxOutputTokens: 16_384, minOutputTokens: 2048 })
  assert.deepEqual(localWindowLimits({ contextWindow: 4096 }), { contextWindow: 4096, templateTokens: 128, maxOutputTokens: 4096 }, 'no cap: the window is the cap')
  assert.deepEqual(localWindowLimits({ maxOutputTokens: 16_384 }), { maxOutputTokens: 16_384 }, 'no window: only the cap')
})
