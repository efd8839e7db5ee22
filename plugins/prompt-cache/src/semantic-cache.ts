/**
 * The semantic cache (off by default): a tool-free request whose newest user prompt means the same as an
 * earlier one (cosine similarity of their embeddings at or above the threshold) in the same context — same
 * model, system prompt, earlier turns and settings, and the same session when the client names one (a header,
 * a Responses chain) — gets that earlier answer. A request that
 * offers or used tools never matches: a similar prompt is not the same tool decision.
 */
import { failureLogFields } from '@lynkr/core'
import type { ChatRequest, Logger } from '@lynkr/protocol'
import type { Embedder } from '@lynkr/embeddings'
import { ExpiringStore } from './expiring-store.ts'
import { requestKey } from './request-key.ts'
import type { CachedAnswer } from './response-cache.ts'

export interface SemanticCacheOptions {
  embedder: Embedder
  threshold: number
  ttlMs: number
  maxEntries: number
}

interface Entry { scope: string, vector: number[], answer: CachedAnswer }

export interface SemanticLookup { hit?: CachedAnswer, store?: (answer: CachedAnswer) => void }

const TOOL_BLOCKS = new Set(['tool_use', 'tool_result', 'server_tool_use'])

/** The newest user prompt's text, when the request has neither tools nor tool blocks (else undefined). */
export function toolFreePrompt (request: ChatRequest): string | undefined {
  if ((request.tools?.length ?? 0) > 0) return undefined
  if (request.messages.some((message) => message.content.some((block) => TOOL_BLOCKS.has(block.type) || (block.type as string).endsWith('_tool_result')))) return undefined
  const last = request.messages.at(-1)
  if (last === undefined || last.role !== 'user') return undefined
  const text = last.content.map((block) => block.type === 'text' ? block.text : '').join('\n').trim()
  return text === '' || last.content.some((block) => block.type !== 'text') ? undefined : text
}

export function cosineSimilarity (a: number[], b: number[]): number {
  if (a.length !== b.length || a.length === 0) return 0
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    normA += a[i]! * a[i]!
    normB += b[i]! * b[i]!
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB)
}

export class SemanticCache {
  private readonly entries: ExpiringStore<Entry>
  private readonly options: SemanticCacheOptions
  private stored = 0

  constructor (options: SemanticCacheOptions) {
    this.options = options
    this.entries = new ExpiringStore({ ttlMs: options.ttlMs, maxEntries: options.maxEntries })
  }

  /** Embeds the prompt and finds the closest earlier answer in the same context; fails open (no hit) when embedding fails. */
  async lookup (request: ChatRequest, session: string, signal: AbortSignal, log: Logger): Promise<SemanticLookup | undefined> {
    const prompt = toolFreePrompt(request)
    if (prompt === undefined) return undefined
    // Everything but the newest prompt must be the same for an earlier answer to fit.
    const scope = requestKey(request, session, request.messages.slice(0, -1))
    let vector: number[]
    try {
      const [embedded] = await this.options.embedder.embed([prompt], signal)
      if (embedded === undefined) return undefined
      vector = embedded
    } catch (error) {
      if (signal.aborted) throw error
      log.warn({ provider: this.options.embedder.provider, ...failureLogFields(error) }, 'semantic cache: embedding the prompt failed; the request goes on uncached')
      return undefined
    }
    let best: Entry | undefined
    let bestScore = -1
    for (const entry of this.entries.values()) {
      if (entry.scope !== scope) continue
      const score = cosineSimilarity(vector, entry.vector)
      if (score > bestScore) { best = entry; bestScore = score }
    }
    if (best !== undefined && bestScore >= this.options.threshold) return { hit: best.answer }
    return { store: (answer) => { this.entries.set(String(this.stored++), { scope, vector, answer }) } }
  }
}
