// Moonshot AI (Kimi): https://platform.moonshot.ai/docs/api/chat (OpenAI-compatible chat completions)
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ChatRequest, ProviderAdapter } from '@lynkr/protocol'
import { UpstreamClient, limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, requireVariable, withModelLimits } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { chatCompletionsUrl, createOpenAICompatibleAdapter, modelLimitsResolver } from '@lynkr/openai-chat'
import { KimiToolIds, decodeToolId } from './kimi-tool-ids.ts'
import { moonshotChunkToParts, moonshotCompletionToParts } from './parse-moonshot-chunk.ts'

export interface MoonshotPluginOptions {
  apiKey: string
  chatUrl: string
  model: string
  limits?: ModelLimits
  timeoutMs: number
  dispatcher?: unknown
}

/** Kimi models that reason before answering (kimi-k2-thinking, kimi-k2.5). */
export function isThinkingModel (model: string): boolean {
  return /thinking|k2\.5/i.test(model)
}

/** Moonshot's advice for thinking models: enough room to reason before the answer. */
export const THINKING_MIN_MAX_TOKENS = 16_000

/**
 * Thinking models run at temperature 1.0 (Moonshot's recommendation; lower values degrade the reasoning)
 * and get at least 16000 output tokens, so a short `max_tokens` (titles, summaries) is not spent on
 * reasoning alone. Applied before the per-model limits, which still clamp.
 */
export function prepareRequest (request: ChatRequest): ChatRequest {
  if (!isThinkingModel(request.model)) return request
  return { ...request, temperature: 1, max_tokens: Math.max(request.max_tokens, THINKING_MIN_MAX_TOKENS) }
}

export function createMoonshotAdapter (options: MoonshotPluginOptions, client: UpstreamClient): ProviderAdapter {
  const limited = withModelLimits(createOpenAICompatibleAdapter({
    id: 'moonshot',
    chatUrl: options.chatUrl,
    model: options.model,
    headers: { authorization: `Bearer ${options.apiKey}` },
    // Thinking models reject a tool-call turn without its reasoning_content ("" when none was kept).
    quirks: { maxTokensField: 'max_tokens', reasoningContent: true, reasoningOnToolCalls: true, toolIdToUpstream: decodeToolId },
    parseChunk: moonshotChunkToParts,
    parseCompletion: moonshotCompletionToParts,
    partTransforms: () => [new KimiToolIds()],
    client
  }), modelLimitsResolver(options.limits))
  // Also when the client set no max_tokens (OpenAI clients may): Moonshot then defaults to 1024, which a
  // thinking model spends on reasoning alone, and the temperature would stay the client's.
  return {
    ...limited,
    chat: async (request, context) => await limited.chat(prepareRequest(request), context),
    chatStream: async (request, context) => await limited.chatStream(prepareRequest(request), context)
  }
}

async function moonshotProvider (app: FastifyInstance, options: MoonshotPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'moonshot', options, (client) => createMoonshotAdapter(options, client))
}

export default fp(moonshotProvider, { name: '@lynkr/provider-moonshot', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['moonshot'],
  enabledBy: ['MOONSHOT_API_KEY'],
  secrets: ['MOONSHOT_API_KEY'],
  env: Type.Object({
    MOONSHOT_API_KEY: Type.Optional(Type.String()),
    MOONSHOT_ENDPOINT: Type.String({ default: 'https://api.moonshot.ai/v1/chat/completions' }),
    MOONSHOT_MODEL: Type.String({ default: 'kimi-k2-thinking' }),
    ...limitVariables('MOONSHOT')
  }),
  toOptions: (env, runtime): MoonshotPluginOptions => ({
    apiKey: requireVariable(env.MOONSHOT_API_KEY, 'MOONSHOT_API_KEY', 'moonshot needs an API key (https://platform.moonshot.ai/console/api-keys)'),
    chatUrl: chatCompletionsUrl(parseUrlVariable(env.MOONSHOT_ENDPOINT, 'MOONSHOT_ENDPOINT').toString()),
    model: env.MOONSHOT_MODEL,
    ...limitOptions(env, 'MOONSHOT'),
    dispatcher: runtime.dispatcher
  })
})

export { encodeToolId, decodeToolId, KimiToolIds } from './kimi-tool-ids.ts'
