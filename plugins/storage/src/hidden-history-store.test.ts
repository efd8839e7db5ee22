import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HiddenHistory } from '@lynkr/core'
import type { HiddenPart } from '@lynkr/core'
import { migrate, openStore } from './index.ts'
import { SqliteHiddenHistoryStore, hiddenHistoryMigrations } from './hidden-history-store.ts'

const part = (id: string): HiddenPart => ({ uses: [{ type: 'tool_use', id, name: 'lookup', input: { q: id } }], results: [{ type: 'tool_result', tool_use_id: id, content: `found ${id}` }] })

test('hidden parts are read back from the store by a new process\'s history, per session, until they expire', async () => {
  const { db, handle } = openStore(':memory:')
  await migrate(db, 'gateway-tools', hiddenHistoryMigrations)
  const store = new SqliteHiddenHistoryStore(handle)
  const written = new HiddenHistory({ store, ttlMs: 60_000 })
  written.remember('s1', ['toolu_c1', 'toolu_c2'], part('toolu_g1'))
  const restarted = new HiddenHistory({ store, ttlMs: 60_000 })
  assert.equal(restarted.size, 0)
  assert.equal(restarted.searchable, true)
  assert.deepEqual(restarted.find('s1', 'toolu_c2'), part('toolu_g1'))
  assert.equal(restarted.find('s2', 'toolu_c2'), undefined, 'another session sees nothing')
  assert.equal(restarted.find('s1', 'toolu_other'), undefined)
  const expired = new HiddenHistory({ store, ttlMs: -1 })
  expired.remember('s3', ['toolu_c3'], part('toolu_g3'))
  assert.equal(new HiddenHistory({ store }).find('s3', 'toolu_c3'), undefined, 'expired entries are not restored')
  assert.equal(store.prune(Date.now()), 1, 'and pruning removes them')
  await db.destroy()
})

test('the store is bounded: beyond its rows, those that expire soonest go', async () => {
  const { db, handle } = openStore(':memory:')
  await migrate(db, 'gateway-tools', hiddenHistoryMigrations)
  const store = new SqliteHiddenHistoryStore(handle, 3)
  for (let i = 0; i < 5; i++) store.save('s', [`toolu_${i}`], part(`g${i}`), Date.now() + 1000 * (i + 1))
  assert.equal(store.prune(Date.now()), 2)
  assert.equal(store.load('s', 'toolu_0', Date.now()), undefined)
  assert.equal(store.load('s', 'toolu_1', Date.now()), undefined)
  assert.deepEqual(store.load('s', 'toolu_4', Date.now())?.part, part('g4'))
  await db.destroy()
})
