import type { CallContext, ChatRequest, HealthStatus, ModelInfo, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { CLAUDE_SIGNATURES, LynkrError, definedFields } from '@lynkr/protocol'
import { UpstreamClient, applyModelLimits, urlPathSegment, transportError, withOutputBudget } from '@lynkr/core'
import type { ModelLimits, UpstreamResponse } from '@lynkr/core'
import { AnthropicStreamParser, anthropicMessageToParts, filterBetas, parseBetaHeader, runsServerToolNamed, servesServerTool, takesTopLevelField, toAnthropicRequest } from '@lynkr/anthropic-messages'
import type { BetaAllowList, ServerToolList } from '@lynkr/anthropic-messages'
import { bedrockModelProfile } from './bedrock-models.ts'
import type { BedrockModelProfile } from './bedrock-models.ts'
import { bedrockError, mapBedrockHttpError } from './bedrock-errors.ts'
import { modelLookup, probeFailure } from './bedrock-health.ts'
import { readEventStream } from './event-stream.ts'
import { ConverseStreamParser, converseResponseToParts } from './parse-converse.ts'
import { authHeaders } from './sign-request.ts'
import type { BedrockAuth } from './sign-request.ts'
import { ToolNameMap } from './tool-names.ts'
import { toConverseRequest } from './to-converse-request.ts'

export type BedrockApi = 'auto' | 'converse' | 'invoke'

export interface BedrockAdapterOptions {
  /** `https://bedrock-runtime.<region>.amazonaws.com` or an override. */
  endpoint: string
  /** The control plane (`https://bedrock.<region>.amazonaws.com` or an override), asked by the health probe. */
  controlEndpoint: string
  model: string
  auth: BedrockAuth
  /** `auto`: InvokeModel (Anthropic body) for `anthropic.*` models, Converse for the rest. */
  api: BedrockApi
  betas: BetaAllowList
  /** The server tools Claude on Bedrock runs through InvokeModel; others get core's notice instead. */
  serverTools: ServerToolList
  /** Overrides of the built-in per-model limits. */
  limits?: ModelLimits
  client: UpstreamClient
}

type Operation = 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream'

/**
 * AWS Bedrock runtime. Claude models go through InvokeModel with an Anthropic Messages body
 * (`anthropic_version: bedrock-2023-05-31`, betas in the body), which keeps thinking signatures and
 * cache_control as they are; every other model goes through Converse. Streams are binary event streams.
 */
export function createBedrockAdapter (options: BedrockAdapterOptions): ProviderAdapter {
  const { client } = options
  const base = options.endpoint.replace(/\/+$/, '')

  function urlFor (model: string, operation: Operation): URL {
    return new URL(`${base}/model/${urlPathSegment(model)}/${operation}`)
  }

  async function send (url: URL, body: string, stream: boolean, signal: AbortSignal): Promise<UpstreamResponse> {
    const headers = await authHeaders(options.auth, url, {
      'content-type': 'application/json',
      accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json'
    }, body)
    return await client.send({ provider: 'bedrock', url: url.toString(), headers, body, signal, mapError: mapBedrockHttpError })
  }

  /** InvokeModel's body has no `service_tier` (Bedrock refuses unknown keys); the rest follow the betas. */
  const BEDROCK_TOP_LEVEL_FIELDS = ['context_management', 'container', 'mcp_servers'] as const

  async function prepare (request: ChatRequest, context: CallContext): Promise<{ request: ChatRequest, profile: BedrockModelProfile, betas: string[], invoke: boolean }> {
    const betas = filterBetas(parseBetaHeader(context.headers?.['anthropic-beta']), options.betas)
    const profile = bedrockModelProfile(request.model, betas)
    const limits = profile.limits === undefined && options.limits === undefined ? undefined : { ...profile.limits, ...options.limits }
    const limited = await applyModelLimits(withOutputBudget(request, limits), limits, 'bedrock')
    const invoke = options.api === 'invoke' || (options.api === 'auto' && profile.anthropic)
    return { request: limited, profile, betas, invoke }
  }

  /** Why `thinking` was left off a request that asked for it, at debug level. */
  function thinkingOff (context: CallContext, model: string): (reason: string) => void {
    return (reason) => { context.log.debug({ provider: 'bedrock', model }, `thinking left off for this request: ${reason}`) }
  }

  function invokeBody (request: ChatRequest, profile: BedrockModelProfile, betas: string[], context: CallContext): string {
    if (!profile.tools && (request.tools?.length ?? 0) > 0 && request.tool_choice?.type !== 'none') {
      throw new LynkrError('invalid_request', `Bedrock model ${profile.baseId} does not support tool use; set AWS_BEDROCK_MODEL_ID to a model that does`, { status: 400, provider: 'bedrock', retryable: false, code: 'LYNKR_BEDROCK_NO_TOOL_USE' })
    }
    return JSON.stringify(toAnthropicRequest(request, {
      systemMessages: 'hoist',
      betas,
      adaptiveThinking: profile.adaptiveThinking,
      onThinkingOff: thinkingOff(context, request.model),
      runsServerTool: (name) => runsServerToolNamed(name, options.serverTools),
      topLevelFields: BEDROCK_TOP_LEVEL_FIELDS,
      extra: { anthropic_version: 'bedrock-2023-05-31', ...(betas.length > 0 ? { anthropic_beta: betas } : {}) }
    }))
  }

  async function readJson (response: UpstreamResponse, url: URL, signal: AbortSignal): Promise<Record<string, unknown>> {
    let text: string
    try { text = await response.body.text() } catch (error) { throw transportError({ provider: 'bedrock', url: url.toString(), signal }, error) }
    try { return JSON.parse(text) } catch (error) {
      throw new LynkrError('api_error', `bedrock upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: 'bedrock', cause: error })
    }
  }

  return {
    specificationVersion: 'v1',
    id: 'bedrock',
    defaultModel: options.model,
    // Claude on Bedrock signs its thinking as Claude does everywhere; other models' signatures are Bedrock's own.
    signatureFamily: (request) => bedrockModelProfile(request.model).anthropic ? CLAUDE_SIGNATURES : 'bedrock',
    // InvokeModel carries the Anthropic body, with the server tools Bedrock runs as the client sent them; Converse has none.
    supportsServerTool: (tool, request) => (options.api === 'invoke' || (options.api === 'auto' && bedrockModelProfile(request.model).anthropic)) && servesServerTool(tool, options.serverTools),
    supportsTopLevelField: (field, request, context) => (options.api === 'invoke' || (options.api === 'auto' && bedrockModelProfile(request.model).anthropic)) &&
      takesTopLevelField(field, filterBetas(parseBetaHeader(context.headers?.['anthropic-beta']), options.betas), BEDROCK_TOP_LEVEL_FIELDS),
    capabilities: (model) => {
      const profile = bedrockModelProfile(model)
      const invoke = options.api === 'invoke' || (options.api === 'auto' && profile.anthropic)
      const limits = { ...profile.limits, ...options.limits }
      // Claude through InvokeModel takes Anthropic's breakpoints as they are; Converse gets cache points placed from them.
      const promptCache = invoke ? 'anthropic-breakpoints' : profile.promptCache ? 'bedrock-cache-points' : 'none'
      return definedFields({ promptCache, contextWindow: limits.contextWindow, maxOutputTokens: limits.maxOutputTokens })
    },
    listModels: (): ModelInfo[] => {
      const limits = bedrockModelProfile(options.model).limits
      return [{ id: options.model, provider: 'bedrock', contextWindow: limits?.contextWindow, maxOutputTokens: limits?.maxOutputTokens }]
    },

    async chat (input, context) {
      const { request, profile, betas, invoke } = await prepare(input, context)
      if (invoke) {
        const url = urlFor(request.model, 'invoke')
        const response = await send(url, invokeBody(request, profile, betas, context), false, context.signal)
        return anthropicMessageToParts('bedrock', await readJson(response, url, context.signal))
      }
      const names = new ToolNameMap()
      const body = JSON.stringify(toConverseRequest(request, { profile, names, betas, onThinkingOff: thinkingOff(context, request.model) }))
      const url = urlFor(request.model, 'converse')
      const response = await send(url, body, false, context.signal)
      return converseResponseToParts(await readJson(response, url, context.signal), names)
    },

    async chatStream (input, context) {
      const { request, profile, betas, invoke } = await prepare(input, context)
      const names = new ToolNameMap()
      const body = invoke ? invokeBody(request, profile, betas, context) : JSON.stringify(toConverseRequest(request, { profile, names, betas, onThinkingOff: thinkingOff(context, request.model) }))
      const url = urlFor(request.model, invoke ? 'invoke-with-response-stream' : 'converse-stream')
      const response = await send(url, body, true, context.signal)
      return invoke ? invokeStreamParts(response, url, context.signal) : converseStreamParts(response, url, names, context.signal)
    },

    /** The runtime has no read-only call; the control plane looks the configured model up (bedrock-health.ts). */
    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const lookup = modelLookup(options.model)
      const url = new URL(`${options.controlEndpoint.replace(/\/+$/, '')}${lookup.path}`)
      const headers = await authHeaders(options.auth, url, { accept: 'application/json' }, '', 'GET')
      let body: Record<string, unknown>
      try {
        const response = await client.send({ provider: 'bedrock', method: 'GET', url: url.toString(), headers, signal, mapError: mapBedrockHttpError })
        body = await readJson(response, url, signal)
      } catch (error) {
        throw probeFailure(error, lookup.operation)
      }
      return { latencyMs: Date.now() - started, ...lookup.judge(body, url.origin) }
    }
  }
}

async function * converseStreamParts (response: UpstreamResponse, url: URL, names: ToolNameMap, signal: AbortSignal): AsyncGenerator<UpstreamPart> {
  const parser = new ConverseStreamParser(names)
  try {
    for await (const message of readEventStream(response.body)) {
      yield * parser.push(message)
      if (parser.done) return
    }
  } catch (error) {
    throw streamFailure(error, url, signal)
  }
  // Usage comes after messageStop; a stream cut before messageStop is a failure, not an answer.
  if (!parser.stoppedMessage && !signal.aborted) throw truncated()
}

/**
 * invoke-with-response-stream: `chunk` events whose payload is `{"bytes": "<base64 Anthropic SSE event JSON>", "p": …}`.
 * The decoded events go through the same Anthropic parser as any Anthropic-format upstream.
 */
async function * invokeStreamParts (response: UpstreamResponse, url: URL, signal: AbortSignal): AsyncGenerator<UpstreamPart> {
  const parser = new AnthropicStreamParser('bedrock')
  try {
    for await (const message of readEventStream(response.body)) {
      const type = message.headers[':message-type'] ?? 'event'
      const text = Buffer.from(message.body).toString('utf8')
      let payload: Record<string, unknown> = {}
      try { payload = text === '' ? {} : JSON.parse(text) } catch {}
      if (type === 'exception') {
        yield { type: 'error', error: bedrockError(message.headers[':exception-type'], typeof payload.message === 'string' ? payload.message : text, { body: payload }) }
        return
      }
      if (type === 'error') {
        yield { type: 'error', error: bedrockError(message.headers[':error-code'], message.headers[':error-message'] ?? text) }
        return
      }
      if (message.headers[':event-type'] !== 'chunk' || typeof payload.bytes !== 'string') continue
      let event: Record<string, unknown>
      try { event = JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8')) } catch { continue }
      yield * parser.push(event)
      if (parser.done) return
    }
  } catch (error) {
    throw streamFailure(error, url, signal)
  }
  if (!parser.done && !signal.aborted) throw truncated()
}

function streamFailure (error: unknown, url: URL, signal: AbortSignal): unknown {
  if (error instanceof LynkrError || signal.aborted) return error
  const mapped = transportError({ provider: 'bedrock', url: url.toString(), signal }, error)
  if (mapped instanceof LynkrError && mapped.code !== 'LYNKR_UPSTREAM_UNREACHABLE') return mapped
  // Framing errors (bad CRC, impossible length) and dropped connections.
  return new LynkrError('api_error', `bedrock event stream failed: ${(error as Error).message ?? String(error)}`, { status: 502, provider: 'bedrock', cause: error, code: 'LYNKR_BEDROCK_STREAM_BROKEN' })
}

function truncated (): LynkrError {
  return new LynkrError('api_error', 'bedrock upstream closed the event stream before the message ended', { status: 502, provider: 'bedrock', code: 'LYNKR_UPSTREAM_STREAM_TRUNCATED' })
}
