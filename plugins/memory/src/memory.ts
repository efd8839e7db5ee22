import type { Candidate } from './extract.ts'
import { entities, extractCandidates } from './extract.ts'
import type { MemoryKind } from './schema.ts'
import type { Memory, MemoryStore, Ranked } from './store.ts'
import { rank } from './store.ts'
import { judge } from './surprise.ts'
import { GLOBAL_SCOPE, workspaceScope } from './text.ts'

export interface MemorySettings {
  retrievalLimit: number
  surpriseThreshold: number
  includeGlobal: boolean
  halfLifeDays: number
  /** Hybrid recall (when the store has vectors): the share of cosine similarity in relevance, the rest bm25. */
  vectorWeight?: number
  /** Vector hits below this cosine similarity are not candidates (every memory is a little similar to anything). */
  minSimilarity?: number
}

/** Candidates each side of hybrid recall brings (bm25 and nearest vectors). */
const HYBRID_POOL = 50

export interface Remembered { id: number, kind: MemoryKind, content: string, scope: string, supersedes: number[] }

/** What became of a candidate: stored, a repeat of a stored memory (reinforced), or not worth keeping. */
export type Outcome = { status: 'stored', memory: Remembered } | { status: 'duplicate', id: number } | { status: 'skipped' }

/** Preferences added to a recall that found fewer than the limit. */
const STANDING = 3

/** Nearest stored memories surprise looks at. */
const NEIGHBOURS = 8

/** Extraction, surprise and recall over the store, for one workspace at a time. */
export class MemoryService {
  readonly store: MemoryStore
  readonly settings: MemorySettings

  constructor (store: MemoryStore, settings: MemorySettings) {
    this.store = store
    this.settings = settings
  }

  /** The scopes a workspace's searches cover: its own, and the global one when allowed. */
  scopes (workspace: string): string[] {
    return this.settings.includeGlobal ? [workspaceScope(workspace), GLOBAL_SCOPE] : [workspaceScope(workspace)]
  }

  /** The memories that matter for a text, best first (full-text search). */
  search (text: string, workspace: string, limit = this.settings.retrievalLimit, now = Date.now()): Ranked[] {
    return this.store.search(text, this.scopes(workspace), limit, { halfLifeDays: this.settings.halfLifeDays, now })
  }

  /** Called when the vector side of a hybrid search fails (the search goes on with full-text alone). */
  onVectorError: (error: unknown) => void = () => {}

  /**
   * Hybrid when the store has vectors: bm25 candidates and nearest-vector candidates together, relevance the
   * weighted sum of normalised bm25 and cosine similarity; full-text alone otherwise, or when embedding fails.
   */
  async searchHybrid (text: string, workspace: string, limit = this.settings.retrievalLimit, now = Date.now()): Promise<Ranked[]> {
    const vectors = this.store.vectors
    if (vectors === undefined) return this.search(text, workspace, limit, now)
    const scopes = this.scopes(workspace)
    const lexical = this.store.candidates(text, scopes, HYBRID_POOL)
    let hits: Array<{ id: number, similarity: number }>
    try {
      hits = (await vectors.nearest(text, scopes, HYBRID_POOL)).filter((hit) => hit.similarity >= (this.settings.minSimilarity ?? 0.5))
    } catch (error) {
      this.onVectorError(error)
      return rank(lexical, limit, { halfLifeDays: this.settings.halfLifeDays, now })
    }
    const weight = this.settings.vectorWeight ?? 0.5
    const best = Math.max(...lexical.map((memory) => memory.relevance), 1e-9)
    const merged = new Map<number, Memory & { relevance: number }>()
    for (const memory of lexical) merged.set(memory.id, { ...memory, relevance: (1 - weight) * memory.relevance / best })
    const similarity = new Map(hits.map((hit) => [hit.id, hit.similarity]))
    for (const memory of this.store.live(hits.filter((hit) => !merged.has(hit.id)).map((hit) => hit.id), scopes)) merged.set(memory.id, { ...memory, relevance: 0 })
    for (const [id, memory] of merged) memory.relevance += weight * (similarity.get(id) ?? 0)
    return rank([...merged.values()], limit, { halfLifeDays: this.settings.halfLifeDays, now })
  }

  /**
   * What to remind the model of for a new prompt: the best matches, then — in the slots left, at most
   * STANDING — the project's most important preferences, which apply whatever the prompt's words
   * ("install the deps" has no word in common with "we use pnpm, never npm"). `skip`: ids the conversation
   * was already reminded of.
   */
  async recall (text: string, workspace: string, skip: ReadonlySet<number> = new Set(), limit = this.settings.retrievalLimit, now = Date.now()): Promise<Ranked[]> {
    const found = (await this.searchHybrid(text, workspace, limit + skip.size, now)).filter((memory) => !skip.has(memory.id)).slice(0, limit)
    const room = Math.min(STANDING, limit - found.length)
    if (room > 0) {
      const have = new Set(found.map((memory) => memory.id))
      let added = 0
      for (const memory of await this.store.standing(this.scopes(workspace), room + skip.size + found.length)) {
        if (added >= room) break
        if (have.has(memory.id) || skip.has(memory.id)) continue
        found.push({ ...memory, score: 0, relevance: 0 })
        added++
      }
    }
    return found
  }

  /** Extracts from a user's turn and stores what is surprising enough; returns what was stored. */
  async learn (text: string, workspace: string, now = Date.now()): Promise<Remembered[]> {
    const outcomes = await this.learnAll(extractCandidates(text), workspace, now)
    return outcomes.flatMap((outcome) => outcome.status === 'stored' ? [outcome.memory] : [])
  }

  /** Considers candidates in order (a later one sees what an earlier one stored). */
  async learnAll (candidates: Candidate[], workspace: string, now = Date.now(), source = 'extracted', threshold = this.settings.surpriseThreshold): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    for (const candidate of candidates) outcomes.push(await this.consider(candidate, workspace, now, source, threshold))
    return outcomes
  }

  /** Stores one candidate if surprise says so, retiring what it supersedes. */
  async consider (candidate: Candidate, workspace: string, now = Date.now(), source = 'extracted', threshold = this.settings.surpriseThreshold): Promise<Outcome> {
    const scope = candidate.scope === 'global' ? GLOBAL_SCOPE : workspaceScope(workspace)
    // Neighbours come from the candidate's own scope: a project fact never retires another project's.
    const neighbours = this.store.candidates(candidate.content, [scope], NEIGHBOURS)
    if (candidate.kind === 'entity') {
      const named = entities(candidate.content)
      if (named.every((name) => neighbours.some((memory) => memory.content.includes(name)))) return { status: 'skipped' }
    }
    const verdict = judge(candidate, neighbours, threshold)
    if (verdict.duplicateOf !== undefined) {
      this.store.touch([verdict.duplicateOf], now)
      return { status: 'duplicate', id: verdict.duplicateOf }
    }
    if (!verdict.store) return { status: 'skipped' }
    const id = await this.store.add({ scope, kind: candidate.kind, content: candidate.content, importance: verdict.importance, source }, now)
    for (const old of verdict.supersedes) await this.store.retire(old, id, now)
    // Embedded after it is stored: a failing embeddings provider costs the vector, never the memory.
    await this.store.vectors?.add([{ id, scope, content: candidate.content }]).catch((error: unknown) => { this.onVectorError(error) })
    return { status: 'stored', memory: { id, kind: candidate.kind, content: candidate.content, scope, supersedes: verdict.supersedes } }
  }
}
