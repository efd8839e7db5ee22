import type { Kysely, Migration } from 'kysely'
import { sql } from 'kysely'
import type { CallCompletedEvent } from '@lynkr/core'
import type { PipelineStage } from '@lynkr/protocol'
import type { SqliteHandle } from '@lynkr/storage'

export interface UsageLedgerTable {
  id: number | undefined
  /** Epoch milliseconds when the call finished. */
  ts: number
  request_id: string
  provider: string
  model: string
  client_model: string
  tier: string | null
  stream: number
  outcome: string
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  /** Null when the model has no known price. */
  cost_usd: number | null
  duration_ms: number
  /** `client`, or `internal:<name>` for a plugin's own model calls (not client traffic). */
  purpose: string
  /** Prompt tokens before the first and after the last pipeline step that changed the request (null: none did). */
  prompt_tokens_before: number | null
  prompt_tokens_after: number | null
  /** Prompt tokens each stage removed (negative: added, e.g. recalled memory). */
  saved_recall: number
  saved_tool_selection: number
  saved_memory_dedup: number
  saved_tool_result_truncation: number
  saved_system_prompt: number
  saved_history_compression: number
}

/** The ledger column of each measured stage (prompt-cache only places breakpoints: nothing to save). */
export const SAVED_COLUMNS: Partial<Record<PipelineStage, keyof UsageLedgerTable>> = {
  recall: 'saved_recall',
  'tool-selection': 'saved_tool_selection',
  'memory-dedup': 'saved_memory_dedup',
  'tool-result-truncation': 'saved_tool_result_truncation',
  'system-prompt': 'saved_system_prompt',
  'history-compression': 'saved_history_compression'
}

declare module '@lynkr/storage' {
  interface LynkrDatabase { usage_ledger: UsageLedgerTable }
}

export const migrations: Record<string, Migration> = {
  '0001_usage_ledger': {
    async up (db: Kysely<any>) {
      await db.schema.createTable('usage_ledger')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('ts', 'integer', (column) => column.notNull())
        .addColumn('request_id', 'text', (column) => column.notNull())
        .addColumn('provider', 'text', (column) => column.notNull())
        .addColumn('model', 'text', (column) => column.notNull())
        .addColumn('client_model', 'text', (column) => column.notNull())
        .addColumn('tier', 'text')
        .addColumn('stream', 'integer', (column) => column.notNull())
        .addColumn('outcome', 'text', (column) => column.notNull())
        .addColumn('input_tokens', 'integer', (column) => column.notNull())
        .addColumn('output_tokens', 'integer', (column) => column.notNull())
        .addColumn('cache_read_tokens', 'integer', (column) => column.notNull())
        .addColumn('cache_write_tokens', 'integer', (column) => column.notNull())
        .addColumn('cost_usd', 'real')
        .addColumn('duration_ms', 'integer', (column) => column.notNull())
        .execute()
      await db.schema.createIndex('usage_ledger_ts').on('usage_ledger').column('ts').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('usage_ledger').execute()
    }
  },
  // Savings per pipeline stage, and internal calls (a summariser) kept apart from client traffic.
  '0002_purpose_and_step_savings': {
    async up (db: Kysely<any>) {
      await db.schema.alterTable('usage_ledger').addColumn('purpose', 'text', (column) => column.notNull().defaultTo('client')).execute()
      await db.schema.alterTable('usage_ledger').addColumn('prompt_tokens_before', 'integer').execute()
      await db.schema.alterTable('usage_ledger').addColumn('prompt_tokens_after', 'integer').execute()
      for (const column of Object.values(SAVED_COLUMNS)) {
        await db.schema.alterTable('usage_ledger').addColumn(column, 'integer', (c) => c.notNull().defaultTo(0)).execute()
      }
    },
    async down (db: Kysely<any>) {
      for (const column of ['purpose', 'prompt_tokens_before', 'prompt_tokens_after', ...Object.values(SAVED_COLUMNS)]) {
        await db.schema.alterTable('usage_ledger').dropColumn(column).execute()
      }
    }
  }
}

export type LedgerRow = Omit<UsageLedgerTable, 'id'>

const COLUMNS: Array<keyof LedgerRow> = ['ts', 'request_id', 'provider', 'model', 'client_model', 'tier', 'stream', 'outcome',
  'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cost_usd', 'duration_ms', 'purpose',
  'prompt_tokens_before', 'prompt_tokens_after', 'saved_recall', 'saved_tool_selection', 'saved_memory_dedup',
  'saved_tool_result_truncation', 'saved_system_prompt', 'saved_history_compression']

/**
 * Writes a batch of rows in one transaction through one prepared statement. A Kysely multi-row insert
 * compiled and prepared a new statement per batch: about 5 % of the gateway's CPU under load (profiled).
 */
export const LEDGER_INSERT_SQL = `insert into usage_ledger (${COLUMNS.join(', ')}) values (${COLUMNS.map((column) => `@${column}`).join(', ')})`

