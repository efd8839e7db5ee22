import { Worker } from 'node:worker_threads'
import { sqliteDriverPath } from '@lynkr/storage'
import type { SqliteHandle } from '@lynkr/storage'
import { LEDGER_INSERT_SQL, LEDGER_PRUNE_SQL, ledgerPruner, ledgerWriter } from './ledger.ts'
import type { LedgerRow } from './ledger.ts'

// Plain CommonJS source (no build or loader needed in the worker). Its statements live
// as long as the thread (no throwaway pragma() statement: see pinStatements in @lynkr/storage).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path, { timeout: 5000 })
const insert = db.prepare(workerData.sql)
const prune = db.prepare(workerData.pruneSql)
const insertAll = db.transaction((rows) => { for (const row of rows) insert.run(row) })
parentPort.on('message', ({ id, rows, pruneBefore }) => {
  try {
    if (rows !== undefined) insertAll(rows)
    const pruned = pruneBefore === undefined ? 0 : prune.run(pruneBefore).changes
    parentPort.postMessage({ id, pruned })
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.message) || error) })
  }
})
`

const IDLE_STOP_MS = 60_000

export type LedgerWrite = (rows: LedgerRow[]) => Promise<void>

export interface LedgerThread {
  write: LedgerWrite
  /** Deletes rows of calls finished before `before` (epoch ms), off the event loop; resolves with the count. */
  prune: (before: number) => Promise<number>
  close: () => Promise<void>
}

/**
 * Ledger batches are written by a worker thread with its own connection: a transaction (and now and then
 * a WAL checkpoint with its fsync) on the event loop held up every stream for milliseconds at a time.
 * An in-memory store cannot be shared with a thread, so it is written in place.
 */
export function startLedgerThread (handle: SqliteHandle, onCrash: (error: Error) => void): LedgerThread {
  if (handle.memory) return { ...inPlace(handle), close: async () => {} }
  const pending = new Map<number, { resolve: (pruned: number) => void, reject: (error: Error) => void }>()
  let next = 1
  let crashed: Error | undefined
  // The thread (its own V8 heap and SQLite connection, ~10 MB) starts with the first write and stops after
  // a while without any: an idle gateway does not carry it.
  let worker: Worker | undefined
  let idle: NodeJS.Timeout | undefined
  const stop = async (): Promise<void> => {
    clearTimeout(idle)
    const current = worker
    worker = undefined
    if (current !== undefined) await current.terminate()
  }
  const start = (): Worker => {
    const current = new Worker(workerSource, { eval: true, workerData: { driver: sqliteDriverPath(), path: handle.name, sql: LEDGER_INSERT_SQL, pruneSql: LEDGER_PRUNE_SQL } })
    current.on('message', (message: { id: number, pruned?: number, error?: string }) => {
      const waiter = pending.get(message.id)
      pending.delete(message.id)
      if (pending.size === 0) {
        current.unref()
        clearTimeout(idle)
        idle = setTimeout(() => { if (pending.size === 0 && worker === current) void stop() }, IDLE_STOP_MS)
        idle.unref()
      }
      if (message.error === undefined) waiter?.resolve(message.pruned ?? 0)
      else waiter?.reject(new Error(message.error))
    })
    current.on('error', (error) => {
      crashed = error
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
      onCrash(error)
    })
    return current
  }
  // After a crash, batches are written in place rather than lost.
  let fallback: Pick<LedgerThread, 'write' | 'prune'> | undefined
  const ask = async (message: { rows?: LedgerRow[], pruneBefore?: number }): Promise<number> => {
    const id = next++
    clearTimeout(idle)
    const current = worker ??= start()
    // Referenced while a request is outstanding, so a shutdown waits for it; idle, it keeps no process up.
    current.ref()
    return await new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject })
      current.postMessage({ id, ...message })
    })
  }
  return {
    write: async (rows) => {
      if (crashed !== undefined) await (fallback ??= inPlace(handle)).write(rows)
      else await ask({ rows })
    },
    prune: async (before) => crashed !== undefined ? await (fallback ??= inPlace(handle)).prune(before) : await ask({ pruneBefore: before }),
    close: stop
  }
}

/** The same operations on the caller's own connection. */
function inPlace (handle: SqliteHandle): Pick<LedgerThread, 'write' | 'prune'> {
  const write = ledgerWriter(handle)
  const prune = ledgerPruner(handle)
  return { write: async (rows) => { write(rows) }, prune: async (before) => prune(before) }
}
