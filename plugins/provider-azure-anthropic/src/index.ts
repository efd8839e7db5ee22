import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, requireVariable } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { ANTHROPIC_API_BETAS, ANTHROPIC_API_SERVER_TOOLS, createAnthropicMessagesAdapter, messagesUrl, parseBetaAllowList, parseServerToolList, parseSystemMessages } from '@lynkr/anthropic-messages'
import type { BetaAllowList, ServerToolList } from '@lynkr/anthropic-messages'
import { azureAuthHeaders, azureAuthVariables, describeAzureAuth, resolveAzureAuth } from '@lynkr/provider-azure-openai/entra'
import type { AzureAuth } from '@lynkr/provider-azure-openai/entra'

/** The scope Microsoft documents for Claude on Foundry (it also accepts Cognitive Services tokens). */
const FOUNDRY_SCOPE = 'https://ai.azure.com/.default'

export interface AzureAnthropicPluginOptions {
  messagesUrl: string
  /** The resource key (`x-api-key`), a fixed bearer token, or Microsoft Entra ID tokens fetched and refreshed. */
  auth: AzureAuth
  model?: string
  anthropicVersion: string
  betas: BetaAllowList
  serverTools: ServerToolList
  systemMessages: 'keep' | 'hoist'
  limits?: ModelLimits
  timeoutMs: number
  dispatcher?: unknown
}

async function azureAnthropicProvider (app: FastifyInstance, options: AzureAnthropicPluginOptions): Promise<void> {
  const auth = describeAzureAuth(options.auth)
  if (auth !== undefined) app.log.info(`azure-anthropic authenticates with ${auth}`)
  registerUpstreamProvider(app, 'azure-anthropic', options, (client) => createAnthropicMessagesAdapter({
    id: 'azure-anthropic',
    messagesUrl: options.messagesUrl,
    model: options.model,
    fallbackModel: 'claude-sonnet-4-5',
    ...azureAuthHeaders(options.auth, 'x-api-key', 'azure-anthropic', client),
    anthropicVersion: options.anthropicVersion,
    betas: options.betas,
    serverTools: options.serverTools,
    systemMessages: options.systemMessages,
    client,
    limits: options.limits === undefined ? undefined : () => options.limits
  }))
}

export default fp(azureAnthropicProvider, { name: '@lynkr/provider-azure-anthropic', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['azure-anthropic'],
  enabledBy: ['AZURE_ANTHROPIC_API_KEY', 'AZURE_ANTHROPIC_AD_TOKEN', 'AZURE_ANTHROPIC_AUTH'],
  secrets: ['AZURE_ANTHROPIC_API_KEY', 'AZURE_ANTHROPIC_AD_TOKEN', 'AZURE_CLIENT_SECRET', 'IDENTITY_HEADER'],
  env: Type.Object({
    AZURE_ANTHROPIC_ENDPOINT: Type.Optional(Type.String()),
    AZURE_ANTHROPIC_API_KEY: Type.Optional(Type.String()),
    ...azureAuthVariables('AZURE_ANTHROPIC', FOUNDRY_SCOPE),
    AZURE_ANTHROPIC_MODEL: Type.Optional(Type.String()),
    AZURE_ANTHROPIC_VERSION: Type.String({ default: '2023-06-01' }),
    AZURE_ANTHROPIC_BETAS: Type.Optional(Type.String()),
    AZURE_ANTHROPIC_SERVER_TOOLS: Type.Optional(Type.String({ description: 'server tool types the endpoint runs (prefix*, * for all, empty for none); others are removed with a notice' })),
    AZURE_ANTHROPIC_SYSTEM_MESSAGES: Type.String({ default: 'keep' }),
    ...limitVariables('AZURE_ANTHROPIC')
  }),
  toOptions: (env, runtime): AzureAnthropicPluginOptions => {
    const endpoint = requireVariable(env.AZURE_ANTHROPIC_ENDPOINT, 'AZURE_ANTHROPIC_ENDPOINT', 'azure-anthropic needs the Anthropic endpoint, e.g. https://<resource>.services.ai.azure.com/anthropic')
    return {
      messagesUrl: messagesUrl(parseUrlVariable(endpoint, 'AZURE_ANTHROPIC_ENDPOINT').toString()),
      auth: resolveAzureAuth(env, { prefix: 'AZURE_ANTHROPIC', keyVariable: 'AZURE_ANTHROPIC_API_KEY', who: 'azure-anthropic', keyHint: 'the resource key (sent as x-api-key)', defaultScope: FOUNDRY_SCOPE }),
      model: env.AZURE_ANTHROPIC_MODEL === undefined || env.AZURE_ANTHROPIC_MODEL.trim() === '' ? undefined : env.AZURE_ANTHROPIC_MODEL.trim(),
      anthropicVersion: env.AZURE_ANTHROPIC_VERSION,
      betas: parseBetaAllowList(env.AZURE_ANTHROPIC_BETAS, ANTHROPIC_API_BETAS),
      serverTools: parseServerToolList(env.AZURE_ANTHROPIC_SERVER_TOOLS, ANTHROPIC_API_SERVER_TOOLS),
      systemMessages: parseSystemMessages(env.AZURE_ANTHROPIC_SYSTEM_MESSAGES, 'AZURE_ANTHROPIC_SYSTEM_MESSAGES'),
      ...limitOptions(env, 'AZURE_ANTHROPIC'),
      dispatcher: runtime.dispatcher
    }
  }
})
