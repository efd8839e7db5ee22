import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BoundedMemo, sessionTargetKey } from './session-memo.ts'

test('BoundedMemo makes once per key and drops the least recently used when full', () => {
  const memo = new BoundedMemo<{ n: number }>(2)
  let made = 0
  const a = memo.get('a', () => ({ n: ++made }))
  memo.get('b', () => ({ n: ++made }))
  assert.equal(memo.get('a', () => ({ n: ++made })), a, 'the same object for the same key')
  memo.get('c', () => ({ n: ++made })) // drops b, the least recently used
  assert.equal(memo.get('a', () => ({ n: ++made })), a)
  assert.equal(memo.get('b', () => ({ n: ++made })).n, 4, 'b was made again')
})

test('sessionTargetKey tells targets of one session apart', () => {
  const session = { id: 's', source: 'header' as const }
  assert.notEqual(sessionTargetKey({ session, decision: { provider: 'ollama', model: 'q', reason: 'default' } }), sessionTargetKey({ session, decision: { provider: 'openai', model: 'q', reason: 'default' } }))
})
