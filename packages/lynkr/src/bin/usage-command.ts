import { LynkrConfigError } from '@lynkr/core'
import { databasePath, openStoreReadOnly } from '@lynkr/storage'
import { dailyUsage, sumUsage } from '@lynkr/usage'
import type { DailyUsageLine } from '@lynkr/usage'
import { renderTable } from './render-table.ts'

/** `--since`: `7d` (today and the 6 days before it), a date (local midnight) or an ISO timestamp. */
export function parseSince (text: string | undefined, defaultDays: number, now = new Date()): number {
  const days = text === undefined ? defaultDays : /^(\d+)d$/.exec(text.trim())?.[1]
  if (days !== undefined) {
    const count = Number(days)
    if (count < 1) throw new LynkrConfigError(`--since "${text}" must be at least 1d`)
    return new Date(now.getFullYear(), now.getMonth(), now.getDate() - (count - 1)).getTime()
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text!.trim())
  if (date) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])).getTime()
  const instant = Date.parse(text!)
  if (!Number.isFinite(instant)) throw new LynkrConfigError(`--since "${text}" must be a number of days (7d), a date (2025-01-31) or an ISO timestamp`)
  return instant
}

const count = (value: number): string => value.toLocaleString('en-US')
/** Unpriced calls have no cost; a row of only those says so instead of $0. */
const cost = (usd: number, requests: number, unpriced: number): string => unpriced === requests && requests > 0 ? 'no price' : `$${usd.toFixed(usd !== 0 && usd < 0.01 ? 4 : 2)}`

/** `lynkr usage`: the ledger under LYNKR_DATA_DIR as a table (or JSON). */
export function usageCommand (options: { since?: string, json?: boolean }, write: (text: string) => void = (text) => process.stdout.write(text)): void {
  const dataDir = process.env.LYNKR_DATA_DIR?.trim() || './data'
  const defaultDays = Number(process.env.USAGE_DEFAULT_RANGE_DAYS ?? 30)
  const from = parseSince(options.since, Number.isInteger(defaultDays) && defaultDays > 0 ? defaultDays : 30)
  const to = Date.now() + 1
  const handle = openStoreReadOnly(dataDir)
  let lines: DailyUsageLine[] = []
  try {
    if (handle !== undefined) lines = dailyUsage(handle, from, to)
  } finally {
    handle?.close()
  }
  const totals = sumUsage(lines)
  if (options.json === true) {
    write(JSON.stringify({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), rows: lines, totals }, null, 2) + '\n')
    return
  }
  if (handle === undefined) { write(`No usage recorded yet: there is no ledger at ${databasePath(dataDir)} (LYNKR_DATA_DIR).\n`); return }
  if (lines.length === 0) { write(`No requests since ${new Date(from).toLocaleString()}.\n`); return }
  const rows = lines.map((line) => [line.day, line.provider, line.model, count(line.requests), count(line.input_tokens), count(line.output_tokens), count(line.cache_read_tokens), count(line.cache_write_tokens), cost(line.cost_usd, line.requests, line.unpriced_requests)])
  rows.push(['total', '', '', count(totals.requests), count(totals.input_tokens), count(totals.output_tokens), count(totals.cache_read_tokens), count(totals.cache_write_tokens), cost(totals.cost_usd, totals.requests, totals.unpriced_requests)])
  write(renderTable(['day', 'provider', 'model', 'requests', 'input', 'output', 'cache read', 'cache write', 'cost'], rows, { rightAligned: 3 }) + '\n')
  if (totals.errors > 0) write(`${count(totals.errors)} of the requests failed.\n`)
  if (totals.unpriced_requests > 0 && totals.unpriced_requests < totals.requests) write(`${count(totals.unpriced_requests)} request(s) used models without a known price (not in the cost; MODEL_PRICE_OVERRIDES sets one).\n`)
}
