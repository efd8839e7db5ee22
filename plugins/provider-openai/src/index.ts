import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { parseUrlVariable, registerUpstreamProvider, requireVariable } from '@lynkr/core'
import { chatCompletionsUrl, createOpenAICompatibleAdapter, looksLikeReasoningModel, reasoningBody } from '@lynkr/openai-chat'

export interface OpenAIPluginOptions {
  apiKey: string
  chatUrl: string
  model: string
  organization?: string
  timeoutMs: number
  dispatcher?: unknown
}

async function openAIProvider (app: FastifyInstance, options: OpenAIPluginOptions): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}` }
  if (options.organization) headers['openai-organization'] = options.organization
  registerUpstreamProvider(app, 'openai', options, (client) => createOpenAICompatibleAdapter({
    id: 'openai',
    chatUrl: options.chatUrl,
    model: options.model,
    headers,
    quirks: { maxTokensField: 'max_tokens' },
    // Decided per request, so `openai:o3` works as well as OPENAI_MODEL=o3: reasoning models reject
    // max_tokens and sampling parameters and take reasoning_effort from thinking/effort.
    finishBody: (body, request) => looksLikeReasoningModel(request.model) ? reasoningBody(body, request) : body,
    client
  }))
}

export default fp(openAIProvider, { name: '@lynkr/provider-openai', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['openai'],
  secrets: ['OPENAI_API_KEY'],
  env: Type.Object({
    OPENAI_API_KEY: Type.Optional(Type.String()),
    OPENAI_ENDPOINT: Type.String({ default: 'https://api.openai.com/v1/chat/completions' }),
    OPENAI_MODEL: Type.String({ default: 'gpt-4o' }),
    OPENAI_ORGANIZATION: Type.Optional(Type.String()),
    OPENAI_TIMEOUT_MS: Type.Integer({ default: 600000, minimum: 1000 })
  }),
  toOptions: (env, runtime): OpenAIPluginOptions => ({
    apiKey: requireVariable(env.OPENAI_API_KEY, 'OPENAI_API_KEY', 'MODEL_PROVIDER=openai needs an API key (https://platform.openai.com/api-keys)'),
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.OPENAI_ENDPOINT, 'OPENAI_ENDPOINT').toString()),
    model: env.OPENAI_MODEL,
    organization: env.OPENAI_ORGANIZATION,
    timeoutMs: env.OPENAI_TIMEOUT_MS,
    dispatcher: runtime.dispatcher
  })
})
