import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { failureLogFields, providerNamedBy } from '@lynkr/core'
import { migrate } from '@lynkr/storage'
import { migrations } from './schema.ts'
import { MemoryStore } from './store.ts'
import { MemoryService } from './memory.ts'
import { InjectionRecords } from './sessions.ts'
import { recallStep } from './recall-step.ts'
import { dedupStep } from './dedup-step.ts'
import { learnObserver } from './learn-observer.ts'
import { heuristicExtractor } from './extractor.ts'
import { modelExtractor } from './model-extractor.ts'
import { memoryTools } from './tools.ts'
import { memoryRoutes } from './routes.ts'
import type { InjectionFormat } from './inject.ts'
import { VectorIndex, loadSqliteVec } from './vector-index.ts'
import type { TextEmbedder } from './vector-index.ts'

export interface MemoryOptions {
  retrievalLimit: number
  surpriseThreshold: number
  maxCount: number
  maxAgeDays: number
  halfLifeDays: number
  includeGlobal: boolean
  injectionFormat: InjectionFormat
  extraction: boolean
  /** `heuristic` (patterns, no model call) or `model` (an internal call, the heuristic as fallback). */
  extractor: 'heuristic' | 'model'
  extractorModel: string
  extractorTimeoutMs: number
  tools: boolean
  vector: { enabled: boolean, weight: number, minSimilarity: number, timeoutMs: number }
  dedup: { enabled: boolean, lookback: number }
}

const DAY = 86_400_000
const PRUNE_EVERY_MS = 6 * 3_600_000
/** Injection records outlive any session someone still resumes. */
const INJECTION_RECORD_DAYS = 90

async function memoryPlugin (app: FastifyInstance, options: MemoryOptions): Promise<void> {
  await migrate(app.sqlite, 'memory', migrations)
  const store = new MemoryStore(app.sqlite, app.sqliteHandle)
  const memory = new MemoryService(store, {
    retrievalLimit: options.retrievalLimit,
    surpriseThreshold: options.surpriseThreshold,
    includeGlobal: options.includeGlobal,
    halfLifeDays: options.halfLifeDays,
    vectorWeight: options.vector.weight,
    minSimilarity: options.vector.minSimilarity
  })
  if (options.vector.enabled) store.vectors = await vectorIndexFor(app, options.vector.timeoutMs)
  memory.onVectorError = rateLimitedWarning(app, 'memory: embedding failed; this search used full-text only')
  const records = new InjectionRecords(app.sqlite)
  app.decorate('memory', memory)

  // The recall step also records each session's workspace, which the memory tools need.
  app.lynkr.pipeline.use(recallStep({ memory, records, format: options.injectionFormat, dedup: options.dedup.enabled }))
  if (options.dedup.enabled) app.lynkr.pipeline.use(dedupStep({ records, format: options.injectionFormat, lookback: options.dedup.lookback }))
  if (options.extraction) {
    app.lynkr.events.on('turn-completed', learnObserver({
      memory,
      records,
      extractor: options.extractor === 'model'
        ? modelExtractor({ chat: app.lynkr.chat, model: options.extractorModel, timeoutMs: options.extractorTimeoutMs, fallback: heuristicExtractor, log: app.log })
        : heuristicExtractor,
      onError: (error) => { app.log.error({ err: error }, 'memory extraction failed') }
    }))
  }
  memoryRoutes(app, memory)
  if (options.tools) for (const tool of memoryTools(memory, records)) app.lynkr.gatewayTools.register(tool)

  // Housekeeping: at boot, then every few hours, so caps hold on a gateway that runs for months.
  const prune = (): void => {
    const now = Date.now()
    Promise.all([
      store.prune({ maxCount: options.maxCount, maxAgeDays: options.maxAgeDays, now }),
      records.prune(now - INJECTION_RECORD_DAYS * DAY)
    ]).then(async ([memories]) => {
      if (memories > 0) app.log.info(`memory: pruned ${memories} memories`)
      await syncVectors(store.vectors)
    }).catch((error: unknown) => { app.log.error({ err: error }, 'memory pruning failed') })
  }
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    prune()
    timer = setInterval(prune, PRUNE_EVERY_MS)
    timer.unref()
  })
  app.addHook('onClose', async () => { if (timer !== undefined) clearInterval(timer) })
}

