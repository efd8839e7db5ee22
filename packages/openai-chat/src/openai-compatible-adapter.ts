// OpenAI Chat Completions: https://platform.openai.com/docs/api-reference/chat
import type { ChatRequest, HealthStatus, ModelInfo, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { UpstreamClient, readSseEvents, transportError } from '@lynkr/core'
import { toOpenAIRequest } from './to-openai-request.ts'
import type { OpenAIRequestQuirks } from './to-openai-request.ts'
import { openAIChunkToParts, openAICompletionToParts, streamErrorPart } from './parse-openai-response.ts'

export interface OpenAICompatibleOptions {
  /** Provider id (openai, openrouter, llamacpp…). */
  id: string
  /** The full chat-completions URL. */
  chatUrl: string
  model: string
  /** Extra headers on every call (auth, attribution). */
  headers: Record<string, string>
  quirks: OpenAIRequestQuirks
  client: UpstreamClient
  /** URL probed by /health/ready?deep=true (a models list). */
  healthUrl?: string
}

/** Accepts a base URL (`https://api.openai.com/v1`) or the full `/chat/completions` URL. */
export function chatCompletionsUrl (endpoint: string): string {
  const url = new URL(endpoint)
  if (!url.pathname.endsWith('/chat/completions')) url.pathname = url.pathname.replace(/\/+$/, '') + '/chat/completions'
  return url.toString()
}

/** The generic adapter every OpenAI-compatible provider is a preset of. */
export function createOpenAICompatibleAdapter (options: OpenAICompatibleOptions): ProviderAdapter {
  const { id, chatUrl, client } = options

  async function post (request: ChatRequest, stream: boolean, signal: AbortSignal) {
    const body = JSON.stringify(toOpenAIRequest({ ...request, stream }, options.quirks))
    return await client.send({ provider: id, url: chatUrl, headers: options.headers, body, signal })
  }

  return {
    specificationVersion: 'v1',
    id,
    defaultModel: options.model,
    listModels: (): ModelInfo[] => [{ id: options.model, provider: id }],

    async chat (request, context) {
      const response = await post(request, false, context.signal)
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
      return openAICompletionToParts(id, completion)
    },

    async chatStream (request, context) {
      const response = await post(request, true, context.signal)
      return (async function * (): AsyncGenerator<UpstreamPart> {
        try {
          for await (const event of readSseEvents(response.body)) {
            if (event.data === '[DONE]') return
            let chunk: Record<string, unknown>
            try { chunk = JSON.parse(event.data) } catch { continue }
            yield * openAIChunkToParts(id, event.event === 'error' ? { error: chunk.error ?? chunk } : chunk)
          }
        } catch (error) {
          throw transportError({ provider: id, url: chatUrl, signal: context.signal }, error)
        }
      })()
    },

    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const url = options.healthUrl ?? chatUrl.replace(/\/chat\/completions$/, '/models')
      const response = await client.send({ provider: id, method: 'GET', url, headers: options.headers, signal })
      await response.body.dump()
      return { ok: true, latencyMs: Date.now() - started, detail: `${new URL(url).origin} answered` }
    }
  }
}