export function ledgerWriter (handle: SqliteHandle): (rows: LedgerRow[]) => void {
  const insert = handle.prepare(LEDGER_INSERT_SQL)
  return handle.transaction((rows: LedgerRow[]) => {
    for (const row of rows) insert.run(row)
  })
}

export const LEDGER_PRUNE_SQL = 'delete from usage_ledger where ts < ?'

/** Deletes the rows of calls finished before `before` (epoch ms); returns how many went. */
export function ledgerPruner (handle: SqliteHandle): (before: number) => number {
  const prune = handle.prepare(LEDGER_PRUNE_SQL)
  return (before) => prune.run(before).changes
}

export function ledgerRow (event: CallCompletedEvent, now = Date.now()): LedgerRow {
  return {
    ts: now,
    request_id: event.requestId,
    provider: event.decision.provider,
    model: event.decision.model,
    client_model: event.clientModel,
    tier: event.decision.tier ?? null,
    stream: event.stream ? 1 : 0,
    outcome: event.outcome,
    input_tokens: event.usage.input_tokens,
    output_tokens: event.usage.output_tokens,
    cache_read_tokens: event.usage.cache_read_input_tokens ?? 0,
    cache_write_tokens: event.usage.cache_creation_input_tokens ?? 0,
    cost_usd: event.costUsd ?? null,
    duration_ms: event.durationMs,
    purpose: event.purpose,
    ...stepSavings(event)
  }
}

type Savings = Pick<LedgerRow, 'prompt_tokens_before' | 'prompt_tokens_after' | 'saved_recall' | 'saved_tool_selection' | 'saved_memory_dedup' | 'saved_tool_result_truncation' | 'saved_system_prompt' | 'saved_history_compression'>

function stepSavings (event: CallCompletedEvent): Savings {
  const savings: Savings = { prompt_tokens_before: null, prompt_tokens_after: null, saved_recall: 0, saved_tool_selection: 0, saved_memory_dedup: 0, saved_tool_result_truncation: 0, saved_system_prompt: 0, saved_history_compression: 0 }
  for (const step of event.steps) {
    savings.prompt_tokens_before ??= step.tokensBefore
    savings.prompt_tokens_after = step.tokensAfter
    const column = SAVED_COLUMNS[step.stage] as keyof Savings | undefined
    if (column !== undefined) (savings[column] as number) += step.tokensBefore - step.tokensAfter
  }
  return savings
}

export interface UsageLine {
  provider: string
  model: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  cache_read_tokens: number
  cache_write_tokens: number
  cost_usd: number
  /** Requests whose model has no price (their cost is not in cost_usd). */
  unpriced_requests: number
  /** Prompt tokens pipeline steps removed, all stages together (negative: they added more). */
  tokens_saved: number
}

export interface UsageSummary {
  from: string
  to: string
  /** Client traffic only. */
  totals: Omit<UsageLine, 'provider' | 'model'>
  by_model: UsageLine[]
  /** A plugin's own model calls (summarisers, extractors), by purpose: not client traffic. */
  internal: Array<UsageLine & { purpose: string }>
}

/** Spend and tokens by provider and model for calls finished in [from, to). */
export async function summarise (db: Kysely<{ usage_ledger: UsageLedgerTable }>, from: number, to: number): Promise<UsageSummary> {
  const saved = Object.values(SAVED_COLUMNS).join(' + ')
  const rows = await db.selectFrom('usage_ledger')
    .select([
      'purpose',
      'provider',
      'model',
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(case when outcome = 'error' then 1 else 0 end)`.as('errors'),
      sql<number>`sum(input_tokens)`.as('input_tokens'),
      sql<number>`sum(output_tokens)`.as('output_tokens'),
      sql<number>`sum(cache_read_tokens)`.as('cache_read_tokens'),
      sql<number>`sum(cache_write_tokens)`.as('cache_write_tokens'),
      sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      sql<number>`sum(case when cost_usd is null then 1 else 0 end)`.as('unpriced_requests'),
      sql<number>`sum(${sql.raw(saved)})`.as('tokens_saved')
    ])
    .where('ts', '>=', from)
    .where('ts', '<', to)
    .groupBy(['purpose', 'provider', 'model'])
    .orderBy(sql`coalesce(sum(cost_usd), 0)`, 'desc')
    .orderBy('provider')
    .orderBy('model')
    .execute()
  const lines: UsageLine[] = []
  const internal: UsageSummary['internal'] = []
  for (const { purpose, ...row } of rows) {
    const line = { ...row, cost_usd: roundUsd(Number(row.cost_usd)) }
    if (purpose === 'client') lines.push(line)
    else internal.push({ purpose, ...line })
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), totals: sumUsage(lines), by_model: lines, internal }
}

/** The totals of usage lines (by model, by day). */
export function sumUsage (lines: UsageLine[]): UsageSummary['totals'] {
  const totals = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0, unpriced_requests: 0, tokens_saved: 0 }
  for (const line of lines) {
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += Number(line[key])
  }
  totals.cost_usd = roundUsd(totals.cost_usd)
  return totals
}

export function roundUsd (value: number): number {
  return Math.round(value * 1e8) / 1e8
}
