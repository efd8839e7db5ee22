import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError, limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, singleToolCallFor, withPartTransforms } from '@lynkr/core'
import { BEDROCK_BETAS, BEDROCK_SERVER_TOOLS, parseBetaAllowList, parseServerToolList } from '@lynkr/anthropic-messages'
import { createBedrockAdapter } from './bedrock-adapter.ts'
import type { BedrockAdapterOptions } from './bedrock-adapter.ts'
import type { BedrockAuth } from './sign-request.ts'

export { createBedrockAdapter } from './bedrock-adapter.ts'
export { readEventStream, encodeEventStreamMessage } from './event-stream.ts'
export { bedrockModelProfile, baseModelId } from './bedrock-models.ts'

/** The adapter's options (the client aside), plus the HTTP settings. */
export interface BedrockPluginOptions extends Omit<BedrockAdapterOptions, 'client'> {
  timeoutMs: number
  dispatcher?: unknown
}

async function bedrockProvider (app: FastifyInstance, options: BedrockPluginOptions): Promise<void> {
  // Converse has no switch for parallel tool calls: disable_parallel_tool_use keeps the first call only
  // (InvokeModel passes the flag to Claude, which then makes one call anyway).
  registerUpstreamProvider(app, 'bedrock', options, (client) => withPartTransforms(createBedrockAdapter({ ...options, client }), singleToolCallFor))
}

export default fp(bedrockProvider, { name: '@lynkr/provider-bedrock', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

function present (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** A Bedrock API key (bearer, never signed) wins over IAM credentials (SigV4). */
export function bedrockAuth (env: Partial<Record<'AWS_BEDROCK_API_KEY' | 'AWS_BEARER_TOKEN_BEDROCK' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'AWS_SESSION_TOKEN', string>>, region: string): BedrockAuth {
  const token = present(env.AWS_BEDROCK_API_KEY) ?? present(env.AWS_BEARER_TOKEN_BEDROCK)
  if (token !== undefined) return { type: 'bearer', token }
  const accessKeyId = present(env.AWS_ACCESS_KEY_ID)
  const secretAccessKey = present(env.AWS_SECRET_ACCESS_KEY)
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new LynkrConfigError('bedrock needs credentials: a Bedrock API key in AWS_BEDROCK_API_KEY (or AWS_BEARER_TOKEN_BEDROCK), or IAM credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary ones)', accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY')
  }
  const sessionToken = present(env.AWS_SESSION_TOKEN)
  return { type: 'sigv4', region, credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } }
}

type EndpointEnv = Partial<Record<'AWS_ENDPOINT_URL_BEDROCK_RUNTIME' | 'AWS_ENDPOINT_URL_BEDROCK' | 'AWS_ENDPOINT_URL', string>>

/**
 * Bedrock has two hosts: the runtime (`bedrock-runtime.<region>`, every chat call) and the control plane
 * (`bedrock.<region>`, where the health probe looks the model up). Each takes the AWS SDKs' override variable
 * for its service, then AWS_ENDPOINT_URL. When only the runtime is overridden, the probe stays off public
 * hosts the user did not name: an AWS host name `bedrock-runtime…` becomes `bedrock…`, anything else (a proxy,
 * a test double) is asked as it is.
 */
export function bedrockEndpoints (env: EndpointEnv, region: string): { endpoint: string, controlEndpoint: string } {
  const variable = (name: keyof EndpointEnv): string | undefined => {
    const value = present(env[name])
    return value === undefined ? undefined : parseUrlVariable(value, name).toString()
  }
  const shared = variable('AWS_ENDPOINT_URL')
  const runtime = variable('AWS_ENDPOINT_URL_BEDROCK_RUNTIME')
  const endpoint = runtime ?? shared ?? `https://bedrock-runtime.${region}.amazonaws.com`
  let controlEndpoint = variable('AWS_ENDPOINT_URL_BEDROCK') ?? shared
  if (controlEndpoint === undefined && runtime !== undefined) {
    const url = new URL(runtime)
    if (url.hostname.startsWith('bedrock-runtime')) url.hostname = url.hostname.replace(/^bedrock-runtime/, 'bedrock')
    controlEndpoint = url.toString()
  }
  return { endpoint, controlEndpoint: controlEndpoint ?? `https://bedrock.${region}.amazonaws.com` }
}

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['bedrock'],
  // Bedrock's own keys only, not the generic AWS_ACCESS_KEY_ID (other AWS tools set it).
  enabledBy: ['AWS_BEDROCK_API_KEY', 'AWS_BEARER_TOKEN_BEDROCK'],
  secrets: ['AWS_BEDROCK_API_KEY', 'AWS_BEARER_TOKEN_BEDROCK', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
  env: Type.Object({
    AWS_BEDROCK_API_KEY: Type.Optional(Type.String()),
    AWS_BEARER_TOKEN_BEDROCK: Type.Optional(Type.String()),
    AWS_ACCESS_KEY_ID: Type.Optional(Type.String()),
    AWS_SECRET_ACCESS_KEY: Type.Optional(Type.String()),
    AWS_SESSION_TOKEN: Type.Optional(Type.String()),
    AWS_BEDROCK_REGION: Type.Optional(Type.String()),
    AWS_REGION: Type.Optional(Type.String()),
    AWS_DEFAULT_REGION: Type.Optional(Type.String()),
    AWS_BEDROCK_MODEL_ID: Type.String({ default: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }),
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: Type.Optional(Type.String()),
    AWS_ENDPOINT_URL_BEDROCK: Type.Optional(Type.String({ description: 'control-plane override, asked by the health probe' })),
    AWS_ENDPOINT_URL: Type.Optional(Type.String()),
    AWS_BEDROCK_API: Type.Union([Type.Literal('auto'), Type.Literal('converse'), Type.Literal('invoke')], { default: 'auto' }),
    AWS_BEDROCK_BETAS: Type.Optional(Type.String()),
    AWS_BEDROCK_SERVER_TOOLS: Type.Optional(Type.String({ description: 'Anthropic tool types InvokeModel accepts (prefix*, * for all); web search and web fetch are not among them by default and are removed with a notice' })),
    ...limitVariables('AWS_BEDROCK')
  }),
  toOptions: (env, runtime): BedrockPluginOptions => {
    const region = present(env.AWS_BEDROCK_REGION) ?? present(env.AWS_REGION) ?? present(env.AWS_DEFAULT_REGION) ?? 'us-east-1'
    return {
      ...bedrockEndpoints(env, region),
      model: env.AWS_BEDROCK_MODEL_ID,
      auth: bedrockAuth(env, region),
      api: env.AWS_BEDROCK_API,
      betas: parseBetaAllowList(env.AWS_BEDROCK_BETAS, BEDROCK_BETAS),
      serverTools: parseServerToolList(env.AWS_BEDROCK_SERVER_TOOLS, BEDROCK_SERVER_TOOLS),
      ...limitOptions(env, 'AWS_BEDROCK'),
      dispatcher: runtime.dispatcher
    }
  }
})
