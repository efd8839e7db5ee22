import type { SqliteHandle } from '@lynkr/storage'
import type { Logger } from '@lynkr/protocol'

/** Embeds texts (the embeddings plugin's `app.embedder`). */
export interface TextEmbedder { embed: (texts: string[], signal: AbortSignal) => Promise<number[][]> }

export interface VectorHit { id: number, similarity: number }

/** Memories embedded per call when the index catches up with memories stored before it existed. */
const BACKFILL_BATCH = 32

/**
 * Loads sqlite-vec into the store's connection. Undefined (with one warning) when it cannot be loaded:
 * no prebuilt binary for this platform, or a SQLite built without extension loading. Recall then uses
 * FTS alone.
 */
export async function loadSqliteVec (handle: SqliteHandle, log: Logger): Promise<boolean> {
  try {
    const sqliteVec = await import('sqlite-vec')
    sqliteVec.load(handle as unknown as Parameters<typeof sqliteVec.load>[0])
    return true
  } catch (error) {
    log.warn({ err: error }, 'memory: sqlite-vec could not be loaded (MEMORY_VECTOR_ENABLED); recall uses full-text search only')
    return false
  }
}

/**
 * Memory embeddings in a sqlite-vec `vec0` table (cosine distance), partitioned by scope so a project's
 * nearest-neighbour search reads only its own vectors. Created on the first embedding, with its size; an
 * embedder that changes size (another model) starts the table afresh.
 */
export class VectorIndex {
  private readonly handle: SqliteHandle
  private readonly embedder: TextEmbedder
  private readonly timeoutMs: number
  private readonly log: Logger
  private dimensions: number | undefined

  constructor (handle: SqliteHandle, embedder: TextEmbedder, options: { timeoutMs: number, log: Logger }) {
    this.handle = handle
    this.embedder = embedder
    this.timeoutMs = options.timeoutMs
    this.log = options.log
    const table = handle.prepare("select sql from sqlite_master where name = 'memory_vec'").get() as { sql: string } | undefined
    const size = table === undefined ? undefined : /float\[(\d+)\]/.exec(table.sql)?.[1]
    this.dimensions = size === undefined ? undefined : Number(size)
  }

  private async embed (texts: string[]): Promise<Float32Array[]> {
    const vectors = await this.embedder.embed(texts, AbortSignal.timeout(this.timeoutMs))
    if (vectors.length !== texts.length) throw new Error(`the embeddings provider returned ${vectors.length} vectors for ${texts.length} texts`)
    return vectors.map((vector) => Float32Array.from(vector))
  }

  private ensureTable (dimensions: number): void {
    if (this.dimensions === dimensions) return
    if (this.dimensions !== undefined) {
      this.log.warn(`memory: the embeddings changed size (${this.dimensions} → ${dimensions}); the vector index starts afresh`)
      this.handle.exec('drop table memory_vec')
    }
    this.handle.exec(`create virtual table memory_vec using vec0(scope text partition key, embedding float[${dimensions}] distance_metric=cosine)`)
    this.dimensions = dimensions
  }

  /** Embeds memories and stores their vectors (rowid = memory id). */
  async add (memories: Array<{ id: number, scope: string, content: string }>): Promise<void> {
    if (memories.length === 0) return
    const vectors = await this.embed(memories.map((memory) => memory.content))
    this.ensureTable(vectors[0]!.length)
    const remove = this.handle.prepare('delete from memory_vec where rowid = ?')
    const insert = this.handle.prepare('insert into memory_vec (rowid, scope, embedding) values (?, ?, ?)')
    this.handle.transaction(() => {
      memories.forEach((memory, at) => {
        if (vectors[at]!.length !== this.dimensions) return
        remove.run(BigInt(memory.id))
        insert.run(BigInt(memory.id), memory.scope, vectors[at]!)
      })
    })()
  }

  /** The memories nearest to a text within the scopes, most similar first (similarity = 1 − cosine distance). */
  async nearest (text: string, scopes: string[], k: number): Promise<VectorHit[]> {
    if (this.dimensions === undefined || scopes.length === 0) return []
    const [vector] = await this.embed([text])
    if (vector!.length !== this.dimensions) return []
    const query = this.handle.prepare('select rowid as id, distance from memory_vec where embedding match ? and k = ? and scope = ?')
    const hits = scopes.flatMap((scope) => query.all(vector!, k, scope) as Array<{ id: number, distance: number }>)
    return hits.map((hit) => ({ id: Number(hit.id), similarity: 1 - hit.distance })).sort((a, b) => b.similarity - a.similarity).slice(0, k)
  }

  remove (ids: number[]): void {
    if (this.dimensions === undefined || ids.length === 0) return
    const remove = this.handle.prepare('delete from memory_vec where rowid = ?')
    this.handle.transaction(() => { for (const id of ids) remove.run(BigInt(id)) })()
  }

  /** Drops vectors of memories that are gone or retired (housekeeping). */
  sweep (): number {
    if (this.dimensions === undefined) return 0
    const gone = this.handle.prepare('select v.rowid as id from memory_vec v left join memories m on m.id = v.rowid and m.retired_at is null where m.id is null').all() as Array<{ id: number }>
    this.remove(gone.map((row) => Number(row.id)))
    return gone.length
  }

  /**
   * Embeds a batch of live memories after `afterId` that have no vector yet (stored before vectors were on,
   * or while the embeddings provider was down); returns the last id looked at, undefined when none was left.
   */
  async backfill (afterId = 0): Promise<number | undefined> {
    const exists = this.dimensions !== undefined
    const rows = this.handle.prepare(`select id, scope, content from memories m where retired_at is null and id > ?${exists ? ' and not exists (select 1 from memory_vec v where v.rowid = m.id)' : ''} order by id limit ?`)
      .all(afterId, BACKFILL_BATCH) as Array<{ id: number, scope: string, content: string }>
    await this.add(rows)
    return rows.at(-1)?.id
  }
}
