// OpenAI Chat Completions: https://platform.openai.com/docs/api-reference/chat
import type { ChatRequest, HealthStatus, ModelInfo, PromptCacheKind, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { UpstreamClient, readSseEvents, streamEndMissing, transformPartList, transformPartStream, transportError } from '@lynkr/core'
import type { PartTransform } from '@lynkr/core'
import type { OpenAIChatBody } from './openai-chat-types.ts'
import { toOpenAIRequest } from './to-openai-request.ts'
import type { OpenAIRequestQuirks } from './to-openai-request.ts'
import { openAIChunkToParts, openAICompletionToParts, streamErrorPart } from './parse-openai-response.ts'
import { ToolCallIndices } from './tool-call-indices.ts'
import { leadingThinkTags } from './think-tags.ts'

export interface OpenAICompatibleOptions {
  /** Provider id (openai, openrouter, llamacpp…). */
  id: string
  /** The full chat-completions URL, or one per request when the model is part of the URL (Azure deployments, Databricks endpoints). */
  chatUrl: string | ((request: ChatRequest) => string)
  model: string
  /** Extra headers on every call (auth, attribution). */
  headers: Record<string, string>
  /** Auth headers that change between calls (a refreshed Entra ID token), merged over `headers`; static keys stay in `headers`. */
  authHeaders?: () => Promise<Record<string, string>>
  quirks: OpenAIRequestQuirks
  client: UpstreamClient
  /** URL probed by /health/ready?deep=true (a models list). */
  healthUrl?: string
  /** Provider fields the shared translation does not know (OpenRouter `reasoning`, Databricks `thinking`…). */
  finishBody?: (body: OpenAIChatBody, request: ChatRequest) => OpenAIChatBody
  /** Replaces the chunk parser, e.g. to read fields only one provider sends (it may call openAIChunkToParts). */
  parseChunk?: (chunk: Record<string, unknown>) => UpstreamPart[]
  /** Replaces the whole-reply parser (see parseChunk). */
  parseCompletion?: (completion: Record<string, unknown>) => UpstreamPart[]
  /** Per-call rewrites of the parsed parts (inline `<think>`/`<tool_call>` recovery, tool-id mapping). */
  partTransforms?: (request: ChatRequest) => PartTransform[]
  /** Recover a `<think>…</think>` the answer opens with as reasoning (cloud upstreams, `<PREFIX>_THINK_TAGS`). */
  leadingThinkTags?: boolean
  /**
   * How the upstream caches prompts when breakpoints are not kept (`quirks.cacheControl`): most
   * OpenAI-compatible servers reuse a repeated prefix by themselves (the default).
   */
  promptCache?: PromptCacheKind
}

/**
 * Accepts a base URL (`https://api.openai.com/v1`) or the full `/chat/completions` URL. `rootPath` is used
 * when the URL has no path at all (`http://localhost:1234` → `/v1` for LM Studio and llama.cpp).
 */
export function chatCompletionsUrl (endpoint: string, rootPath = ''): string {
  const url = new URL(endpoint)
  if (rootPath !== '' && (url.pathname === '' || url.pathname === '/')) url.pathname = rootPath
  if (!url.pathname.endsWith('/chat/completions')) url.pathname = url.pathname.replace(/\/+$/, '') + '/chat/completions'
  return url.toString()
}

/** The generic adapter every OpenAI-compatible provider is a preset of. */
export function createOpenAICompatibleAdapter (options: OpenAICompatibleOptions): ProviderAdapter {
  const { id, client } = options
  const urlFor = (request: ChatRequest): string => typeof options.chatUrl === 'string' ? options.chatUrl : options.chatUrl(request)
  // Static headers go out as they are (no await on the hot path); per-call auth is merged over them.
  const { authHeaders } = options
  const withAuth = async (): Promise<Record<string, string>> => ({ ...options.headers, ...(await authHeaders!()) })
  const transformsFor = (request: ChatRequest): PartTransform[] => [
    ...(options.leadingThinkTags === true ? [leadingThinkTags()] : []),
    ...options.partTransforms?.(request) ?? []
  ]

  async function post (request: ChatRequest, stream: boolean, signal: AbortSignal) {
    const translated = toOpenAIRequest({ ...request, stream }, options.quirks)
    const body = JSON.stringify(options.finishBody === undefined ? translated : options.finishBody(translated, request))
    const headers = authHeaders === undefined ? options.headers : await withAuth()
    return await client.send({ provider: id, url: urlFor(request), headers, body, signal })
  }

  return {
    specificationVersion: 'v1',
    id,
    defaultModel: options.model,
    capabilities: (model) => ({ promptCache: options.quirks.cacheControl?.(model) === true ? 'anthropic-breakpoints' : options.promptCache ?? 'automatic-prefix' }),
    listModels: (): ModelInfo[] => [{ id: options.model, provider: id }],

    async chat (request, context) {
      const response = await post(request, false, context.signal)
      const chatUrl = urlFor(request)
      let text: string
      try { text = await response.body.text() } catch (error) { throw transportError({ provider: id, url: chatUrl, signal: context.signal }, error) }
      let completion: Record<string, unknown>
      try { completion = JSON.parse(text) } catch (error) {
        throw new LynkrError('api_error', `${id} upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: id, cause: error })
      }
      if (completion.error !== undefined && completion.error !== null) {
        const part = streamErrorPart(id, completion)
        throw (part as Extract<UpstreamPart, { type: 'error' }>).error
      }
      const parts = options.parseCompletion === undefined ? openAICompletionToParts(id, completion) : options.parseCompletion(completion)
      return transformPartList(parts, transformsFor(request))
    },

    async chatStream (request, context) {
      const response = await post(request, true, context.signal)
      const chatUrl = urlFor(request)
      const parseChunk = options.parseChunk ?? ((chunk: Record<string, unknown>) => openAIChunkToParts(id, chunk))
      const parts = (async function * (): AsyncGenerator<UpstreamPart> {
        // The stream is whole once it said [DONE] or gave a finish_reason (some servers never send [DONE]).
        let finished = false
        let events = 0
        try {
          for await (const event of readSseEvents(response.body)) {
            if (event.data === '[DONE]') {
              if (!finished) yield { type: 'finish', reason: null }
              return
            }
            let chunk: Record<string, unknown>
            try { chunk = JSON.parse(event.data) } catch { continue }
            events++
            for (const part of parseChunk(event.event === 'error' ? { error: chunk.error ?? chunk } : chunk)) {
              if (part.type === 'finish' || part.type === 'error') finished = true
              yield part
            }
          }
        } catch (error) {
          throw transportError({ provider: id, url: chatUrl, signal: context.signal }, error)
        }
        if (!finished && !context.signal.aborted) throw streamEndMissing({ provider: id, expected: 'data: [DONE]', events, body: response.body, contentType: response.headers['content-type'] })
      })()
      // Tool-call indices first: every later transform sees one index per call.
      return transformPartStream(parts, [new ToolCallIndices(), ...transformsFor(request)])
    },

    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const url = options.healthUrl ?? (typeof options.chatUrl === 'string' ? options.chatUrl : options.chatUrl({ model: options.model } as ChatRequest)).replace(/\/chat\/completions(\?.*)?$/, '/models$1')
      const response = await client.send({ provider: id, method: 'GET', url, headers: authHeaders === undefined ? options.headers : await withAuth(), signal })
      await response.body.dump()
      return { ok: true, latencyMs: Date.now() - started, detail: `${new URL(url).origin} answered` }
    }
  }
}
