import type { SqliteHandle } from '@lynkr/storage'
import { roundUsd } from './ledger.ts'
import type { UsageLine } from './ledger.ts'

/** One day's use of one model (local calendar days, as a person reading a terminal counts them). */
export interface DailyUsageLine extends UsageLine {
  day: string
}

const DAILY_SQL = `select date(ts / 1000, 'unixepoch', 'localtime') as day, provider, model,
  count(*) as requests,
  sum(case when outcome = 'error' then 1 else 0 end) as errors,
  sum(input_tokens) as input_tokens,
  sum(output_tokens) as output_tokens,
  sum(cache_read_tokens) as cache_read_tokens,
  sum(cache_write_tokens) as cache_write_tokens,
  coalesce(sum(cost_usd), 0) as cost_usd,
  sum(case when cost_usd is null then 1 else 0 end) as unpriced_requests
from usage_ledger where ts >= ? and ts < ?
group by day, provider, model
order by day, cost_usd desc, provider, model`

/** Requests, tokens and cost by day, provider and model for calls finished in [from, to); [] before the first call. */
export function dailyUsage (handle: SqliteHandle, from: number, to: number): DailyUsageLine[] {
  const table = handle.prepare("select name from sqlite_master where type = 'table' and name = 'usage_ledger'").get()
  if (table === undefined) return []
  return (handle.prepare(DAILY_SQL).all(from, to) as DailyUsageLine[])
    .map((line) => ({ ...line, cost_usd: roundUsd(line.cost_usd) }))
}
