import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { migrate, openStore } from '@lynkr/storage'
import type { CallCompletedEvent } from '@lynkr/core'
import { ledgerRow, ledgerWriter, migrations, summarise } from './ledger.ts'
import type { UsageLedgerTable } from './ledger.ts'
import { parseInstant } from './index.ts'
import { startLedgerThread } from './ledger-thread.ts'

const log = { debug () {}, info () {}, warn () {}, error () {} }
function event (provider: string, model: string, usage: [number, number, number, number], costUsd: number | undefined, outcome: 'success' | 'error' = 'success'): CallCompletedEvent {
  return {
    requestId: `r-${Math.random()}`, clientModel: 'claude-sonnet-4-5', decision: { provider, model, reason: 'tier', tier: 'COMPLEX' }, stream: true, outcome,
    usage: { input_tokens: usage[0], output_tokens: usage[1], cache_read_input_tokens: usage[2], cache_creation_input_tokens: usage[3] }, costUsd, durationMs: 1200, log, purpose: 'client', steps: []
  }
}

test('the ledger lives in LYNKR_DATA_DIR, migrates once (own migration table), and summarises a time range by provider and model', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-ledger-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const store = openStore(join(dir, 'data'))
  const db = store.db as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
  t.after(async () => { await db.destroy() })
  assert.ok(existsSync(join(dir, 'data', 'lynkr.db')))
  assert.deepEqual(await migrate(db, 'usage', migrations), ['0001_usage_ledger', '0002_purpose_and_step_savings'])
  assert.deepEqual(await migrate(db, 'usage', migrations), [], 'idempotent')
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db)
  assert.ok(tables.rows.some((row) => row.name === 'lynkr_migrations_usage'))

  const day = Date.UTC(2026, 0, 10)
  ledgerWriter(store.handle)([
    ledgerRow(event('openai', 'o3', [6000, 500, 4000, 0], 0.018), day),
    ledgerRow(event('openai', 'o3', [100, 10, 0, 0], 0.00028), day + 1000),
    ledgerRow(event('ollama', 'qwen', [300, 30, 0, 0], 0), day + 2000),
    ledgerRow(event('mystery', 'm1', [10, 10, 0, 0], undefined), day + 3000),
    ledgerRow(event('openai', 'o3', [0, 0, 0, 0], 0, 'error'), day + 4000),
    ledgerRow(event('openai', 'o3', [1e6, 1e6, 0, 0], 10), day + 86_400_000) // the next day: outside the range
  ])

  const summary = await summarise(db, day, day + 86_400_000)
  assert.equal(summary.from, '2026-01-10T00:00:00.000Z')
  assert.deepEqual(summary.by_model.map((line) => [line.provider, line.model, line.requests]), [['openai', 'o3', 3], ['mystery', 'm1', 1], ['ollama', 'qwen', 1]])
  const o3 = summary.by_model[0]!
  assert.deepEqual({ ...o3 }, { provider: 'openai', model: 'o3', requests: 3, errors: 1, input_tokens: 6100, output_tokens: 510, cache_read_tokens: 4000, cache_write_tokens: 0, cost_usd: 0.01828, unpriced_requests: 0, tokens_saved: 0 })
  assert.equal(summary.totals.requests, 5)
  assert.equal(summary.totals.unpriced_requests, 1)
  assert.equal(summary.totals.cost_usd, 0.01828)
  assert.deepEqual(summary.internal, [])
})

