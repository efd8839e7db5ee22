import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { ChatRequest, ProviderAdapter } from '@lynkr/protocol'
import { LynkrConfigError, UpstreamClient, limitOptions, limitVariables, registerUpstreamProvider, requireVariable, withModelLimits } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { createOpenAICompatibleAdapter, looksLikeReasoningModel, modelLimitsResolver, reasoningBody, thinkTagsVariable } from '@lynkr/openai-chat'
import type { OpenAIChatBody } from '@lynkr/openai-chat'
import { resolveAzureTarget } from './azure-url.ts'
import type { AzureTarget } from './azure-url.ts'
import { azureAuthHeaders, azureAuthVariables, describeAzureAuth, resolveAzureAuth } from './entra/index.ts'
import type { AzureAuth } from './entra/index.ts'

/** Azure OpenAI's Microsoft Entra ID scope (Cognitive Services). */
const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default'

export interface AzureOpenAIPluginOptions {
  target: AzureTarget
  /** The resource key (`api-key`), a fixed bearer token, or Microsoft Entra ID tokens fetched and refreshed. */
  auth: AzureAuth
  /** Forces the reasoning-model treatment on or off; by default it follows the deployment name (o1/o3/o4/gpt-5…). */
  reasoningModel?: boolean
  limits?: ModelLimits
  /** Recover a `<think>…</think>` the answer opens with (AZURE_OPENAI_THINK_TAGS, default on). */
  thinkTags?: boolean
  timeoutMs: number
  dispatcher?: unknown
}

export function createAzureOpenAIAdapter (options: AzureOpenAIPluginOptions, client: UpstreamClient): ProviderAdapter {
  const { target } = options
  const isReasoning = (model: string): boolean => options.reasoningModel ?? looksLikeReasoningModel(model)
  return withModelLimits(createOpenAICompatibleAdapter({
    id: 'azure-openai',
    // Deployments URLs name the deployment in the path; v1 URLs in `model` (which routing sets either way).
    chatUrl: (request) => target.chatUrl(request.model),
    model: target.deployment,
    ...azureAuthHeaders(options.auth, 'api-key', 'azure-openai', client),
    quirks: { maxTokensField: 'max_tokens', promptCacheKey: true },
    finishBody: (body, request) => isReasoning(request.model) ? reasoningBody(body, request) : body,
    healthUrl: target.healthUrl,
    leadingThinkTags: options.thinkTags !== false,
    client
  }), modelLimitsResolver(options.limits))
}

async function azureOpenAIProvider (app: FastifyInstance, options: AzureOpenAIPluginOptions): Promise<void> {
  const auth = describeAzureAuth(options.auth)
  if (auth !== undefined) app.log.info(`azure-openai authenticates with ${auth}`)
  registerUpstreamProvider(app, 'azure-openai', options, (client) => createAzureOpenAIAdapter(options, client))
}

export default fp(azureOpenAIProvider, { name: '@lynkr/provider-azure-openai', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

function parseBoolean (value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const text = value.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(text)) return true
  if (['false', '0', 'no', 'off'].includes(text)) return false
  throw new LynkrConfigError(`${name}="${value}" must be true or false`, name)
}

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['azure-openai'],
  enabledBy: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_AD_TOKEN', 'AZURE_OPENAI_AUTH'],
  secrets: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_AD_TOKEN', 'AZURE_CLIENT_SECRET', 'IDENTITY_HEADER'],
  env: Type.Object({
    AZURE_OPENAI_ENDPOINT: Type.Optional(Type.String()),
    AZURE_OPENAI_API_KEY: Type.Optional(Type.String()),
    ...azureAuthVariables('AZURE_OPENAI', AZURE_OPENAI_SCOPE),
    AZURE_OPENAI_DEPLOYMENT: Type.String({ default: 'gpt-4o' }),
    AZURE_OPENAI_API_VERSION: Type.String({ default: '2024-10-21' }),
    AZURE_OPENAI_REASONING_MODEL: Type.Optional(Type.String()),
    ...thinkTagsVariable('AZURE_OPENAI'),
    ...limitVariables('AZURE_OPENAI')
  }),
  toOptions: (env, runtime): AzureOpenAIPluginOptions => {
    const endpoint = requireVariable(env.AZURE_OPENAI_ENDPOINT, 'AZURE_OPENAI_ENDPOINT', 'azure-openai needs the resource URL, e.g. https://my-resource.openai.azure.com')
    return {
      target: resolveAzureTarget(endpoint, env.AZURE_OPENAI_DEPLOYMENT, env.AZURE_OPENAI_API_VERSION),
      auth: resolveAzureAuth(env, { prefix: 'AZURE_OPENAI', keyVariable: 'AZURE_OPENAI_API_KEY', who: 'azure-openai', keyHint: 'the resource key (Azure portal → Keys and Endpoint)', defaultScope: AZURE_OPENAI_SCOPE }),
      reasoningModel: parseBoolean(env.AZURE_OPENAI_REASONING_MODEL, 'AZURE_OPENAI_REASONING_MODEL'),
      thinkTags: env.AZURE_OPENAI_THINK_TAGS,
      ...limitOptions(env, 'AZURE_OPENAI'),
      dispatcher: runtime.dispatcher
    }
  }
})

export { resolveAzureTarget } from './azure-url.ts'
export { looksLikeReasoningModel, reasoningBody } from '@lynkr/openai-chat'
