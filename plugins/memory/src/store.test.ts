import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, openStore } from '@lynkr/storage'
import { migrations } from './schema.ts'
import { MemoryStore, rank } from './store.ts'
import type { Memory } from './store.ts'
import { GLOBAL_SCOPE, workspaceScope } from './text.ts'

const DAY = 86_400_000
const A = workspaceScope('/work/a')
const B = workspaceScope('/work/b')

async function open (t: { after: (fn: () => Promise<void>) => void }, dataDir = ':memory:') {
  const { db, handle } = openStore(dataDir)
  t.after(async () => { await db.destroy() })
  return { db, handle, store: new MemoryStore(db, handle), migrated: await migrate(db, 'memory', migrations) }
}

const options = { halfLifeDays: 30 }

test('migrations run once in their own table, on a WAL store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-memory-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const { db, handle, migrated } = await open(t, dir)
  assert.deepEqual(migrated, ['0001_memories', '0002_memory_injections', '0003_memory_injection_ids'])
  assert.deepEqual(await migrate(db, 'memory', migrations), [])
  assert.equal((handle.prepare('pragma journal_mode').get() as { journal_mode: string }).journal_mode, 'wal')
  const tables = (handle.prepare("select name from sqlite_master where name like 'lynkr_migrations_memory%'").all() as Array<{ name: string }>).map((row) => row.name)
  assert.ok(tables.includes('lynkr_migrations_memory'))
})

test('search stems with Porter and stays inside the project (plus global memories)', async (t) => {
  const { store } = await open(t)
  await store.add({ scope: A, kind: 'preference', content: 'We prefer running migrations by hand', importance: 0.5, source: 'test' })
  await store.add({ scope: B, kind: 'preference', content: 'Migrations run automatically at deploy', importance: 0.5, source: 'test' })
  const global = await store.add({ scope: GLOBAL_SCOPE, kind: 'preference', content: 'I always want migrations reviewed', importance: 0.5, source: 'test' })
  const inA = store.search('how are the migration scripts run?', [A], 5, options)
  assert.deepEqual(inA.map((hit) => hit.content), ['We prefer running migrations by hand'], '"migration" finds "migrations", "run" finds "running"; B is not searched')
  const withGlobal = store.search('migration', [A, GLOBAL_SCOPE], 5, options)
  assert.deepEqual(withGlobal.map((hit) => hit.scope).sort(), [A, GLOBAL_SCOPE].sort())
  assert.ok(withGlobal.some((hit) => hit.id === global))
  assert.deepEqual(store.search('"); drop table memories; --', [A], 5, options), [], 'query syntax in user text is just words')
})

test('the rarest terms of a long request drive the match', async (t) => {
  const { store } = await open(t)
  const rows = Array.from({ length: 300 }, (_, i) => ({ scope: A, kind: 'fact' as const, content: `the service handles request number ${i}`, importance: 0.3, source: 'test', created_at: Date.now() }))
  await store.addMany(rows)
  await store.add({ scope: A, kind: 'fact', content: 'The service stores sessions in Memcached', importance: 0.3, source: 'test' })
  assert.equal(store.rarestTerms('service request sessions memcached', 2).join(','), 'sessions,memcached')
  const [top] = store.search('which service handles the request for sessions?', [A], 1, options)
  assert.equal(top!.content, 'The service stores sessions in Memcached')
})

test('retired and forgotten memories leave the index; forget is limited to the caller\'s scopes', async (t) => {
  const { store } = await open(t)
  const old = await store.add({ scope: A, kind: 'fact', content: 'Queue runs on Redis', importance: 0.5, source: 'test' })
  const other = await store.add({ scope: B, kind: 'fact', content: 'Queue runs on SQS', importance: 0.5, source: 'test' })
  assert.equal(await store.retire(old, null), true)
  assert.deepEqual(store.search('queue', [A], 5, options), [])
  assert.equal(await store.forget(other, [A, GLOBAL_SCOPE]), false, 'project A cannot forget B\'s memory')
  assert.equal(await store.forget(other, [B]), true)
  assert.deepEqual(store.search('queue', [B], 5, options), [])
  assert.equal(await store.count(), 0)
})

test('ranking: relevance leads; importance, recency and access count order near-equals', () => {
  const now = Date.now()
  const base: Memory = { id: 1, scope: A, kind: 'fact', content: '', importance: 0.5, access_count: 0, created_at: now, last_accessed_at: now }
  const ranked = rank([
    { ...base, id: 1, relevance: 2 },
    { ...base, id: 2, relevance: 2, importance: 0.9 },
    { ...base, id: 3, relevance: 2, created_at: now - 120 * DAY },
    { ...base, id: 4, relevance: 2, access_count: 10 },
    { ...base, id: 5, relevance: 10, importance: 0.1, created_at: now - 300 * DAY }
  ], 5, { halfLifeDays: 30, now })
  assert.deepEqual(ranked.map((hit) => hit.id), [5, 2, 4, 1, 3])
})

test('pruning drops retired rows, memories unused for too long and, per scope, the least important beyond the cap', async (t) => {
  const { store, handle } = await open(t)
  const now = Date.now()
  const stale = await store.add({ scope: A, kind: 'fact', content: 'stale fact alpha', importance: 0.9, source: 'test' }, now - 400 * DAY)
  for (let i = 0; i < 5; i++) await store.add({ scope: A, kind: 'fact', content: `fact number ${i} beta`, importance: i / 10, source: 'test' }, now)
  await store.add({ scope: B, kind: 'fact', content: 'only fact in b beta', importance: 0.1, source: 'test' }, now)
  const retired = await store.add({ scope: B, kind: 'fact', content: 'retired gamma', importance: 0.5, source: 'test' }, now)
  await store.retire(retired, null)
  const removed = await store.prune({ maxCount: 3, maxAgeDays: 365, now })
  assert.equal(removed, 1 + 1 + 2)
  assert.equal(await store.get(stale), undefined)
  assert.deepEqual((await store.list([A])).map((memory) => memory.content).sort(), ['fact number 2 beta', 'fact number 3 beta', 'fact number 4 beta'])
  assert.equal(await store.count(B), 1)
  const indexed = (handle.prepare('select count(*) as n from memory_fts').get() as { n: number }).n
  assert.equal(indexed, 4, 'the index holds exactly the live memories')
})
