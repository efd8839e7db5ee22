import type { CallContext, ChatRequest, HealthStatus, ModelInfo, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { CLAUDE_SIGNATURES, LynkrError, definedFields } from '@lynkr/protocol'
import { UpstreamClient, applyModelLimits, withOutputBudget, mapUpstreamError, parseRetryAfter, readSseEvents, streamEndMissing, transportError, upstreamErrorMessage } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { filterBetas, parseBetaHeader } from './betas.ts'
import type { BetaAllowList } from './betas.ts'
import { runsServerToolNamed, servesServerTool } from './server-tools.ts'
import type { ServerToolList } from './server-tools.ts'
import { claudeModelInfo } from './claude-models.ts'
import { toAnthropicRequest } from './to-anthropic-request.ts'
import { takesTopLevelField } from './top-level-fields.ts'
import { AnthropicStreamParser, anthropicError, anthropicMessageToParts } from './parse-anthropic-response.ts'

export interface AnthropicMessagesAdapterOptions {
  /** Provider id (azure-anthropic, zai…). */
  id: string
  /** The full Messages URL (`…/v1/messages`). */
  messagesUrl: string
  /**
   * The upstream model for requests routed here by default. Undefined: the model the client named is
   * passed through (any Anthropic endpoint serving Claude Code's own model names).
   */
  model?: string
  /** Shown as the default model when `model` is undefined. */
  fallbackModel: string
  /** Auth headers (`x-api-key`, `authorization`…). */
  headers: Record<string, string>
  /** Auth headers that change between calls (a refreshed Entra ID token), merged over `headers`. */
  authHeaders?: () => Promise<Record<string, string>>
  /** Sent when the client did not send `anthropic-version`. */
  anthropicVersion: string
  betas: BetaAllowList
  /** The server tools (web search…) the endpoint runs; others get core's notice instead. */
  serverTools: ServerToolList
  systemMessages: 'keep' | 'hoist'
  client: UpstreamClient
  /** For models the Claude table does not know: whether they take `thinking: {type: "adaptive"}` (undefined: forward as is). */
  adaptiveThinking?: boolean
  /** Per-model limits that override the built-in Claude table (and cover non-Claude models behind the endpoint). */
  limits?: (model: string, betas: readonly string[]) => ModelLimits | undefined
  /** Whose thinking signatures the endpoint issues and verifies (default: Claude's; Z.AI's GLM has its own). */
  signatureFamily?: string
}

/** Accepts a base URL (`https://x.services.ai.azure.com/anthropic`) or the full `/v1/messages` URL. */
export function messagesUrl (endpoint: string): string {
  const url = new URL(endpoint)
  let path = url.pathname.replace(/\/+$/, '')
  if (!path.endsWith('/messages')) path = path.endsWith('/v1') ? `${path}/messages` : `${path}/v1/messages`
  url.pathname = path
  return url.toString()
}

function header (headers: CallContext['headers'], name: string): string | undefined {
  const value = headers?.[name]
  return Array.isArray(value) ? value.join(',') : value
}

/**
 * Any Anthropic Messages endpoint. The body is rebuilt from the internal request with the client's own
 * blocks (signatures, cache_control and unknown fields preserved), `anthropic-version` is forwarded,
 * `anthropic-beta` is filtered to what the target accepts, and upstream errors keep their Anthropic body
 * so Claude Code sees them unmodified.
 */
export function createAnthropicMessagesAdapter (options: AnthropicMessagesAdapterOptions): ProviderAdapter {
  const { id, client } = options
  const defaultModel = options.model ?? options.fallbackModel

  async function post (request: ChatRequest, stream: boolean, context: CallContext) {
    const model = request.model
    const betas = filterBetas(parseBetaHeader(context.headers?.['anthropic-beta']), options.betas)
    const claude = claudeModelInfo(model, { betas })
    const configured = options.limits?.(model, betas)
    const limits = claude === undefined && configured === undefined ? undefined : { ...pickLimits(claude), ...configured }
    const limited = await applyModelLimits(withOutputBudget({ ...request, model }, limits), limits, id)
    const body = toAnthropicRequest(limited, {
      model,
      stream,
      systemMessages: options.systemMessages,
      betas,
      adaptiveThinking: claude?.adaptiveThinking ?? options.adaptiveThinking,
      onThinkingOff: (reason) => { context.log.debug({ provider: id, model }, `thinking left off for this request: ${reason}`) },
      runsServerTool: (name) => runsServerToolNamed(name, options.serverTools)
    })
    const headers: Record<string, string> = {
      ...options.headers,
      ...(options.authHeaders === undefined ? undefined : await options.authHeaders()),
      'anthropic-version': header(context.headers, 'anthropic-version') ?? options.anthropicVersion,
      accept: stream ? 'text/event-stream' : 'application/json'
    }
    if (betas.length > 0) headers['anthropic-beta'] = betas.join(',')
    return await client.send({
      provider: id,
      url: options.messagesUrl,
      headers,
      body: JSON.stringify(body),
      signal: context.signal,
      mapError: (status, text, responseHeaders) => {
        let parsed: unknown
        try { parsed = JSON.parse(text) } catch {}
        const record = parsed as { type?: unknown } | undefined
        // Anthropic-format error bodies pass through unmodified (their own status; 401/403 stay a 502 for the
        // client, as for every upstream, since it is the gateway's key that was refused).
        if (record?.type === 'error' && status !== 401 && status !== 403) {
          const error = anthropicError(id, parsed, status)
          return new LynkrError(error.kind, error.message, {
            status: error.kind === 'context_length_exceeded' ? 400 : status,
            provider: id,
            upstreamBody: parsed,
            code: error.code,
            retryAfter: parseRetryAfter(responseHeaders['retry-after'])
          })
        }
        return mapUpstreamError(id, status, text, responseHeaders)
      }
    })
  }

  return {
    specificationVersion: 'v1',
    id,
    defaultModel,
    // No model configured: a request routed here by default goes to the model the client named.
    ...(options.model === undefined ? { defaultModelFor: (request: ChatRequest) => request.clientModel.includes(':') ? defaultModel : request.clientModel } : {}),
    signatureFamily: () => options.signatureFamily ?? CLAUDE_SIGNATURES,
    // Anthropic's format: the server tools the endpoint runs go through as the client sent them.
    supportsServerTool: (tool) => servesServerTool(tool, options.serverTools),
    supportsTopLevelField: (field, _request, context) => takesTopLevelField(field, filterBetas(parseBetaHeader(context.headers?.['anthropic-beta']), options.betas)),
    capabilities: (model) => {
      const claude = claudeModelInfo(model, { betas: [] })
      const limits = { ...pickLimits(claude), ...options.limits?.(model, []) }
      // Anthropic prices a cache read at a tenth of fresh input; other models here come from the price table.
      return { promptCache: 'anthropic-breakpoints', ...(claude === undefined ? {} : { cacheReadPriceRatio: 0.1 }), ...definedFields(limits) }
    },
    listModels: (): ModelInfo[] => [{ id: defaultModel, provider: id }],

    async chat (request, context) {
      const response = await post(request, false, context)
      let text: string
      try { text = await response.body.text() } catch (error) { throw transportError({ provider: id, url: options.messagesUrl, signal: context.signal }, error) }
      let message: unknown
      try { message = JSON.parse(text) } catch (error) {
        throw new LynkrError('api_error', `${id} upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: id, cause: error })
      }
      return anthropicMessageToParts(id, message)
    },

    async chatStream (request, context) {
      const response = await post(request, true, context)
      return parseAnthropicSse(id, response.body, { url: options.messagesUrl, signal: context.signal, contentType: response.headers['content-type'] })
    },

    /**
     * Not every Anthropic-format target has a models list (Microsoft Foundry has none), so the probe asks the
     * Messages endpoint itself with a body that has no messages: the key is checked before the body, so a
     * 400 proves the endpoint answers and accepts the credentials without running (or billing) the model.
     * The configured model goes along, so a missing deployment is reported too.
     */
    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const origin = new URL(options.messagesUrl).origin
      let refused: string
      try {
        const response = await client.send({
          provider: id,
          url: options.messagesUrl,
          headers: { ...options.headers, ...(await options.authHeaders?.()), 'anthropic-version': options.anthropicVersion },
          body: JSON.stringify(options.model === undefined ? {} : { model: options.model }),
          signal
        })
        await response.body.dump()
        return { ok: true, latencyMs: Date.now() - started, detail: `${origin} answered a request without messages; the model was not called` }
      } catch (error) {
        // 401/403 arrive as 502 LYNKR_UPSTREAM_AUTH, unreachable and 5xx as themselves: those are the answer.
        if (!(error instanceof LynkrError) || (error.status !== 400 && error.status !== 422)) throw error
        refused = upstreamErrorMessage(error.upstreamBody, error.message)
      }
      return {
        ok: true,
        latencyMs: Date.now() - started,
        detail: `${origin} accepted the credentials (a request without messages was refused as invalid: ${refused}); the model was not called`
      }
    }
  }
}

/** An Anthropic SSE body → parts; shared by every Anthropic-format upstream. */
export async function * parseAnthropicSse (provider: string, body: AsyncIterable<Uint8Array | string>, call: { url: string, signal: AbortSignal, contentType?: string | string[] }): AsyncGenerator<UpstreamPart> {
  const parser = new AnthropicStreamParser(provider)
  let events = 0
  try {
    for await (const event of readSseEvents(body)) {
      if (event.data === '[DONE]') continue // OpenRouter's Anthropic endpoint appends one after message_stop
      let data: Record<string, unknown>
      try { data = JSON.parse(event.data) } catch { continue }
      events++
      yield * parser.push(data)
      if (parser.done) return
    }
  } catch (error) {
    throw transportError({ provider, url: call.url, signal: call.signal }, error)
  }
  if (!call.signal.aborted) throw streamEndMissing({ provider, expected: 'message_stop', events, body, contentType: call.contentType })
}

function pickLimits (info: ModelLimits | undefined): ModelLimits {
  return info === undefined ? {} : { contextWindow: info.contextWindow, maxOutputTokens: info.maxOutputTokens }
}
