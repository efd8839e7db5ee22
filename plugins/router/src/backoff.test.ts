import { test } from 'node:test'
import assert from 'node:assert/strict'
import { retryDelay } from './backoff.ts'

test('exponential backoff with equal jitter: between half and all of base·2^n, capped', () => {
  const options = { baseMs: 100, maxDelayMs: 1000 }
  assert.equal(retryDelay(0, undefined, { ...options, random: () => 0 }), 50)
  assert.equal(retryDelay(0, undefined, { ...options, random: () => 1 }), 100)
  assert.equal(retryDelay(2, undefined, { ...options, random: () => 0.5 }), 300)
  assert.equal(retryDelay(10, undefined, { ...options, random: () => 1 }), 1000, 'capped at maxDelayMs')
  const spread = new Set(Array.from({ length: 50 }, () => retryDelay(3, undefined, options)))
  assert.ok(spread.size > 10, 'jitter spreads clients that failed together')
  for (const delay of spread) assert.ok(delay! >= 400 && delay! <= 800)
})

test('Retry-After wins over backoff; a wait longer than the cap is not worth retrying', () => {
  assert.equal(retryDelay(0, 2, { baseMs: 100, maxDelayMs: 5000 }), 2000)
  assert.equal(retryDelay(0, 0, { baseMs: 100, maxDelayMs: 5000 }), 0)
  assert.equal(retryDelay(0, 30, { baseMs: 100, maxDelayMs: 5000 }), null)
})
