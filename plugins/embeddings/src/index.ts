import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { Type } from 'typebox'
import { LynkrError, defineManifest, safeHeaderValue } from '@lynkr/protocol'
import { UpstreamClient, clientAbortSignal } from '@lynkr/core'
import { NOT_CONFIGURED, resolveEmbeddingsTarget } from './embeddings-config.ts'
import type { EmbeddingsEnv, EmbeddingsTarget } from './embeddings-config.ts'
import { parseEmbeddingsRequest } from './parse-embeddings-request.ts'
import { embed } from './embed-upstream.ts'
import { encodeFloat32Base64 } from './embedding-encoding.ts'

export interface EmbeddingsOptions {
  /** null: no provider configured; the route answers an error naming the variables to set. */
  target: EmbeddingsTarget | null
  timeoutMs: number
  dispatcher?: Dispatcher
}

async function embeddingsPlugin (app: FastifyInstance, options: EmbeddingsOptions): Promise<void> {
  const { target } = options
  const client = target === null ? null : new UpstreamClient({ dispatcher: options.dispatcher, headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs })
  if (client !== null) app.addHook('onClose', async () => { await client.close() })
  if (target !== null) app.log.debug(`embeddings served by ${target.provider} at ${target.url}`)
  // For other plugins (the semantic response cache): the same upstream, without an HTTP hop through the route.
  app.decorate('embedder', target === null || client === null
    ? null
    : {
        provider: target.provider,
        embed: async (texts: string[], signal: AbortSignal) => (await embed(client, target, { input: texts, tokens: false, encodingFormat: 'float' }, signal)).vectors
      })

  app.post('/v1/embeddings', { config: { dialect: 'openai' }, bodyLimit: app.lynkr.bodyLimit }, async (request, reply) => {
    const parsed = parseEmbeddingsRequest(request.body)
    if (target === null || client === null) {
      throw new LynkrError('invalid_request', NOT_CONFIGURED, { code: 'LYNKR_EMBEDDINGS_NOT_CONFIGURED' })
    }
    const result = await embed(client, target, parsed, clientAbortSignal(reply))
    reply.header('x-lynkr-provider', target.provider)
    reply.header('x-lynkr-model', safeHeaderValue(result.model))
    return {
      object: 'list',
      data: result.vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: parsed.encodingFormat === 'base64' ? encodeFloat32Base64(vector) : vector
      })),
      model: parsed.model ?? result.model,
      usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens }
    }
  })
}

/** Embeds texts with the configured embeddings provider (for plugins; null when none is configured). */
export interface Embedder {
  provider: string
  embed: (texts: string[], signal: AbortSignal) => Promise<number[][]>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The configured embeddings provider, for plugins; null when none is configured. */
    embedder: Embedder | null
  }
}

// The OpenAI front door owns the `openai` error dialect this route answers in.
export default fp(embeddingsPlugin, { name: '@lynkr/embeddings', fastify: '5.x', decorators: { fastify: ['lynkr'] }, dependencies: ['@lynkr/api-openai'] })

export const manifest = defineManifest({
  kind: 'service',
  env: Type.Object({
    EMBEDDINGS_PROVIDER: Type.Optional(Type.String()),
    EMBEDDINGS_TIMEOUT_MS: Type.Integer({ default: 120000, minimum: 1000 }),
    OLLAMA_EMBEDDINGS_MODEL: Type.Optional(Type.String()),
    OLLAMA_EMBEDDINGS_ENDPOINT: Type.Optional(Type.String()),
    LLAMACPP_EMBEDDINGS_ENDPOINT: Type.Optional(Type.String()),
    OPENROUTER_EMBEDDINGS_MODEL: Type.String({ default: 'openai/text-embedding-3-small' }),
    OPENAI_EMBEDDINGS_MODEL: Type.String({ default: 'text-embedding-3-small' })
  }),
  // OLLAMA_ENDPOINT, OLLAMA_API_KEY, OPENROUTER_API_KEY/ENDPOINT, OPENAI_API_KEY/ENDPOINT/ORGANIZATION belong
  // to the provider plugins; they are read from the whole environment so one setting serves both.
  toOptions: (env, runtime): EmbeddingsOptions => ({
    target: resolveEmbeddingsTarget(env as EmbeddingsEnv, runtime.env),
    timeoutMs: env.EMBEDDINGS_TIMEOUT_MS,
    dispatcher: runtime.dispatcher as Dispatcher | undefined
  })
})

export { parseEmbeddingsRequest } from './parse-embeddings-request.ts'
export { resolveEmbeddingsTarget, embeddingsUrl, ollamaEmbedUrl } from './embeddings-config.ts'
export type { EmbeddingsTarget } from './embeddings-config.ts'
export { encodeFloat32Base64, decodeFloat32Base64 } from './embedding-encoding.ts'
