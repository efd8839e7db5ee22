import type { Kysely } from 'kysely'
import type { MemoryInjectionsTable } from './schema.ts'

type Db = Kysely<{ memory_injections: MemoryInjectionsTable }>

/** Sessions whose records stay in this process's memory (the table keeps them all, for restarts). */
const CACHED_SESSIONS = 2000

/**
 * What was injected into which message, per session: anchor → text ('' = looked, nothing to add). Loaded
 * from the store on first sight of a session, so a restart re-applies the same bytes.
 */
export class InjectionRecords {
  private readonly db: Db
  private readonly cache = new Map<string, Map<string, string>>()
  /** Which workspace each session works in (for the memory tools, which see only the session). */
  private readonly workspaces = new Map<string, string>()
  /** Memory ids this process already put into each session (no need to repeat them in later prompts). */
  private readonly shown = new Map<string, Set<number>>()

  constructor (db: Kysely<any>) {
    this.db = db as Db
  }

  async of (session: string): Promise<Map<string, string>> {
    let records = this.cache.get(session)
    if (records !== undefined) {
      // Most recently used last: the first key is the one to evict.
      this.cache.delete(session)
      this.cache.set(session, records)
      return records
    }
    const rows = await this.db.selectFrom('memory_injections').select(['anchor', 'text', 'memory_ids']).where('session', '=', session).execute()
    records = new Map(rows.map((row) => [row.anchor, row.text]))
    // What this session was shown before a restart is still in its conversation.
    const shown = this.shownIn(session)
    for (const row of rows) for (const id of row.memory_ids.split(',')) if (id !== '') shown.add(Number(id))
    this.cache.set(session, records)
    while (this.cache.size > CACHED_SESSIONS) {
      const oldest = this.cache.keys().next().value as string
      this.cache.delete(oldest)
      this.workspaces.delete(oldest)
      this.shown.delete(oldest)
    }
    return records
  }

  /** Records an injection (an empty text is kept in memory only: it just saves a second look). */
  async record (session: string, anchor: string, text: string, ids: readonly number[] = [], now = Date.now()): Promise<void> {
    (await this.of(session)).set(anchor, text)
    const shown = this.shownIn(session)
    for (const id of ids) shown.add(id)
    if (text === '') return
    await this.db.insertInto('memory_injections').values({ session, anchor, text, created_at: now, memory_ids: ids.join(',') })
      .onConflict((conflict) => conflict.columns(['session', 'anchor']).doNothing()).execute()
  }

  shownIn (session: string): Set<number> {
    let ids = this.shown.get(session)
    if (ids === undefined) { ids = new Set(); this.shown.set(session, ids) }
    return ids
  }

  setWorkspace (session: string, workspace: string): void { this.workspaces.set(session, workspace) }
  workspaceOf (session: string): string | undefined { return this.workspaces.get(session) }

  /** Drops records of sessions not started again for `days` (housekeeping). */
  async prune (before: number): Promise<number> {
    const result = await this.db.deleteFrom('memory_injections').where('created_at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
