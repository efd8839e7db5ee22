import { test } from 'node:test'
import assert from 'node:assert/strict'
import { migrate, openStore } from '@lynkr/storage'
import { migrations } from './schema.ts'
import { MemoryStore } from './store.ts'
import { MemoryService } from './memory.ts'
import { VectorIndex, loadSqliteVec } from './vector-index.ts'
import type { TextEmbedder } from './vector-index.ts'
import { workspaceScope } from './text.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }

/** A scripted embedding model: one dimension per topic, so texts about one topic are similar without sharing a word. */
const TOPICS = [/broker|rabbitmq|kafka|queue|messages/i, /postgres|database|sql|tables/i, /pnpm|npm|packages|dependencies|install/i]
function topicVector (text: string, size = TOPICS.length): number[] {
  const vector = TOPICS.map((topic) => (text.match(new RegExp(topic.source, 'gi')) ?? []).length)
  return [...vector, 0.05, ...Array(Math.max(0, size - TOPICS.length - 1)).fill(0)]
}
function embedder (size?: number): TextEmbedder & { calls: number, fail: boolean } {
  const model = { calls: 0, fail: false, embed: async (texts: string[]) => { model.calls++; if (model.fail) throw new Error('embeddings provider down'); return texts.map((text) => topicVector(text, size)) } }
  return model
}

async function open (t: { after: (fn: () => Promise<void>) => void }) {
  const { db, handle } = openStore(':memory:')
  t.after(async () => { await db.destroy() })
  await migrate(db, 'memory', migrations)
  assert.equal(await loadSqliteVec(handle, silent), true, 'sqlite-vec loads into better-sqlite3')
  return { handle, store: new MemoryStore(db, handle) }
}

const A = '/work/a'
const B = '/work/b'

test('hybrid recall finds a memory that shares no word with the prompt, within the project; full-text alone when embedding fails', async (t) => {
  const { handle, store } = await open(t)
  const model = embedder()
  const memory = new MemoryService(store, { retrievalLimit: 5, surpriseThreshold: 0.3, includeGlobal: true, halfLifeDays: 30, vectorWeight: 0.5, minSimilarity: 0.5 })
  store.vectors = new VectorIndex(handle, model, { timeoutMs: 1000, log: silent })
  const errors: unknown[] = []
  memory.onVectorError = (error) => errors.push(error)
  await memory.consider({ kind: 'fact', content: 'Background jobs go through RabbitMQ 3.13.', scope: 'project', explicit: false, change: false }, A)
  await memory.consider({ kind: 'fact', content: 'Invoices live in PostgreSQL 15.', scope: 'project', explicit: false, change: false }, A)
  await memory.consider({ kind: 'fact', content: 'Jobs use Kafka here.', scope: 'project', explicit: false, change: false }, B)
  const question = 'Which broker carries the messages?'
  assert.deepEqual(memory.search(question, A).map((hit) => hit.content), [], 'full-text search has no word in common')
  assert.deepEqual((await memory.searchHybrid(question, A)).map((hit) => hit.content), ['Background jobs go through RabbitMQ 3.13.'], 'the vector finds it; the database memory is not similar enough; B is not searched')
  assert.deepEqual((await memory.recall(question, A)).map((hit) => hit.content), ['Background jobs go through RabbitMQ 3.13.'])

  // A word both share: the lexical and the vector side agree.
  assert.equal((await memory.searchHybrid('RabbitMQ version?', A))[0]?.content, 'Background jobs go through RabbitMQ 3.13.')

  model.fail = true
  assert.deepEqual((await memory.searchHybrid('PostgreSQL', A)).map((hit) => hit.content), ['Invoices live in PostgreSQL 15.'], 'full-text alone')
  assert.equal(errors.length, 1)
  await memory.consider({ kind: 'fact', content: 'Sessions are kept in Redis 7.', scope: 'project', explicit: false, change: false }, A)
  assert.equal(await store.count(), 4, 'a memory is stored even when its embedding fails')
  model.fail = false
})

test('the index follows the store: forget and retire drop vectors, housekeeping sweeps and backfills, a new embedding size starts afresh', async (t) => {
  const { handle, store } = await open(t)
  const scope = workspaceScope(A)
  const ids = [
    await store.add({ scope, kind: 'fact', content: 'Jobs go through RabbitMQ.', importance: 0.5, source: 'test' }),
    await store.add({ scope, kind: 'fact', content: 'Invoices live in PostgreSQL.', importance: 0.5, source: 'test' }),
    await store.add({ scope, kind: 'fact', content: 'Packages install with pnpm.', importance: 0.5, source: 'test' })
  ]
  const index = new VectorIndex(handle, embedder(), { timeoutMs: 1000, log: silent })
  assert.deepEqual(await index.nearest('broker', [scope], 5), [], 'no table before the first vector')
  assert.equal(await index.backfill(0), ids[2], 'memories stored before vectors were on are embedded')
  assert.equal(await index.backfill(ids[2]), undefined)
  const count = (): number => (handle.prepare('select count(*) as n from memory_vec').get() as { n: number }).n
  assert.equal(count(), 3)
  store.vectors = index
  assert.equal((await index.nearest('the message broker', [scope], 1))[0]?.id, ids[0])
  assert.deepEqual(await index.nearest('the message broker', [workspaceScope(B)], 5), [], 'another scope\'s partition')

  await store.forget(ids[0]!, [scope])
  await store.retire(ids[1]!, null)
  assert.equal(count(), 1)
  store.vectors = undefined
  await store.forget(ids[2]!, [scope]) // as the CLI does: a store without sqlite-vec
  assert.equal(count(), 1)
  assert.equal(index.sweep(), 1, 'housekeeping drops vectors whose memory is gone')
  assert.equal(count(), 0)

  const wider = new VectorIndex(handle, embedder(8), { timeoutMs: 1000, log: silent })
  const id = await store.add({ scope, kind: 'fact', content: 'Queue on Kafka.', importance: 0.5, source: 'test' })
  await wider.add([{ id, scope, content: 'Queue on Kafka.' }])
  assert.match((handle.prepare("select sql from sqlite_master where name = 'memory_vec'").get() as { sql: string }).sql, /float\[8\]/)
  assert.equal((await wider.nearest('kafka broker', [scope], 1))[0]?.id, id)
})

test('sqlite-vec that cannot load is one warning, and no index', async () => {
  const warnings: unknown[] = []
  const handle = { loadExtension: () => { throw new Error('this SQLite was built without extension loading') } }
  assert.equal(await loadSqliteVec(handle as never, { ...silent, warn: (...args: unknown[]) => { warnings.push(args) } }), false)
  assert.equal(warnings.length, 1)
  assert.match(JSON.stringify(warnings[0]), /recall uses full-text search only/)
})
