import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { SqliteHandle } from '@lynkr/storage'
import type { MemoriesTable, MemoryKind, MemoryInjectionsTable } from './schema.ts'
import { ftsLiteral, terms } from './text.ts'
import type { VectorIndex } from './vector-index.ts'

export type MemoryDb = Kysely<{ memories: MemoriesTable, memory_injections: MemoryInjectionsTable }>

export interface Memory {
  id: number
  scope: string
  kind: MemoryKind
  content: string
  importance: number
  access_count: number
  created_at: number
  last_accessed_at: number
}

export interface NewMemory { scope: string, kind: MemoryKind, content: string, importance: number, source: string }

export interface Ranked extends Memory { score: number, relevance: number }

export interface RankOptions {
  /** Days for recency to halve (MEMORY_DECAY_HALF_LIFE_DAYS). */
  halfLifeDays: number
  now?: number
}

const DAY = 86_400_000
/** The rarest terms of a request that take part in the match: more would only add common words. */
const QUERY_TERMS = 8
/** Terms looked at for rarity (a Claude Code prompt can be long; the first ones say what it is about). */
const CANDIDATE_TERMS = 48
/** Documents bm25 ranks before the finer ranking picks the top few. */
const POOL = 50
/**
 * Document frequency is counted up to this; a term that reaches it is common and left out of the match
 * (unless the text has nothing rarer): it would add thousands of postings to rank and little relevance.
 */
const DF_CAP = 200

const DF_CACHE_TERMS = 50_000
const DF_CACHE_WRITES = 200
const DF_CACHE_MS = 60_000

const COLUMNS = 'm.id, m.scope, m.kind, m.content, m.importance, m.access_count, m.created_at, m.last_accessed_at'

/**
 * The memories of every project in one table and one FTS5 index. Writes go through Kysely (FTS rows by
 * raw SQL, inside the same transaction); search is the hot path and uses prepared statements on the handle.
 */
export class MemoryStore {
  private readonly db: MemoryDb
  private readonly handle: SqliteHandle
  /**
   * Document frequencies seen lately: prompts repeat their words, and a slightly stale count still picks
   * the rare terms. Dropped after DF_CACHE_WRITES writes or DF_CACHE_MS.
   */
  private dfCache = new Map<string, number>()
  /** Terms no memory has (most of a prompt's words): cleared by every write. */
  private readonly dfAbsent = new Set<string>()
  private dfCacheWrites = 0
  private dfCacheSince = Date.now()
  /** Embeddings of the memories (MEMORY_VECTOR_ENABLED with sqlite-vec loaded); retire and forget drop theirs. */
  vectors: VectorIndex | undefined

  constructor (db: Kysely<any>, handle: SqliteHandle) {
    this.db = db as MemoryDb
    this.handle = handle
  }

  async add (memory: NewMemory, now = Date.now()): Promise<number> {
    // A term cached as absent may now be present (in any of its stemmed forms): forget the absences.
    this.dfCacheWrites++
    this.dfAbsent.clear()
    return await this.db.transaction().execute(async (trx) => {
      const row = await trx.insertInto('memories')
        .values({ ...memory, access_count: 0, created_at: now, last_accessed_at: now, retired_at: null, superseded_by: null })
        .returning('id').executeTakeFirstOrThrow()
      const id = Number(row.id)
      await sql`insert into memory_fts (rowid, content, scope) values (${id}, ${memory.content}, ${memory.scope})`.execute(trx)
      return id
    })
  }

  /** Bulk load (benchmarks, imports): one transaction, the index filled from the table in one statement. */
  async addMany (memories: Array<NewMemory & { created_at: number }>): Promise<void> {
    this.clearDf()
    await this.db.transaction().execute(async (trx) => {
      const first = (await trx.selectFrom('memories').select(sql<number>`coalesce(max(id), 0)`.as('max')).executeTakeFirstOrThrow()).max
      for (let i = 0; i < memories.length; i += 500) {
        await trx.insertInto('memories').values(memories.slice(i, i + 500).map((memory) => ({
          ...memory, access_count: 0, last_accessed_at: memory.created_at, retired_at: null, superseded_by: null
        }))).execute()
      }
      await sql`insert into memory_fts (rowid, content, scope) select id, content, scope from memories where id > ${first} and retired_at is null`.execute(trx)
    })
  }