test('steps\' savings land in their stage\'s column; internal calls are summarised apart from client traffic', async (t) => {
  const store = openStore(':memory:')
  const db = store.db as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
  t.after(async () => { await db.destroy() })
  await migrate(db, 'usage', migrations)
  const day = Date.UTC(2026, 0, 10)
  const saving = {
    ...event('openai', 'o3', [1000, 10, 0, 0], 0.001),
    steps: [
      { step: 'memory', stage: 'recall' as const, tokensBefore: 5000, tokensAfter: 5200, durationMs: 3 },
      { step: 'truncate', stage: 'tool-result-truncation' as const, tokensBefore: 5200, tokensAfter: 2000, durationMs: 1 }
    ]
  }
  const row = ledgerRow(saving, day)
  assert.equal(row.saved_recall, -200)
  assert.equal(row.saved_tool_result_truncation, 3200)
  assert.equal(row.prompt_tokens_before, 5000)
  assert.equal(row.prompt_tokens_after, 2000)
  ledgerWriter(store.handle)([row, ledgerRow({ ...event('openai', 'o3', [400, 40, 0, 0], 0.0005), purpose: 'internal:summarise' }, day + 1)])
  const summary = await summarise(db, day, day + 1000)
  assert.equal(summary.totals.requests, 1, 'the internal call is not client traffic')
  assert.equal(summary.totals.tokens_saved, 3000)
  assert.deepEqual(summary.internal.map((line) => [line.purpose, line.provider, line.model, line.requests, line.input_tokens]), [['internal:summarise', 'openai', 'o3', 1, 400]])
})

test('range parameters: ISO dates or epoch milliseconds', () => {
  assert.equal(parseInstant('2026-01-10', 'from'), Date.UTC(2026, 0, 10))
  assert.equal(parseInstant('1767225600000', 'to'), 1767225600000)
  assert.equal(parseInstant(undefined, 'to'), undefined)
  assert.throws(() => parseInstant('last tuesday', 'from'), /from="last tuesday" must be an ISO 8601 date/)
})

test('ledger batches go through a worker thread with its own connection to a file store, and are readable once written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-ledger-thread-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const store = openStore(join(dir, 'data'))
  const db = store.db as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
  t.after(async () => { await db.destroy() })
  await migrate(db, 'usage', migrations)
  const crashes: Error[] = []
  const ledger = startLedgerThread(store.handle, (error) => crashes.push(error))
  const day = Date.UTC(2026, 0, 10)
  await Promise.all([
    ledger.write([ledgerRow(event('openai', 'o3', [100, 10, 0, 0], 0.001), day)]),
    ledger.write([ledgerRow(event('openai', 'o3', [200, 20, 0, 0], 0.002), day + 1), ledgerRow(event('ollama', 'qwen', [5, 5, 0, 0], 0), day + 2)])
  ])
  await ledger.close()
  const summary = await summarise(db, day, day + 1000)
  assert.equal(summary.totals.requests, 3)
  assert.equal(summary.totals.input_tokens, 305)
  assert.deepEqual(crashes, [])
})

test('an in-memory store is written in place (a thread cannot share it)', async (t) => {
  const store = openStore(':memory:')
  const db = store.db as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
  t.after(async () => { await db.destroy() })
  await migrate(db, 'usage', migrations)
  const ledger = startLedgerThread(store.handle, () => {})
  await ledger.write([ledgerRow(event('openai', 'o3', [1, 1, 0, 0], 0), 1000)])
  assert.equal((await summarise(db, 0, 2000)).totals.requests, 1)
})

test('retention: pruning deletes rows older than the cut-off, through the thread and in place', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-ledger-prune-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const dataDir of [join(dir, 'data'), ':memory:']) {
    const store = openStore(dataDir)
    const db = store.db as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
    await migrate(db, 'usage', migrations)
    const ledger = startLedgerThread(store.handle, () => {})
    const day = 86_400_000
    const now = Date.UTC(2026, 5, 1)
    await ledger.write([
      ledgerRow(event('openai', 'o3', [1, 1, 0, 0], 0), now - 400 * day),
      ledgerRow(event('openai', 'o3', [2, 2, 0, 0], 0), now - 366 * day),
      ledgerRow(event('openai', 'o3', [3, 3, 0, 0], 0), now - 10 * day)
    ])
    assert.equal(await ledger.prune(now - 365 * day), 2, dataDir)
    assert.equal(await ledger.prune(now - 365 * day), 0, 'nothing left to prune')
    const left = await summarise(db, 0, now)
    assert.equal(left.totals.requests, 1)
    assert.equal(left.totals.input_tokens, 3)
    await ledger.close()
    await db.destroy()
  }
})
