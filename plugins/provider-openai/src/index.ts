import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, requireVariable, withModelLimits } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { chatCompletionsUrl, createOpenAICompatibleAdapter, looksLikeReasoningModel, modelLimitsResolver, reasoningBody, thinkTagsVariable } from '@lynkr/openai-chat'

export interface OpenAIPluginOptions {
  apiKey: string
  chatUrl: string
  model: string
  organization?: string
  limits?: ModelLimits
  /** Recover a `<think>…</think>` the answer opens with (OPENAI_THINK_TAGS, default on). */
  thinkTags?: boolean
  timeoutMs: number
  dispatcher?: unknown
}

async function openAIProvider (app: FastifyInstance, options: OpenAIPluginOptions): Promise<void> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}` }
  if (options.organization) headers['openai-organization'] = options.organization
  // Fitted to the model first: Claude Code asks for up to 128000 output tokens, and OpenAI rejects a
  // max_tokens above the model's cap (16384 for gpt-4o) instead of lowering it.
  registerUpstreamProvider(app, 'openai', options, (client) => withModelLimits(createOpenAICompatibleAdapter({
    id: 'openai',
    chatUrl: options.chatUrl,
    model: options.model,
    headers,
    quirks: { maxTokensField: 'max_tokens', promptCacheKey: true },
    // Decided per request, so `openai:o3` works as well as OPENAI_MODEL=o3: reasoning models reject
    // max_tokens and sampling parameters and take reasoning_effort from thinking/effort.
    finishBody: (body, request) => looksLikeReasoningModel(request.model) ? reasoningBody(body, request) : body,
    leadingThinkTags: options.thinkTags !== false,
    client
  }), modelLimitsResolver(options.limits)))
}

export default fp(openAIProvider, { name: '@lynkr/provider-openai', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['openai'],
  enabledBy: ['OPENAI_API_KEY'],
  secrets: ['OPENAI_API_KEY'],
  env: Type.Object({
    OPENAI_API_KEY: Type.Optional(Type.String()),
    OPENAI_ENDPOINT: Type.String({ default: 'https://api.openai.com/v1/chat/completions' }),
    OPENAI_MODEL: Type.String({ default: 'gpt-4o' }),
    OPENAI_ORGANIZATION: Type.Optional(Type.String()),
    ...thinkTagsVariable('OPENAI'),
    ...limitVariables('OPENAI')
  }),
  toOptions: (env, runtime): OpenAIPluginOptions => ({
    apiKey: requireVariable(env.OPENAI_API_KEY, 'OPENAI_API_KEY', 'openai needs an API key (https://platform.openai.com/api-keys)'),
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.OPENAI_ENDPOINT, 'OPENAI_ENDPOINT').toString()),
    model: env.OPENAI_MODEL,
    organization: env.OPENAI_ORGANIZATION,
    thinkTags: env.OPENAI_THINK_TAGS,
    ...limitOptions(env, 'OPENAI'),
    dispatcher: runtime.dispatcher
  })
})
