// LM Studio local server: https://lmstudio.ai/docs/app/api/endpoints/openai (OpenAI-compatible under /v1)
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ProviderAdapter } from '@lynkr/protocol'
import { localLimitOptions, localLimitVariables, parseUrlVariable, registerUpstreamProvider } from '@lynkr/core'
import type { ModelLimits, UpstreamClient } from '@lynkr/core'
import { chatCompletionsUrl, createLocalServerAdapter } from '@lynkr/openai-chat'

export interface LmStudioPluginOptions {
  chatUrl: string
  model: string
  apiKey?: string
  limits?: ModelLimits
  timeoutMs: number
  dispatcher?: unknown
}

/**
 * LM Studio serves whichever model is loaded (or loads the one named) behind the OpenAI routes. Tools are
 * always sent; tool calls and `<think>` reasoning a model prints as text are recovered.
 */
export function createLmStudioAdapter (options: LmStudioPluginOptions, client: UpstreamClient): ProviderAdapter {
  return createLocalServerAdapter('lmstudio', { maxTokensField: 'max_tokens', topK: true }, options, client)
}

async function lmStudioProvider (app: FastifyInstance, options: LmStudioPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'lmstudio', options, (client) => createLmStudioAdapter(options, client))
}

export default fp(lmStudioProvider, { name: '@lynkr/provider-lmstudio', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['lmstudio'],
  // Runs on the user's own hardware: free, and never a tier-routing fallback.
  local: true,
  secrets: ['LMSTUDIO_API_KEY'],
  env: Type.Object({
    LMSTUDIO_ENDPOINT: Type.String({ default: 'http://localhost:1234/v1' }),
    LMSTUDIO_MODEL: Type.String({ default: 'default' }),
    LMSTUDIO_API_KEY: Type.Optional(Type.String()),
    ...localLimitVariables('LMSTUDIO')
  }),
  toOptions: (env, runtime): LmStudioPluginOptions => ({
    // `http://localhost:1234` (the original Lynkr default) and `…/v1` both work.
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.LMSTUDIO_ENDPOINT, 'LMSTUDIO_ENDPOINT').toString(), '/v1'),
    model: env.LMSTUDIO_MODEL,
    apiKey: env.LMSTUDIO_API_KEY,
    ...localLimitOptions(env, 'LMSTUDIO'),
    dispatcher: runtime.dispatcher
  })
})