/**
 * The vector index when it can work: an embeddings provider is configured (the embeddings plugin's
 * `app.embedder`) and sqlite-vec loads into the store. Otherwise one warning, and recall stays full-text.
 */
async function vectorIndexFor (app: FastifyInstance, timeoutMs: number): Promise<VectorIndex | undefined> {
  const embedder = (app as { embedder?: TextEmbedder | null }).embedder
  if (embedder === undefined || embedder === null) {
    app.log.warn('memory: MEMORY_VECTOR_ENABLED needs an embeddings provider (see @lynkr/embeddings: EMBEDDINGS_PROVIDER, OLLAMA_EMBEDDINGS_MODEL, …); recall uses full-text search only')
    return undefined
  }
  if (!(await loadSqliteVec(app.sqliteHandle, app.log))) return undefined
  return new VectorIndex(app.sqliteHandle, embedder, { timeoutMs, log: app.log })
}

/** Drops vectors of deleted memories, then embeds the memories that have none yet, a batch at a time. */
async function syncVectors (vectors: VectorIndex | undefined): Promise<void> {
  if (vectors === undefined) return
  vectors.sweep()
  let after: number | undefined = 0
  while (after !== undefined) after = await vectors.backfill(after)
}

/** A warning at most once a minute (an embeddings provider that is down would warn on every prompt). */
function rateLimitedWarning (app: FastifyInstance, message: string): (error: unknown) => void {
  let last = 0
  return (error) => {
    if (Date.now() - last < 60_000) return
    last = Date.now()
    app.log.warn(failureLogFields(error), message)
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Long-term memory (extraction, recall, the store): present when MEMORY_ENABLED=true. */
    memory: MemoryService
  }
}

