// OpenRouter: https://openrouter.ai/docs/api-reference/overview (OpenAI chat completions with extensions)
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ProviderAdapter } from '@lynkr/protocol'
import { isWebSearchTool } from '@lynkr/protocol'
import { WebSearchAnswer, promptQuery } from '@lynkr/web-search'
import { UpstreamClient, limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, requireVariable, withModelLimits } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { chatCompletionsUrl, createOpenAICompatibleAdapter, modelLimitsResolver, thinkTagsVariable } from '@lynkr/openai-chat'
import { ReasoningDetailsMerger, assistantReasoningDetails, openRouterChunkToParts, openRouterCompletionToParts, reasoningField } from './reasoning-details.ts'
import { webPlugin } from './web-search.ts'

export interface OpenRouterPluginOptions {
  apiKey: string
  chatUrl: string
  model: string
  /** Attribution: `HTTP-Referer` (the app's URL) and `X-Title` (its name) on openrouter.ai rankings. */
  siteUrl?: string
  siteName?: string
  limits?: ModelLimits
  /** Recover a `<think>…</think>` the answer opens with (OPENROUTER_THINK_TAGS, default on). */
  thinkTags?: boolean
  timeoutMs: number
  dispatcher?: unknown
}

export function createOpenRouterAdapter (options: OpenRouterPluginOptions, client: UpstreamClient): ProviderAdapter {
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}` }
  if (options.siteUrl) headers['HTTP-Referer'] = options.siteUrl
  if (options.siteName) headers['X-Title'] = options.siteName
  const adapter = withModelLimits(createOpenAICompatibleAdapter({
    id: 'openrouter',
    chatUrl: options.chatUrl,
    model: options.model,
    headers,
    // Prompt-cache breakpoints reach Anthropic and Gemini models (OpenRouter passes them on; others cache
    // prefixes by themselves): without them Claude Code's long prompt is billed in full on every turn.
    quirks: { maxTokensField: 'max_tokens', assistantFields: assistantReasoningDetails, cacheControl: (model) => /^(?:anthropic|google)\//.test(model) },
    finishBody: (body, request) => {
      const reasoning = reasoningField(request)
      const web = webPlugin(request)
      return { ...body, ...(reasoning === undefined ? {} : { reasoning }), ...(web === undefined ? {} : { plugins: [web] }) }
    },
    parseChunk: openRouterChunkToParts,
    leadingThinkTags: options.thinkTags !== false,
    parseCompletion: openRouterCompletionToParts,
    // A searched answer waits for its url_citation annotations (they come with or after the text).
    partTransforms: (request) => webPlugin(request) === undefined
      ? [new ReasoningDetailsMerger()]
      : [new ReasoningDetailsMerger(), new WebSearchAnswer({ provider: 'openrouter', fallbackQuery: promptQuery(request) })],
    client
  }), modelLimitsResolver(options.limits))
  // The web plugin serves Anthropic's web search tool (web-search.ts); other server tools it cannot.
  return { ...adapter, supportsServerTool: (tool) => isWebSearchTool(tool) }
}

async function openRouterProvider (app: FastifyInstance, options: OpenRouterPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'openrouter', options, (client) => createOpenRouterAdapter(options, client))
}

export default fp(openRouterProvider, { name: '@lynkr/provider-openrouter', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['openrouter'],
  enabledBy: ['OPENROUTER_API_KEY'],
  secrets: ['OPENROUTER_API_KEY'],
  env: Type.Object({
    OPENROUTER_API_KEY: Type.Optional(Type.String()),
    OPENROUTER_MODEL: Type.String({ default: 'openai/gpt-4o-mini' }),
    OPENROUTER_ENDPOINT: Type.String({ default: 'https://openrouter.ai/api/v1/chat/completions' }),
    OPENROUTER_SITE_URL: Type.Optional(Type.String()),
    OPENROUTER_SITE_NAME: Type.String({ default: 'lynkr' }),
    ...thinkTagsVariable('OPENROUTER'),
    ...limitVariables('OPENROUTER')
  }),
  toOptions: (env, runtime): OpenRouterPluginOptions => ({
    apiKey: requireVariable(env.OPENROUTER_API_KEY, 'OPENROUTER_API_KEY', 'openrouter needs an API key (https://openrouter.ai/keys)'),
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.OPENROUTER_ENDPOINT, 'OPENROUTER_ENDPOINT').toString()),
    model: env.OPENROUTER_MODEL,
    siteUrl: env.OPENROUTER_SITE_URL,
    siteName: env.OPENROUTER_SITE_NAME,
    thinkTags: env.OPENROUTER_THINK_TAGS,
    ...limitOptions(env, 'OPENROUTER'),
    dispatcher: runtime.dispatcher
  })
})

export { encodeDetails, decodeDetails, mergeDetails, ReasoningDetailsMerger } from './reasoning-details.ts'
export { annotationsToPart, webPlugin } from './web-search.ts'
