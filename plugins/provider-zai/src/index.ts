import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ProviderAdapter } from '@lynkr/protocol'
import { LynkrConfigError, UpstreamClient, limitOptions, limitVariables, lookupModelLimits, parseUrlVariable, registerUpstreamProvider, requireVariable, withModelLimits } from '@lynkr/core'
import type { ModelLimits, ModelLimitsTable } from '@lynkr/core'
import { createAnthropicMessagesAdapter, messagesUrl, parseBetaAllowList, parseServerToolList, parseSystemMessages } from '@lynkr/anthropic-messages'
import type { BetaAllowList, ServerToolList } from '@lynkr/anthropic-messages'
import { chatCompletionsUrl, createOpenAICompatibleAdapter } from '@lynkr/openai-chat'

export type ZaiApiFormat = 'anthropic' | 'openai'

export interface ZaiPluginOptions {
  format: ZaiApiFormat
  /** The full Messages or chat-completions URL. */
  url: string
  apiKey: string
  model: string
  betas: BetaAllowList
  serverTools: ServerToolList
  systemMessages: 'keep' | 'hoist'
  limits?: ModelLimits
  timeoutMs: number
  dispatcher?: unknown
}

/** GLM limits as Z.AI documents them (context window / max output). */
export const ZAI_MODEL_LIMITS: ModelLimitsTable = [
  [/^glm-5/i, { contextWindow: 200_000, maxOutputTokens: 128_000 }],
  [/^glm-4\.[6-9]/i, { contextWindow: 200_000, maxOutputTokens: 128_000 }],
  [/^glm-4\.5v/i, { contextWindow: 64_000, maxOutputTokens: 16_000 }],
  [/^glm-4\.5/i, { contextWindow: 128_000, maxOutputTokens: 96_000 }],
  [/^glm-/i, { contextWindow: 128_000, maxOutputTokens: 16_000 }]
]

/** Z.AI serves the same models in two formats: `/api/anthropic` (Messages) and `/api/paas/v4` (OpenAI). */
export function detectZaiFormat (endpoint: string, explicit: string | undefined): ZaiApiFormat {
  if (explicit !== undefined && explicit.trim() !== '') {
    const value = explicit.trim().toLowerCase()
    if (value === 'anthropic' || value === 'openai') return value
    throw new LynkrConfigError(`ZAI_API_FORMAT="${explicit}" must be "anthropic" or "openai"`, 'ZAI_API_FORMAT')
  }
  const path = new URL(endpoint).pathname.replace(/\/+$/, '')
  if (/\/anthropic(\/|$)/.test(path) || path.endsWith('/messages')) return 'anthropic'
  if (path.endsWith('/chat/completions') || /\/paas\//.test(path) || /\/openai(\/|$)/.test(path)) return 'openai'
  throw new LynkrConfigError(`ZAI_ENDPOINT="${endpoint}" does not say which API format it speaks; set ZAI_API_FORMAT=anthropic or ZAI_API_FORMAT=openai`, 'ZAI_API_FORMAT')
}

function createZaiAdapter (options: ZaiPluginOptions, client: UpstreamClient): ProviderAdapter {
  const limitsFor = (model: string): ModelLimits | undefined => {
    const table = lookupModelLimits(ZAI_MODEL_LIMITS, model)
    return table === undefined && options.limits === undefined ? undefined : { ...table, ...options.limits }
  }
  if (options.format === 'anthropic') {
    return createAnthropicMessagesAdapter({
      id: 'zai',
      messagesUrl: options.url,
      model: options.model,
      fallbackModel: options.model,
      // Z.AI documents Bearer auth for its Anthropic endpoint (ANTHROPIC_AUTH_TOKEN); x-api-key also works.
      headers: { 'x-api-key': options.apiKey, authorization: `Bearer ${options.apiKey}` },
      anthropicVersion: '2023-06-01',
      betas: options.betas,
      serverTools: options.serverTools,
      systemMessages: options.systemMessages,
      adaptiveThinking: false,
      // GLM signs its thinking itself: Claude's signatures mean nothing to it, and its own nothing to Claude.
      signatureFamily: 'zai',
      client,
      limits: limitsFor
    })
  }
  return withModelLimits(createOpenAICompatibleAdapter({
    id: 'zai',
    chatUrl: options.url,
    model: options.model,
    headers: { authorization: `Bearer ${options.apiKey}` },
    // GLM thinking models expect their reasoning back on tool-call turns, like DeepSeek.
    quirks: { maxTokensField: 'max_tokens', reasoningContent: true },
    client
  }), limitsFor)
}

async function zaiProvider (app: FastifyInstance, options: ZaiPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'zai', options, (client) => createZaiAdapter(options, client))
}

export default fp(zaiProvider, { name: '@lynkr/provider-zai', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['zai'],
  enabledBy: ['ZAI_API_KEY'],
  secrets: ['ZAI_API_KEY'],
  env: Type.Object({
    ZAI_API_KEY: Type.Optional(Type.String()),
    ZAI_ENDPOINT: Type.String({ default: 'https://api.z.ai/api/anthropic/v1/messages' }),
    ZAI_MODEL: Type.String({ default: 'GLM-4.7' }),
    ZAI_API_FORMAT: Type.Optional(Type.String()),
    ZAI_BETAS: Type.Optional(Type.String()),
    ZAI_SERVER_TOOLS: Type.Optional(Type.String({ description: 'Anthropic server tool types the Anthropic-format endpoint runs (prefix*, * for all); none by default, others are removed with a notice' })),
    ZAI_SYSTEM_MESSAGES: Type.String({ default: 'hoist' }),
    ...limitVariables('ZAI')
  }),
  toOptions: (env, runtime): ZaiPluginOptions => {
    const endpoint = parseUrlVariable(env.ZAI_ENDPOINT, 'ZAI_ENDPOINT').toString()
    const format = detectZaiFormat(endpoint, env.ZAI_API_FORMAT)
    return {
      format,
      url: format === 'anthropic' ? messagesUrl(endpoint) : chatCompletionsUrl(endpoint),
      apiKey: requireVariable(env.ZAI_API_KEY, 'ZAI_API_KEY', 'zai needs an API key (https://z.ai/manage-apikey/apikey-list)'),
      model: env.ZAI_MODEL,
      // GLM ignores Claude-specific betas at best: none are forwarded unless listed.
      betas: parseBetaAllowList(env.ZAI_BETAS, []),
      // GLM runs none of Anthropic's server tools (web search, web fetch, code execution).
      serverTools: parseServerToolList(env.ZAI_SERVER_TOOLS, []),
      systemMessages: parseSystemMessages(env.ZAI_SYSTEM_MESSAGES, 'ZAI_SYSTEM_MESSAGES'),
      ...limitOptions(env, 'ZAI'),
      dispatcher: runtime.dispatcher
    }
  }
})
