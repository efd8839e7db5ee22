import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError, limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, singleToolCallFor, withPartTransforms } from '@lynkr/core'
import { createVertexAdapter } from './vertex-adapter.ts'
import type { VertexAdapterOptions } from './vertex-adapter.ts'

export { sanitizeGeminiSchema } from './sanitize-gemini-schema.ts'
export { toGeminiRequest } from './to-gemini-request.ts'
export { geminiChunkToParts } from './parse-gemini-response.ts'

/** The adapter's options (the client aside), plus the HTTP settings. */
export interface VertexPluginOptions extends Omit<VertexAdapterOptions, 'client'> {
  timeoutMs: number
  dispatcher?: unknown
}

async function vertexProvider (app: FastifyInstance, options: VertexPluginOptions): Promise<void> {
  // Gemini has no switch for parallel function calls: disable_parallel_tool_use keeps the first call only.
  registerUpstreamProvider(app, 'vertex', options, (client) => withPartTransforms(createVertexAdapter({ ...options, client }), singleToolCallFor))
}

export default fp(vertexProvider, { name: '@lynkr/provider-vertex', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

/**
 * VERTEX_ENDPOINT is the URL up to the `models` collection. A bare origin gets the Gemini API's `/v1beta`;
 * Vertex AI express mode uses `https://aiplatform.googleapis.com/v1/publishers/google`.
 */
export function geminiBaseUrl (endpoint: string): string {
  const url = parseUrlVariable(endpoint, 'VERTEX_ENDPOINT')
  let path = url.pathname.replace(/\/+$/, '').replace(/\/models$/, '')
  if (path === '') path = '/v1beta'
  url.pathname = path
  url.search = ''
  return url.toString().replace(/\/+$/, '')
}

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['vertex'],
  enabledBy: ['VERTEX_API_KEY'],
  secrets: ['VERTEX_API_KEY', 'GOOGLE_API_KEY'],
  env: Type.Object({
    VERTEX_API_KEY: Type.Optional(Type.String()),
    GOOGLE_API_KEY: Type.Optional(Type.String()),
    VERTEX_MODEL: Type.String({ default: 'gemini-2.5-flash' }),
    VERTEX_ENDPOINT: Type.String({ default: 'https://generativelanguage.googleapis.com/v1beta' }),
    ...limitVariables('VERTEX')
  }),
  toOptions: (env, runtime): VertexPluginOptions => {
    const apiKey = [env.VERTEX_API_KEY, env.GOOGLE_API_KEY].find((value) => value !== undefined && value.trim() !== '')
    if (apiKey === undefined) {
      throw new LynkrConfigError('VERTEX_API_KEY is required: vertex needs a Gemini API key (https://aistudio.google.com/app/apikey); GOOGLE_API_KEY is also read', 'VERTEX_API_KEY')
    }
    return {
      baseUrl: geminiBaseUrl(env.VERTEX_ENDPOINT),
      apiKey: apiKey.trim(),
      model: env.VERTEX_MODEL,
      ...limitOptions(env, 'VERTEX'),
      dispatcher: runtime.dispatcher
    }
  }
})
