import type { ChatRequest, HealthStatus, ModelInfo, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { LynkrError, definedFields, isWebSearchTool, looksLikeContextOverflow } from '@lynkr/protocol'
import { WebSearchAnswer, promptQuery } from '@lynkr/web-search'
import { UpstreamClient, applyModelLimits, credentialsRefused, lookupModelLimits, mapUpstreamError, readSseEvents, streamEndMissing, transformPartList, transformPartStream, transportError, upstreamErrorMessage, urlPathSegment } from '@lynkr/core'
import type { ModelLimits, ModelLimitsTable } from '@lynkr/core'
import { geminiSearchApplies, toGeminiRequest } from './to-gemini-request.ts'
import { geminiChunkToParts } from './parse-gemini-response.ts'

export interface VertexAdapterOptions {
  /** Up to the models collection: `https://generativelanguage.googleapis.com/v1beta`. */
  baseUrl: string
  apiKey: string
  model: string
  limits?: ModelLimits
  client: UpstreamClient
}

/** Gemini context windows and output caps (Google's model pages). */
export const GEMINI_MODEL_LIMITS: ModelLimitsTable = [
  [/gemini-3/i, { contextWindow: 1_048_576, maxOutputTokens: 65_536 }],
  [/gemini-2\.5/i, { contextWindow: 1_048_576, maxOutputTokens: 65_536 }],
  [/gemini-2\.0/i, { contextWindow: 1_048_576, maxOutputTokens: 8192 }],
  [/gemini-1\.5-pro/i, { contextWindow: 2_097_152, maxOutputTokens: 8192 }],
  [/gemini-1\.5/i, { contextWindow: 1_048_576, maxOutputTokens: 8192 }],
  [/gemini/i, { contextWindow: 1_048_576, maxOutputTokens: 8192 }]
]

/** Google's machine-readable reason (`google.rpc.ErrorInfo` in `error.details`). */
function errorReason (body: unknown): string | undefined {
  const details = (body as { error?: { details?: unknown } } | null)?.error?.details
  if (!Array.isArray(details)) return undefined
  const info = details.find((detail) => typeof (detail as { reason?: unknown } | null)?.reason === 'string') as { reason: string } | undefined
  return info?.reason
}

/**
 * Gemini words overflow as "The input token count (N) exceeds the maximum number of tokens allowed (M)", and
 * answers a bad API key with 400 INVALID_ARGUMENT (reason API_KEY_INVALID), not 401: that is the gateway's
 * key being refused, a 502 like every upstream's 401/403.
 */
export function mapGeminiError (status: number, text: string, headers: Record<string, string | string[] | undefined>): LynkrError {
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  const message = upstreamErrorMessage(body, `HTTP ${status}`)
  const reason = errorReason(body)
  if (reason === 'API_KEY_INVALID') return credentialsRefused('vertex', `HTTP ${status} ${reason}`, message, body)
  if (status === 400 && (/input token count.*exceeds the maximum/i.test(message) || looksLikeContextOverflow(message))) {
    return new LynkrError('context_length_exceeded', `prompt is too long: ${message}`, { status: 400, provider: 'vertex', upstreamBody: body, code: 'LYNKR_UPSTREAM_CONTEXT_LENGTH' })
  }
  return mapUpstreamError('vertex', status, text, headers)
}

export function createVertexAdapter (options: VertexAdapterOptions): ProviderAdapter {
  const { client } = options
  const base = options.baseUrl.replace(/\/+$/, '')
  const headers = { 'x-goog-api-key': options.apiKey }
  const vertexAI = /(^|\.)aiplatform\.googleapis\.com$/i.test(new URL(base).hostname)
  /** A grounded answer is held until Gemini's grounding metadata says what was searched (WebSearchAnswer). */
  const groundedTransforms = (request: ChatRequest): WebSearchAnswer[] =>
    geminiSearchApplies(request) ? [new WebSearchAnswer({ provider: 'vertex', fallbackQuery: promptQuery(request) })] : []
  const url = (model: string, stream: boolean): string =>
    `${base}/models/${urlPathSegment(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`

  async function post (input: Parameters<ProviderAdapter['chat']>[0], stream: boolean, signal: AbortSignal) {
    const table = lookupModelLimits(GEMINI_MODEL_LIMITS, input.model)
    const limits = table === undefined && options.limits === undefined ? undefined : { ...table, ...options.limits }
    const request = await applyModelLimits(input, limits, 'vertex')
    const target = url(request.model, stream)
    const response = await client.send({ provider: 'vertex', url: target, headers, body: JSON.stringify(toGeminiRequest(request, { vertexAI })), signal, mapError: mapGeminiError })
    return { response, target }
  }

  return {
    specificationVersion: 'v1',
    id: 'vertex',
    defaultModel: options.model,
    signatureFamily: () => 'gemini',
    supportsServerTool: (tool, request) => isWebSearchTool(tool) && geminiSearchApplies(request),
    capabilities: (model) => {
      const limits = { ...lookupModelLimits(GEMINI_MODEL_LIMITS, model), ...options.limits }
      // Gemini caches a repeated prefix implicitly (reads at a quarter of the input price, from the price table).
      return definedFields({ promptCache: 'automatic-prefix' as const, contextWindow: limits.contextWindow, maxOutputTokens: limits.maxOutputTokens })
    },
    listModels: (): ModelInfo[] => {
      const limits = lookupModelLimits(GEMINI_MODEL_LIMITS, options.model)
      return [{ id: options.model, provider: 'vertex', contextWindow: limits?.contextWindow, maxOutputTokens: limits?.maxOutputTokens }]
    },

    async chat (request, context) {
      const { response, target } = await post(request, false, context.signal)
      let text: string
      try { text = await response.body.text() } catch (error) { throw transportError({ provider: 'vertex', url: target, signal: context.signal }, error) }
      let reply: Record<string, unknown>
      try { reply = JSON.parse(text) } catch (error) {
        throw new LynkrError('api_error', `vertex upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: 'vertex', cause: error })
      }
      const parts = geminiChunkToParts(reply)
      const failure = parts.find((part) => part.type === 'error')
      if (failure !== undefined) throw (failure as Extract<UpstreamPart, { type: 'error' }>).error
      return transformPartList([{ type: 'response-start' }, ...parts], groundedTransforms(request))
    },

    async chatStream (request, context) {
      const { response, target } = await post(request, true, context.signal)
      const parts = (async function * (): AsyncGenerator<UpstreamPart> {
        yield { type: 'response-start' }
        // A Gemini stream is whole once a candidate gave its finishReason (or the prompt was blocked).
        let finished = false
        let events = 0
        try {
          for await (const event of readSseEvents(response.body)) {
            let chunk: Record<string, unknown>
            try { chunk = JSON.parse(event.data) } catch { continue }
            events++
            for (const part of geminiChunkToParts(chunk)) {
              if (part.type === 'finish' || part.type === 'error') finished = true
              yield part
            }
          }
        } catch (error) {
          throw transportError({ provider: 'vertex', url: target, signal: context.signal }, error)
        }
        if (!finished && !context.signal.aborted) throw streamEndMissing({ provider: 'vertex', expected: 'a finishReason', events, body: response.body, contentType: response.headers['content-type'] })
      })()
      return transformPartStream(parts, groundedTransforms(request))
    },

    /**
     * countTokens on the configured model: the one read-only method both the Gemini API and Vertex AI express
     * mode serve with an API key (express mode has no models.get). It is free, generates nothing, and checks
     * the key, the endpoint and the model at once.
     */
    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const target = `${base}/models/${encodeURIComponent(options.model)}:countTokens`
      const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'ping' }] }] })
      const response = await client.send({ provider: 'vertex', url: target, headers, body, signal, mapError: mapGeminiError })
      await response.body.dump()
      return { ok: true, latencyMs: Date.now() - started, detail: `${new URL(base).origin} accepted the API key and counted tokens for ${options.model}; nothing was generated` }
    }
  }
}
