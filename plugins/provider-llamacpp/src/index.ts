// llama.cpp server: https://github.com/ggml-org/llama.cpp/tree/master/tools/server (OpenAI-compatible /v1/chat/completions)
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ProviderAdapter } from '@lynkr/protocol'
import { localLimitOptions, localLimitVariables, parseUrlVariable, registerUpstreamProvider } from '@lynkr/core'
import type { ModelLimits, UpstreamClient } from '@lynkr/core'
import { chatCompletionsUrl, createLocalServerAdapter } from '@lynkr/openai-chat'

export interface LlamaCppPluginOptions {
  chatUrl: string
  model: string
  apiKey?: string
  limits?: ModelLimits
  timeoutMs: number
  dispatcher?: unknown
}

/**
 * llama.cpp renders the model's own Jinja chat template (`--jinja`), and many templates raise on anything
 * but one leading system message and alternating user/assistant turns: `strictRoles` shapes the messages
 * for them. Thinking goes back as `reasoning_content` (llama.cpp parses it into the template's reasoning
 * field), top_k is accepted, tools are always sent, and tool calls or `<think>` the model prints as text
 * are recovered.
 */
export function createLlamaCppAdapter (options: LlamaCppPluginOptions, client: UpstreamClient): ProviderAdapter {
  return createLocalServerAdapter('llamacpp', { maxTokensField: 'max_tokens', reasoningContent: true, topK: true, strictRoles: true, cachePrompt: true }, options, client)
}

async function llamaCppProvider (app: FastifyInstance, options: LlamaCppPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'llamacpp', options, (client) => createLlamaCppAdapter(options, client))
}

export default fp(llamaCppProvider, { name: '@lynkr/provider-llamacpp', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['llamacpp'],
  // Runs on the user's own hardware: free, and never a tier-routing fallback.
  local: true,
  secrets: ['LLAMACPP_API_KEY'],
  env: Type.Object({
    LLAMACPP_ENDPOINT: Type.String({ default: 'http://localhost:8080' }),
    LLAMACPP_MODEL: Type.String({ default: 'default' }),
    LLAMACPP_API_KEY: Type.Optional(Type.String()),
    ...localLimitVariables('LLAMACPP')
  }),
  toOptions: (env, runtime): LlamaCppPluginOptions => ({
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.LLAMACPP_ENDPOINT, 'LLAMACPP_ENDPOINT').toString(), '/v1'),
    model: env.LLAMACPP_MODEL,
    apiKey: env.LLAMACPP_API_KEY,
    ...localLimitOptions(env, 'LLAMACPP'),
    dispatcher: runtime.dispatcher
  })
})
