import type { Kysely, Migration } from 'kysely'
import type { HiddenHistoryStore, HiddenPart } from '@lynkr/core'
import type { SqliteHandle } from './index.ts'

/** Rows kept at most (each is one client tool_use id of a mixed turn); the soonest to expire go first. */
const MAX_ROWS = 50_000
/** Expired and surplus rows are removed every this many saves (and at boot). */
const PRUNE_EVERY = 200

export const hiddenHistoryMigrations: Record<string, Migration> = {
  '0001_gateway_hidden_history': {
    async up (db: Kysely<any>) {
      await db.schema.createTable('gateway_hidden_history')
        .addColumn('session', 'text', (column) => column.notNull())
        .addColumn('tool_use_id', 'text', (column) => column.notNull())
        .addColumn('part', 'text', (column) => column.notNull())
        .addColumn('expires_at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('gateway_hidden_history_pk', ['session', 'tool_use_id'])
        .execute()
      await db.schema.createIndex('gateway_hidden_history_expires').on('gateway_hidden_history').column('expires_at').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('gateway_hidden_history').execute()
    }
  }
}

/**
 * The tool loop's hidden parts in the embedded store: the gateway's calls and results of mixed turns, keyed by
 * session and the client's tool_use id, so a restart between a mixed turn and the client's next request still
 * gives the upstream the whole turn. Bounded (MAX_ROWS) and expired like the in-memory copy.
 */
export class SqliteHiddenHistoryStore implements HiddenHistoryStore {
  private readonly insert
  private readonly select
  private readonly update
  private readonly deleteExpired
  private readonly deleteSurplus
  private saves = 0
  private readonly maxRows: number

  constructor (handle: SqliteHandle, maxRows = MAX_ROWS) {
    this.maxRows = maxRows
    this.insert = handle.prepare('insert into gateway_hidden_history (session, tool_use_id, part, expires_at) values (?, ?, ?, ?) on conflict (session, tool_use_id) do update set part = excluded.part, expires_at = excluded.expires_at')
    this.select = handle.prepare('select part, expires_at from gateway_hidden_history where session = ? and tool_use_id = ? and expires_at >= ?')
    this.update = handle.prepare('update gateway_hidden_history set expires_at = ? where session = ? and tool_use_id = ?')
    this.deleteExpired = handle.prepare('delete from gateway_hidden_history where expires_at < ?')
    this.deleteSurplus = handle.prepare('delete from gateway_hidden_history where rowid in (select rowid from gateway_hidden_history order by expires_at desc limit -1 offset ?)')
    this.save = this.save.bind(this)
    this.load = this.load.bind(this)
    this.extend = this.extend.bind(this)
  }

  save (session: string, toolUseIds: string[], part: HiddenPart, expires: number): void {
    const json = JSON.stringify(part)
    for (const id of toolUseIds) this.insert.run(session, id, json, expires)
    if (++this.saves % PRUNE_EVERY === 0) this.prune(Date.now())
  }

  load (session: string, toolUseId: string, now: number): { part: HiddenPart, expires: number } | undefined {
    const row = this.select.get(session, toolUseId, now) as { part: string, expires_at: number } | undefined
    if (row === undefined) return undefined
    return { part: JSON.parse(row.part) as HiddenPart, expires: row.expires_at }
  }

  extend (session: string, toolUseId: string, expires: number): void {
    this.update.run(expires, session, toolUseId)
  }

  /** Removes expired rows and, beyond the cap, those that expire soonest; the number removed. */
  prune (now: number): number {
    return this.deleteExpired.run(now).changes + this.deleteSurplus.run(this.maxRows).changes
  }
}
