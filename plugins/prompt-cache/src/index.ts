import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { promptCacheStep } from './prompt-cache-step.ts'
import { responseCache } from './response-cache.ts'
import { SemanticCache } from './semantic-cache.ts'

export interface PromptCacheOptions {
  /** Provider prompt caching (breakpoints, cache points, cache keys) and the exact response cache. */
  enabled: boolean
  ttlMs: number
  /** 0: no response cache (provider caching stays). */
  maxEntries: number
  sampled: boolean
  keepAlive?: string
  semantic?: { threshold: number, ttlMs: number, maxEntries: number }
}

async function promptCachePlugin (app: FastifyInstance, options: PromptCacheOptions): Promise<void> {
  if (options.enabled) app.lynkr.pipeline.use(promptCacheStep({ keepAlive: options.keepAlive }))
  let semantic: SemanticCache | undefined
  if (options.semantic !== undefined) {
    if (app.embedder === null) {
      throw new LynkrConfigError('SEMANTIC_CACHE_ENABLED=true needs an embeddings provider: set OLLAMA_EMBEDDINGS_MODEL, LLAMACPP_EMBEDDINGS_ENDPOINT, OPENROUTER_API_KEY or OPENAI_API_KEY (EMBEDDINGS_PROVIDER picks one)', 'SEMANTIC_CACHE_ENABLED')
    }
    semantic = new SemanticCache({ embedder: app.embedder, ...options.semantic })
  }
  const exact = options.enabled && options.maxEntries > 0
  if (exact || semantic !== undefined) {
    app.lynkr.chat.use(responseCache({
      ttlMs: options.ttlMs,
      maxEntries: exact ? options.maxEntries : 0,
      sampled: options.sampled,
      sessionOf: (call) => app.lynkr.chat.sessionOf(call),
      events: app.lynkr.events,
      semantic
    }))
  }
}

export default fp(promptCachePlugin, { name: '@lynkr/prompt-cache', fastify: '5.x', decorators: { fastify: ['lynkr'] }, dependencies: ['@lynkr/embeddings'] })

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['PROMPT_CACHE_ENABLED', 'SEMANTIC_CACHE_ENABLED'],
  env: Type.Object({
    PROMPT_CACHE_ENABLED: Type.Boolean({ default: true, description: 'turns the plugin on (off unless set): provider prompt caching for every client and the exact response cache; false with SEMANTIC_CACHE_ENABLED=true keeps only the semantic cache' }),
    PROMPT_CACHE_TTL_MS: Type.Integer({ default: 300000, minimum: 1000, description: 'how long an answer stays in the response cache' }),
    PROMPT_CACHE_MAX_ENTRIES: Type.Integer({ default: 1000, minimum: 0, description: 'answers kept (least recently used go first); 0 turns the response cache off, provider caching stays' }),
    PROMPT_CACHE_SAMPLED: Type.Boolean({ default: false, description: 'also answer repeats of requests with temperature > 0 from the cache (by default a repeat of a sampled request gets a new answer)' }),
    PROMPT_CACHE_KEEP_ALIVE: Type.String({ default: '30m', description: 'Ollama keep_alive sent with each request so the model and its KV cache stay loaded between turns (OLLAMA_KEEP_ALIVE wins)' }),
    SEMANTIC_CACHE_ENABLED: Type.Boolean({ default: false, description: 'answer a tool-free prompt that means the same as an earlier one in the same conversation (needs an embeddings provider)' }),
    SEMANTIC_CACHE_THRESHOLD: Type.Number({ default: 0.95, minimum: 0, maximum: 1, description: 'cosine similarity a prompt needs to an earlier one' }),
    SEMANTIC_CACHE_TTL_MS: Type.Integer({ default: 3600000, minimum: 1000, description: 'how long a semantic cache entry lives' }),
    SEMANTIC_CACHE_MAX_ENTRIES: Type.Integer({ default: 1000, minimum: 1, description: 'semantic cache entries kept' })
  }),
  toOptions: (env): PromptCacheOptions => ({
    enabled: env.PROMPT_CACHE_ENABLED,
    ttlMs: env.PROMPT_CACHE_TTL_MS,
    maxEntries: env.PROMPT_CACHE_MAX_ENTRIES,
    sampled: env.PROMPT_CACHE_SAMPLED,
    keepAlive: env.PROMPT_CACHE_KEEP_ALIVE.trim() === '' ? undefined : env.PROMPT_CACHE_KEEP_ALIVE.trim(),
    semantic: env.SEMANTIC_CACHE_ENABLED
      ? { threshold: env.SEMANTIC_CACHE_THRESHOLD, ttlMs: env.SEMANTIC_CACHE_TTL_MS, maxEntries: env.SEMANTIC_CACHE_MAX_ENTRIES }
      : undefined
  })
})

export { placeBreakpoints, hasClientBreakpoints, minimumCacheableTokens, MAX_BREAKPOINTS } from './breakpoints.ts'
export { promptCacheStep, promptCacheKey } from './prompt-cache-step.ts'
export { responseCache, cacheableAnswer, cacheableRequest } from './response-cache.ts'
export { SemanticCache, cosineSimilarity, toolFreePrompt } from './semantic-cache.ts'
export { requestKey } from './request-key.ts'
