// Ollama native chat API: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
import type { CallContext, ChatRequest, HealthStatus, ModelInfo, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { UpstreamClient, applyModelLimits, localWindowLimits, readNdjsonLines, singleToolCallFor, streamEndMissing, transportError, withPartTransforms } from '@lynkr/core'
import { inlineMarkupFor } from '@lynkr/inline-markup'
import { toOllamaRequest } from './to-ollama-request.ts'
import type { OllamaRequestOptions } from './to-ollama-request.ts'
import { ollamaChunkToParts } from './parse-ollama-response.ts'

export interface OllamaAdapterOptions extends OllamaRequestOptions {
  endpoint: string
  model: string
  apiKey?: string
  /** The least answer room a prompt must leave in num_ctx (default: core's). */
  minOutputTokens?: number
  /** The most num_predict asked for (default: num_ctx). */
  maxOutputTokens?: number
  client: UpstreamClient
}

/**
 * Tools are always sent (no list of "tool-capable" models); tool calls and `<think>` reasoning a model
 * prints as text instead of Ollama parsing them are recovered by the shared inline-markup transform.
 */
export function createOllamaAdapter (options: OllamaAdapterOptions): ProviderAdapter {
  // Ollama has no switch for parallel tool calls: disable_parallel_tool_use keeps the first call only.
  return withPartTransforms(createNativeOllamaAdapter(options), (request) => [inlineMarkupFor(request), ...singleToolCallFor(request)])
}

function createNativeOllamaAdapter (options: OllamaAdapterOptions): ProviderAdapter {
  const chatUrl = new URL('api/chat', options.endpoint.endsWith('/') ? options.endpoint : options.endpoint + '/').toString()
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}
  // num_ctx less the chat template's share, the output cap: the same fitting as every local server.
  const limits = localWindowLimits({ contextWindow: options.numCtx, maxOutputTokens: options.maxOutputTokens, minOutputTokens: options.minOutputTokens })
  const outputCap = limits.maxOutputTokens ?? options.numCtx

  async function post (input: ChatRequest, stream: boolean, context: CallContext) {
    // Ollama cuts a prompt longer than num_ctx down to half the window and says nothing: the agent would lose
    // its instructions and early turns. Refused instead, so Claude Code compacts. num_predict shares num_ctx
    // with the prompt: num_predict = min(max_tokens, what the prompt and the template leave, the output cap).
    const request = await applyModelLimits(input, limits, 'ollama')
    const body = JSON.stringify(toOllamaRequest({ ...request, stream }, options))
    return await options.client.send({ provider: 'ollama', url: chatUrl, headers, body, signal: context.signal })
  }

  return {
    specificationVersion: 'v1',
    id: 'ollama',
    defaultModel: options.model,
    // The window is num_ctx, whatever the model could do: Ollama cuts what does not fit.
    capabilities: () => ({ promptCache: 'automatic-prefix', contextWindow: options.numCtx, maxOutputTokens: outputCap, local: true }),
    listModels: (): ModelInfo[] => [{ id: options.model, provider: 'ollama', contextWindow: options.numCtx, maxOutputTokens: outputCap }],

    async chat (request, context) {
      const response = await post(request, false, context)
      let text: string
      try { text = await response.body.text() } catch (error) { throw transportError({ provider: 'ollama', url: chatUrl, signal: context.signal }, error) }
      let reply: unknown
      try { reply = JSON.parse(text) } catch (error) {
        throw new LynkrError('api_error', `ollama upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: 'ollama', cause: error })
      }
      // A 200 whose body is {"error": …} is a failure, not an empty answer.
      const parts = ollamaChunkToParts(reply)
      const failure = parts.find((part): part is Extract<UpstreamPart, { type: 'error' }> => part.type === 'error')
      if (failure !== undefined) throw failure.error
      return parts
    },

    async chatStream (request, context) {
      const response = await post(request, true, context)
      return (async function * (): AsyncGenerator<UpstreamPart> {
        let finished = false
        let events = 0
        try {
          for await (const line of readNdjsonLines(response.body)) {
            events++
            for (const part of ollamaChunkToParts(line)) {
              if (part.type === 'finish' || part.type === 'error') finished = true
              yield part
            }
          }
        } catch (error) {
          // A line that is not JSON: the body is no Ollama stream (an HTML page, a proxy's text).
          if (error instanceof SyntaxError) throw streamEndMissing({ provider: 'ollama', expected: 'done: true', events, body: response.body, contentType: response.headers['content-type'] })
          throw transportError({ provider: 'ollama', url: chatUrl, signal: context.signal }, error)
        }
        if (!finished && !context.signal.aborted) throw streamEndMissing({ provider: 'ollama', expected: 'done: true', events, body: response.body, contentType: response.headers['content-type'] })
      })()
    },

    async checkHealth ({ signal }): Promise<HealthStatus> {
      const started = Date.now()
      const response = await options.client.send({ provider: 'ollama', method: 'GET', url: new URL('api/tags', chatUrl.replace(/api\/chat$/, '')).toString(), headers, signal })
      const tags = await response.body.json() as { models?: Array<{ name?: string }> }
      const names = (tags.models ?? []).map((model) => model.name ?? '')
      const wanted = options.model.includes(':') ? options.model : `${options.model}:latest`
      const present = names.includes(options.model) || names.includes(wanted)
      return {
        ok: present,
        latencyMs: Date.now() - started,
        detail: present ? `model ${options.model} is available` : `model ${options.model} is not pulled (run: ollama pull ${options.model})`
      }
    }
  }
}
