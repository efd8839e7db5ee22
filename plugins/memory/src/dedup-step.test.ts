import { test } from 'node:test'
import assert from 'node:assert/strict'
import { migrate, openStore } from '@lynkr/storage'
import { migrations } from './schema.ts'
import { InjectionRecords } from './sessions.ts'
import { statedIn } from './dedup-step.ts'

test('the memories a session was shown are tracked by id in the store, and known again after a restart', async (t) => {
  const { db } = openStore(':memory:')
  t.after(async () => { await db.destroy() })
  await migrate(db, 'memory', migrations)
  await new InjectionRecords(db).record('s1', 'anchor-1', '<system-reminder>…</system-reminder>', [3, 7])
  const restarted = new InjectionRecords(db)
  assert.deepEqual(restarted.shownIn('s1').size, 0, 'nothing before the session is loaded')
  assert.equal((await restarted.of('s1')).get('anchor-1'), '<system-reminder>…</system-reminder>')
  assert.deepEqual([...restarted.shownIn('s1')].sort(), [3, 7])
  assert.deepEqual([...restarted.shownIn('s2')], [])
})

test('a memory is stated when a recent user message holds its text or a sentence with nearly its words', () => {
  const user = (text: string) => ({ role: 'user' as const, content: [{ type: 'text' as const, text }] })
  const assistant = { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'We use pnpm, never npm.' }] }
  const memory = 'In this project we use pnpm, never npm'
  assert.equal(statedIn([user('Note: in this project we use **pnpm**, never npm!')], memory, 5), true, 'the same words, other punctuation')
  assert.equal(statedIn([user('Hello. This project, we use pnpm and never npm. Thanks.')], memory, 5), true, 'nearly the same words')
  assert.equal(statedIn([user('Install the dependencies.')], memory, 5), false)
  assert.equal(statedIn([assistant], memory, 5), false, 'only what the user said')
  const older = [user(memory), ...Array.from({ length: 5 }, (_, i) => user(`step ${i}`))]
  assert.equal(statedIn(older, memory, 5), false, 'beyond the lookback')
  assert.equal(statedIn(older, memory, 0), true, '0 reads the whole conversation')
})