export default fp(memoryPlugin, { name: '@lynkr/memory', fastify: '5.x', decorators: { fastify: ['lynkr'] }, dependencies: ['@lynkr/storage'] })

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['MEMORY_ENABLED'],
  // MEMORY_EXTRACTOR=model with MEMORY_EXTRACTOR_MODEL=ollama:qwen2.5:3b: extraction calls go to ollama, so ollama is enabled.
  selectProviders: (env, known) => env.MEMORY_EXTRACTOR?.trim() === 'model' ? providerNamedBy(env, 'MEMORY_EXTRACTOR_MODEL', known) : { providers: [] },
  env: Type.Object({
    MEMORY_ENABLED: Type.Boolean({ default: false, description: 'long-term memory across sessions: extraction, recall into the latest user turn, memory_search/add/forget tools' }),
    MEMORY_RETRIEVAL_LIMIT: Type.Integer({ default: 5, minimum: 0, maximum: 50, description: 'memories recalled into a new prompt; 0 turns recall off' }),
    MEMORY_SURPRISE_THRESHOLD: Type.Number({ default: 0.3, minimum: 0, maximum: 1, description: 'surprise a candidate needs to be stored (explicit user statements are kept regardless)' }),
    MEMORY_MAX_COUNT: Type.Integer({ default: 10000, minimum: 0, description: 'memories kept per project (and globally); the least important go first; 0 = no cap' }),
    MEMORY_MAX_AGE_DAYS: Type.Integer({ default: 365, minimum: 0, description: 'memories not recalled for this many days are deleted; 0 = keep' }),
    MEMORY_DECAY_HALF_LIFE_DAYS: Type.Number({ default: 30, minimum: 0, description: 'days after which recency counts half in ranking; 0 = no decay' }),
    MEMORY_INCLUDE_GLOBAL: Type.Boolean({ default: true, description: 'recall global memories (personal preferences) in every project' }),
    MEMORY_INJECTION_FORMAT: Type.Union([Type.Literal('system-reminder'), Type.Literal('plain'), Type.Literal('system'), Type.Literal('assistant_preamble')], { default: 'system-reminder', description: 'how recalled memories are written into the user turn (Lynkr\'s system and assistant_preamble are accepted and mean system-reminder: memories never enter the cached system prompt)' }),
    MEMORY_EXTRACTION_ENABLED: Type.Boolean({ default: true, description: 'learn preferences, decisions and project facts from each finished turn: the user\'s prompt and, conservatively, the assistant\'s final answer' }),
    MEMORY_EXTRACTOR: Type.Union([Type.Literal('heuristic'), Type.Literal('model')], { default: 'heuristic', description: 'heuristic: patterns, no model call; model: one internal call per finished turn to MEMORY_EXTRACTOR_MODEL (the heuristic when it fails)' }),
    MEMORY_EXTRACTOR_MODEL: Type.String({ default: '', description: 'the extractor model as a client would name it (provider:model picks the provider, e.g. ollama:qwen2.5:3b); empty: routed like a client request' }),
    MEMORY_EXTRACTOR_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 1000, description: 'longest an extraction call may take before the heuristic extractor is used instead' }),
    MEMORY_VECTOR_ENABLED: Type.Boolean({ default: false, description: 'hybrid recall: bm25 plus cosine similarity of embeddings (sqlite-vec; needs an embeddings provider, see @lynkr/embeddings); full-text only when either is missing' }),
    MEMORY_VECTOR_WEIGHT: Type.Number({ default: 0.5, minimum: 0, maximum: 1, description: 'share of cosine similarity in hybrid relevance (the rest is bm25)' }),
    MEMORY_VECTOR_MIN_SIMILARITY: Type.Number({ default: 0.5, minimum: 0, maximum: 1, description: 'nearest memories below this cosine similarity are not recalled' }),
    MEMORY_VECTOR_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 100, description: 'longest wait for a prompt\'s embedding before recall goes on with full-text search alone' }),
    MEMORY_DEDUP_ENABLED: Type.Boolean({ default: false, description: 'token phase 3: a recalled memory the conversation already has (injected earlier in the session, or stated by the user) is left out of the new prompt\'s block' }),
    MEMORY_DEDUP_LOOKBACK: Type.Integer({ default: 5, minimum: 0, description: 'recent user messages dedup reads for memories already stated; 0 = the whole conversation (injected memories are tracked by id for the whole session)' }),
    MEMORY_TOOLS_ENABLED: Type.Boolean({ default: true, description: 'offer memory_search, memory_add and memory_forget to the model (run by the gateway)' })
  }),
  toOptions: (env): MemoryOptions => ({
    retrievalLimit: env.MEMORY_RETRIEVAL_LIMIT,
    surpriseThreshold: env.MEMORY_SURPRISE_THRESHOLD,
    maxCount: env.MEMORY_MAX_COUNT,
    maxAgeDays: env.MEMORY_MAX_AGE_DAYS,
    halfLifeDays: env.MEMORY_DECAY_HALF_LIFE_DAYS,
    includeGlobal: env.MEMORY_INCLUDE_GLOBAL,
    // Lynkr's values put memories into the system prompt or an assistant preamble, which moves the cached prefix.
    injectionFormat: env.MEMORY_INJECTION_FORMAT === 'plain' ? 'plain' : 'system-reminder',
    extraction: env.MEMORY_EXTRACTION_ENABLED,
    extractor: env.MEMORY_EXTRACTOR,
    extractorModel: env.MEMORY_EXTRACTOR_MODEL.trim(),
    extractorTimeoutMs: env.MEMORY_EXTRACTOR_TIMEOUT_MS,
    tools: env.MEMORY_TOOLS_ENABLED,
    dedup: { enabled: env.MEMORY_DEDUP_ENABLED, lookback: env.MEMORY_DEDUP_LOOKBACK },
    vector: { enabled: env.MEMORY_VECTOR_ENABLED, weight: env.MEMORY_VECTOR_WEIGHT, minSimilarity: env.MEMORY_VECTOR_MIN_SIMILARITY, timeoutMs: env.MEMORY_VECTOR_TIMEOUT_MS }
  })
})

export { MemoryStore, rank } from './store.ts'
export { VectorIndex, loadSqliteVec } from './vector-index.ts'
export { MemoryService } from './memory.ts'
export { extractCandidates, extractFromAnswer } from './extract.ts'
export { heuristicExtractor } from './extractor.ts'
export { modelExtractor, parseExtraction } from './model-extractor.ts'
export type { Extractor, Extracted, TurnText } from './extractor.ts'
export { judge } from './surprise.ts'
export { applyInjections, anchorOf, formatMemories } from './inject.ts'
export { migrations } from './schema.ts'
export { memoryView } from './view.ts'
export type { MemoryView } from './view.ts'
export type { Memory, Ranked } from './store.ts'
