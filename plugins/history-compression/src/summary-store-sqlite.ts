import { createHash } from 'node:crypto'
import type { Kysely, Migration, SqliteHandle } from '@lynkr/storage'
import type { FrozenSummary } from './summary.ts'
import type { SummaryStore } from './summary-store.ts'

/** Summaries kept at most; the least recently used go first. A summary is up to ~16 KB. */
const MAX_ROWS = 5_000
/** A conversation nobody continued for this long loses its summary. */
const UNUSED_MS = 30 * 86_400_000

export interface HistorySummariesTable {
  /** sha256 of the step's conversation key (session, target, first message). */
  conversation: string
  through: number
  anchor: string
  text: string
  used_at: number
}

declare module '@lynkr/storage' {
  interface LynkrDatabase { history_summaries: HistorySummariesTable }
}

export const summaryMigrations: Record<string, Migration> = {
  '0001_history_summaries': {
    async up (db: Kysely<any>) {
      await db.schema.createTable('history_summaries')
        .addColumn('conversation', 'text', (column) => column.primaryKey())
        .addColumn('through', 'integer', (column) => column.notNull())
        .addColumn('anchor', 'text', (column) => column.notNull())
        .addColumn('text', 'text', (column) => column.notNull())
        .addColumn('used_at', 'integer', (column) => column.notNull())
        .execute()
      await db.schema.createIndex('history_summaries_used_at').on('history_summaries').column('used_at').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('history_summaries').execute()
    }
  }
}

interface Warn { warn: (fields: object, message: string) => void }

/**
 * Frozen summaries in the embedded store, so a restarted gateway sends the summary it sent before. Prepared
 * statements on the better-sqlite3 handle (prepared once, see @lynkr/storage): a lookup happens when a
 * conversation is first seen, inside the synchronous step. A store error is logged and the step goes on
 * from memory, as without a store.
 */
export class SqliteSummaryStore implements SummaryStore {
  private readonly select
  private readonly touch
  private readonly upsert
  private readonly deleteUnused
  private readonly deleteSurplus
  private readonly log: Warn

  constructor (handle: SqliteHandle, log: Warn) {
    this.log = log
    this.select = handle.prepare('select through, anchor, text from history_summaries where conversation = ?')
    this.touch = handle.prepare('update history_summaries set used_at = ? where conversation = ?')
    this.upsert = handle.prepare('insert into history_summaries (conversation, through, anchor, text, used_at) values (?, ?, ?, ?, ?) on conflict (conversation) do update set through = excluded.through, anchor = excluded.anchor, text = excluded.text, used_at = excluded.used_at')
    this.deleteUnused = handle.prepare('delete from history_summaries where used_at < ?')
    this.deleteSurplus = handle.prepare('delete from history_summaries where rowid in (select rowid from history_summaries order by used_at desc limit -1 offset ?)')
  }

  load (key: string): FrozenSummary | undefined {
    try {
      const id = rowKey(key)
      const row = this.select.get(id) as FrozenSummary | undefined
      if (row !== undefined) this.touch.run(Date.now(), id)
      return row === undefined ? undefined : { through: row.through, anchor: row.anchor, text: row.text }
    } catch (error) {
      this.log.warn({ err: error }, 'history compression: reading a stored summary failed; going on without it')
      return undefined
    }
  }

  save (key: string, summary: FrozenSummary): void {
    try {
      this.upsert.run(rowKey(key), summary.through, summary.anchor, summary.text, Date.now())
      this.prune(Date.now())
    } catch (error) {
      this.log.warn({ err: error }, 'history compression: storing a summary failed; it lives in memory only')
    }
  }

  /** Removes summaries unused for 30 days and, beyond the cap, the least recently used; the number removed. */
  prune (now: number): number {
    return this.deleteUnused.run(now - UNUSED_MS).changes + this.deleteSurplus.run(MAX_ROWS).changes
  }
}

const rowKey = (key: string): string => createHash('sha256').update(key).digest('base64url')
