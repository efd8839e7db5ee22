import { BoundedMemo } from '@lynkr/core'
import type { FrozenSummary } from './summary.ts'

/**
 * Where frozen summaries are kept, by conversation (the step's conversation key). A summary is written once
 * and read back by every later request of that conversation, so a restart sends the same bytes instead of
 * asking the model again (which would break the provider's cache and give a different summary).
 */
export interface SummaryStore {
  load: (key: string) => FrozenSummary | undefined
  save: (key: string, summary: FrozenSummary) => void
}

/** Summaries in memory only (no embedded store): the most recently used `max` conversations. */
export class MemorySummaryStore implements SummaryStore {
  private readonly memo: BoundedMemo<FrozenSummary>

  constructor (max: number) { this.memo = new BoundedMemo(max) }

  load (key: string): FrozenSummary | undefined {
    const found = this.memo.peek(key)
    if (found !== undefined) this.memo.set(key, found)
    return found
  }

  save (key: string, summary: FrozenSummary): void {
    this.memo.set(key, summary)
  }
}
