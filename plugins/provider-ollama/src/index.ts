import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError, localOutputCapVariable, minOutputVariable, parseUrlVariable, registerUpstreamProvider, timeoutVariable } from '@lynkr/core'
import { createOllamaAdapter } from './ollama-adapter.ts'

export interface OllamaPluginOptions {
  endpoint: string
  model: string
  numCtx: number
  /** The least answer room a prompt must leave in num_ctx (OLLAMA_MIN_OUTPUT_TOKENS). */
  minOutputTokens?: number
  /** The most num_predict asked for, whatever the client's max_tokens (OLLAMA_MAX_OUTPUT_TOKENS). */
  maxOutputTokens?: number
  keepAlive?: string | number
  think?: boolean | string
  apiKey?: string
  timeoutMs: number
  dispatcher?: Dispatcher
}

async function ollamaProvider (app: FastifyInstance, options: OllamaPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'ollama', options, (client) => createOllamaAdapter({ ...options, client }))
}

export default fp(ollamaProvider, { name: '@lynkr/provider-ollama', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

function parseKeepAlive (value: string | undefined): string | number | undefined {
  if (value === undefined) return undefined
  return /^-?\d+$/.test(value) ? Number(value) : value
}

function parseThink (value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined
  if (value === 'true' || value === 'false') return value === 'true'
  if (['low', 'medium', 'high', 'max'].includes(value)) return value
  throw new LynkrConfigError(`OLLAMA_THINK="${value}" must be one of true, false, low, medium, high, max`, 'OLLAMA_THINK')
}

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['ollama'],
  // Runs on the user's own hardware: free, and never a tier-routing fallback.
  local: true,
  secrets: ['OLLAMA_API_KEY'],
  env: Type.Object({
    OLLAMA_ENDPOINT: Type.String({ default: 'http://localhost:11434' }),
    OLLAMA_MODEL: Type.String({ default: 'qwen2.5-coder:latest' }),
    OLLAMA_KEEP_ALIVE: Type.Optional(Type.String()),
    OLLAMA_NUM_CTX: Type.Integer({ default: 65536, minimum: 2048 }),
    ...localOutputCapVariable('OLLAMA', 'num_predict'),
    OLLAMA_THINK: Type.Optional(Type.String()),
    OLLAMA_API_KEY: Type.Optional(Type.String()),
    ...minOutputVariable('OLLAMA'),
    ...timeoutVariable('OLLAMA')
  }),
  toOptions: (env, runtime): OllamaPluginOptions => ({
    endpoint: parseUrlVariable(env.OLLAMA_ENDPOINT, 'OLLAMA_ENDPOINT').toString(),
    model: env.OLLAMA_MODEL,
    numCtx: env.OLLAMA_NUM_CTX,
    minOutputTokens: env.OLLAMA_MIN_OUTPUT_TOKENS,
    maxOutputTokens: env.OLLAMA_MAX_OUTPUT_TOKENS,
    keepAlive: parseKeepAlive(env.OLLAMA_KEEP_ALIVE),
    think: parseThink(env.OLLAMA_THINK),
    apiKey: env.OLLAMA_API_KEY,
    timeoutMs: env.OLLAMA_TIMEOUT_MS,
    dispatcher: runtime.dispatcher as Dispatcher | undefined
  })
})

export { toOllamaRequest } from './to-ollama-request.ts'
export { ollamaChunkToParts } from './parse-ollama-response.ts'
export { createOllamaAdapter } from './ollama-adapter.ts'
