import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LynkrError, defineManifest } from '@lynkr/protocol'
import { migrate } from '@lynkr/storage'
import type { Kysely } from '@lynkr/storage'
import { ledgerRow, migrations, summarise } from './ledger.ts'
import { startLedgerThread } from './ledger-thread.ts'
import type { LedgerRow, UsageLedgerTable } from './ledger.ts'

export interface UsageOptions {
  /** Days summarised when the query gives no `from`. */
  defaultRangeDays: number
  /** Ledger rows are written in batches: at most this often… */
  flushIntervalMs: number
  /** …or as soon as this many are waiting. */
  flushRows: number
  /** Rows older than this many days are deleted (at boot, then every few hours); 0 keeps them forever. */
  retentionDays: number
}

const PRUNE_EVERY_MS = 6 * 3_600_000

const DAY = 86_400_000

/** The largest instant a Date can hold (±100,000,000 days from 1970); beyond it toISOString throws. */
const MAX_INSTANT = 8.64e15

/** `from`/`to`: ISO 8601 dates or epoch milliseconds. */
export function parseInstant (value: string | string[] | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const text = String(value)
  const number = /^\d+$/.test(text) ? Number(text) : Date.parse(text)
  if (typeof value !== 'string' || !Number.isFinite(number) || Math.abs(number) > MAX_INSTANT) {
    throw new LynkrError('invalid_request', `${name}="${value}" must be an ISO 8601 date (2025-01-31 or 2025-01-31T12:00:00Z) or epoch milliseconds`, { code: 'LYNKR_USAGE_BAD_RANGE' })
  }
  return number
}

/** Writes one ledger row per finished chat call and serves GET /v1/usage. */
async function usage (app: FastifyInstance, options: UsageOptions): Promise<void> {
  const db = app.sqlite as unknown as Kysely<{ usage_ledger: UsageLedgerTable }>
  await migrate(db, 'usage', migrations)
  // Rows are buffered and written in one transaction per tick, by a worker thread: a write per request cost
  // more than the whole translation on the hot path (profiled), and SQLite writes serialise anyway.
  const ledger = startLedgerThread(app.sqliteHandle, (error) => app.log.error({ err: error }, 'usage ledger thread failed; writing in place'))
  let buffer: LedgerRow[] = []
  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()
  const flush = async (): Promise<void> => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined }
    if (buffer.length > 0) {
      const rows = buffer
      buffer = []
      writing = writing.then(async () => await ledger.write(rows))
        .catch((error: unknown) => { app.log.error({ err: error, rows: rows.length }, 'usage ledger write failed') })
    }
    await writing
  }

  app.lynkr.events.on('call-completed', (event) => {
    buffer.push(ledgerRow(event))
    if (buffer.length >= options.flushRows) void flush()
    else if (timer === undefined) {
      timer = setTimeout(() => { void flush() }, options.flushIntervalMs)
      timer.unref()
    }
  })

  // Spend is private: behind LYNKR_API_KEY (core's key check) when one is set.
  app.get<{ Querystring: { from?: string | string[], to?: string | string[] } }>('/v1/usage', { config: { access: 'key' } }, async (request) => {
    const to = parseInstant(request.query.to, 'to') ?? Date.now() + 1
    const from = parseInstant(request.query.from, 'from') ?? to - options.defaultRangeDays * DAY
    if (from > to) throw new LynkrError('invalid_request', `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})`, { code: 'LYNKR_USAGE_BAD_RANGE' })
    // Calls that just finished may still be buffered: include them.
    await flush()
    return await summarise(db, from, to)
  })

  // Retention: the ledger must not grow without bound on a gateway that runs for months.
  let pruner: NodeJS.Timeout | undefined
  if (options.retentionDays > 0) {
    const prune = async (): Promise<void> => {
      const before = Date.now() - options.retentionDays * DAY
      // An indexed look on this connection first: the ledger thread (its own heap, ~10 MB) starts only
      // when there is something to delete, so an idle gateway does not carry it from boot on.
      const oldest = await db.selectFrom('usage_ledger').select('ts').where('ts', '<', before).limit(1).executeTakeFirst()
      if (oldest === undefined) return
      const count = await ledger.prune(before)
      if (count > 0) app.log.info(`usage ledger: deleted ${count} row(s) older than ${options.retentionDays} days`)
    }
    const pruneLogged = (): void => { prune().catch((error: unknown) => { app.log.error({ err: error }, 'usage ledger pruning failed') }) }
    app.addHook('onReady', async () => {
      pruneLogged()
      pruner = setInterval(pruneLogged, PRUNE_EVERY_MS)
      pruner.unref()
    })
  }

  app.addHook('preClose', flush)
  app.addHook('onClose', async () => {
    if (pruner !== undefined) clearInterval(pruner)
    await flush()
    await ledger.close()
  })
}

export default fp(usage, { name: '@lynkr/usage', fastify: '5.x', decorators: { fastify: ['lynkr'] }, dependencies: ['@lynkr/storage'] })

export const manifest = defineManifest({
  kind: 'service',
  env: Type.Object({
    USAGE_DEFAULT_RANGE_DAYS: Type.Integer({ default: 30, minimum: 1, description: 'days GET /v1/usage summarises when from is omitted' }),
    USAGE_FLUSH_INTERVAL_MS: Type.Integer({ default: 250, minimum: 1, description: 'how long finished calls may wait before their ledger rows are written' }),
    USAGE_FLUSH_ROWS: Type.Integer({ default: 500, minimum: 1, description: 'write the buffered ledger rows once this many are waiting' }),
    USAGE_RETENTION_DAYS: Type.Integer({ default: 365, minimum: 0, description: 'delete ledger rows older than this many days (at boot and every 6 hours); 0 keeps them forever' })
  }),
  toOptions: (env): UsageOptions => ({ defaultRangeDays: env.USAGE_DEFAULT_RANGE_DAYS, flushIntervalMs: env.USAGE_FLUSH_INTERVAL_MS, flushRows: env.USAGE_FLUSH_ROWS, retentionDays: env.USAGE_RETENTION_DAYS })
})

export { summarise, sumUsage, ledgerRow, ledgerWriter, ledgerPruner, migrations } from './ledger.ts'
export { dailyUsage } from './daily-usage.ts'
export type { DailyUsageLine } from './daily-usage.ts'
export type { LedgerRow, UsageLedgerTable, UsageSummary, UsageLine } from './ledger.ts'