  /** Takes a memory out of recall (kept as history, pointing at what replaced it). */
  async retire (id: number, supersededBy: number | null, now = Date.now()): Promise<boolean> {
    return await this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('memories').set({ retired_at: now, superseded_by: supersededBy })
        .where('id', '=', id).where('retired_at', 'is', null).executeTakeFirst()
      await sql`delete from memory_fts where rowid = ${id}`.execute(trx)
      return Number(result.numUpdatedRows) > 0
    }).finally(() => { this.vectors?.remove([id]) })
  }

  /** Deletes a memory for good, if it belongs to one of `scopes`. */
  async forget (id: number, scopes: string[]): Promise<boolean> {
    const gone = await this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('memories').where('id', '=', id).where('scope', 'in', scopes).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) return false
      await sql`delete from memory_fts where rowid = ${id}`.execute(trx)
      return true
    })
    if (gone) this.vectors?.remove([id])
    return gone
  }

  /** Live memories by id, within the scopes (the vector index's hits). */
  live (ids: number[], scopes: string[]): Memory[] {
    if (ids.length === 0 || scopes.length === 0) return []
    return this.handle.prepare(`select ${COLUMNS.replace(/m\./g, '')} from memories where id in (${ids.map(() => '?').join(',')}) and scope in (${scopes.map(() => '?').join(',')}) and retired_at is null`)
      .all(...ids, ...scopes) as Memory[]
  }

  async get (id: number): Promise<Memory | undefined> {
    return await this.db.selectFrom('memories').select(['id', 'scope', 'kind', 'content', 'importance', 'access_count', 'created_at', 'last_accessed_at'])
      .where('id', '=', id).where('retired_at', 'is', null).executeTakeFirst() as Memory | undefined
  }

  async list (scopes: string[], limit = 100, offset = 0): Promise<Memory[]> {
    return await this.db.selectFrom('memories').select(['id', 'scope', 'kind', 'content', 'importance', 'access_count', 'created_at', 'last_accessed_at'])
      .where('scope', 'in', scopes).where('retired_at', 'is', null)
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute() as Memory[]
  }

  async count (scope?: string): Promise<number> {
    let query = this.db.selectFrom('memories').select(sql<number>`count(*)`.as('n')).where('retired_at', 'is', null)
    if (scope !== undefined) query = query.where('scope', '=', scope)
    return Number((await query.executeTakeFirstOrThrow()).n)
  }

  /** The most important live preferences of the scopes (standing instructions), best first. */
  async standing (scopes: string[], limit: number): Promise<Memory[]> {
    if (limit <= 0) return []
    return await this.db.selectFrom('memories').select(['id', 'scope', 'kind', 'content', 'importance', 'access_count', 'created_at', 'last_accessed_at'])
      .where('scope', 'in', scopes).where('retired_at', 'is', null).where('kind', '=', 'preference')
      .orderBy('importance', 'desc').orderBy('created_at', 'desc').limit(limit).execute() as Memory[]
  }

  /** Counts a recall (access count and last access feed the ranking). */
  touch (ids: number[], now = Date.now()): void {
    if (ids.length === 0) return
    const update = this.handle.prepare('update memories set access_count = access_count + 1, last_accessed_at = ? where id = ?')
    this.handle.transaction(() => { for (const id of ids) update.run(now, id) })()
  }

  /**
   * The `limit` best memories of `scopes` for a text: bm25 over its rarest terms (within the scopes, in the
   * index), then relevance, importance, recency and access count together.
   */
  search (text: string, scopes: string[], limit: number, options: RankOptions): Ranked[] {
    const pool = this.candidates(text, scopes)
    return rank(pool, limit, options)
  }

  /** bm25 candidates (relevance = −bm25, higher is better), for ranking or for the nearest-memory checks. */
  candidates (text: string, scopes: string[], pool = POOL): Array<Memory & { relevance: number }> {
    const chosen = this.rarestTerms(text)
    if (chosen.length === 0 || scopes.length === 0) return []
    const match = `scope : (${scopes.map(ftsLiteral).join(' OR ')}) AND content : (${chosen.map(ftsLiteral).join(' OR ')})`
    const rows = this.handle.prepare(`select ${COLUMNS}, f.score from (select rowid, bm25(memory_fts, 1.0, 0.0) as score from memory_fts where memory_fts match ? order by score limit ?) f join memories m on m.id = f.rowid order by f.score`)
      .all(match, pool) as Array<Memory & { score: number }>
    return rows.map(({ score, ...memory }) => ({ ...memory, relevance: -score }))
  }

  /** The request's terms with the fewest documents (terms no memory has are dropped). */
  rarestTerms (text: string, count = QUERY_TERMS): string[] {
    const seen = [...new Set(terms(text))].slice(0, CANDIDATE_TERMS)
    const df = this.handle.prepare('select count(*) as n from (select 1 from memory_fts where memory_fts match ? limit ?)')
    if (this.dfCache.size + this.dfAbsent.size > DF_CACHE_TERMS || this.dfCacheWrites > DF_CACHE_WRITES || Date.now() - this.dfCacheSince > DF_CACHE_MS) this.clearDf()
    const counted: Array<{ term: string, n: number }> = []
    for (const term of seen) {
      if (this.dfAbsent.has(term)) continue
      let n = this.dfCache.get(term)
      if (n === undefined) {
        n = (df.get(`content : ${ftsLiteral(term)}`, DF_CAP) as { n: number }).n
        if (n === 0) this.dfAbsent.add(term)
        else this.dfCache.set(term, n)
      }
      if (n > 0) counted.push({ term, n })
    }
    counted.sort((a, b) => a.n - b.n)
    const rare = counted.filter(({ n }) => n < DF_CAP)
    return (rare.length > 0 ? rare.slice(0, count) : counted.slice(0, 2)).map(({ term }) => term)
  }

  private clearDf (): void {
    this.dfCache = new Map()
    this.dfAbsent.clear()
    this.dfCacheWrites = 0
    this.dfCacheSince = Date.now()
  }

  /** Deletes retired rows, memories older than `maxAgeDays` and, per scope, all but the best `maxCount`. */
  async prune (options: { maxCount: number, maxAgeDays: number, now?: number }): Promise<number> {
    const now = options.now ?? Date.now()
    let removed = 0
    await this.db.transaction().execute(async (trx) => {
      removed += Number((await trx.deleteFrom('memories').where('retired_at', 'is not', null).executeTakeFirst()).numDeletedRows)
      if (options.maxAgeDays > 0) {
        // Age counts from the last recall: a memory still in use is not old.
        removed += Number((await trx.deleteFrom('memories').where('last_accessed_at', '<', now - options.maxAgeDays * DAY).executeTakeFirst()).numDeletedRows)
      }
      if (options.maxCount > 0) {
        const over = await trx.selectFrom('memories').select(['scope', sql<number>`count(*)`.as('n')]).groupBy('scope').having(sql`count(*)`, '>', options.maxCount).execute()
        for (const { scope } of over) {
          // Keep the most important, then the most recently used.
          const keep = trx.selectFrom('memories').select('id').where('scope', '=', scope)
            .orderBy('importance', 'desc').orderBy('last_accessed_at', 'desc').limit(options.maxCount)
          removed += Number((await trx.deleteFrom('memories').where('scope', '=', scope).where('id', 'not in', keep).executeTakeFirst()).numDeletedRows)
        }
      }
      if (removed > 0) await sql`delete from memory_fts where rowid not in (select id from memories)`.execute(trx)
    })
    return removed
  }
}

/** Final order: relevance leads; importance, recency and use break near-ties and lift what matters. */
export function rank (pool: Array<Memory & { relevance: number }>, limit: number, options: RankOptions): Ranked[] {
  if (pool.length === 0) return []
  const now = options.now ?? Date.now()
  const best = Math.max(...pool.map((memory) => memory.relevance), 1e-9)
  return pool.map((memory) => {
    const relevance = memory.relevance / best
    const ageDays = Math.max(0, now - memory.created_at) / DAY
    const recency = options.halfLifeDays > 0 ? Math.pow(0.5, ageDays / options.halfLifeDays) : 1
    const use = Math.min(1, Math.log1p(memory.access_count) / Math.log(20))
    return { ...memory, relevance, score: 0.6 * relevance + 0.2 * memory.importance + 0.12 * recency + 0.08 * use }
  }).sort((a, b) => b.score - a.score || b.id - a.id).slice(0, limit)
}
