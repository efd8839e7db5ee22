import type { StopReason, UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError, looksLikeContextOverflow } from '@lynkr/protocol'
import { upstreamErrorMessage } from '@lynkr/core'
import type { OpenAIUsage } from './openai-chat-types.ts'

export function mapFinishReason (reason: unknown): StopReason | null {
  switch (reason) {
    case 'stop': return 'end_turn'
    case 'length': return 'max_tokens'
    case 'tool_calls': case 'function_call': return 'tool_use'
    case 'content_filter': return 'refusal'
    default: return null
  }
}

/** OpenAI prompt_tokens INCLUDE cached tokens; Anthropic input_tokens exclude them (protocols.md §3.5). */
export function fromOpenAIUsage (usage: OpenAIUsage): Partial<Usage> {
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const written = usage.prompt_tokens_details?.cache_write_tokens ?? 0
  const result: Partial<Usage> = {
    input_tokens: Math.max(0, (usage.prompt_tokens ?? 0) - cached - written),
    output_tokens: usage.completion_tokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: written
  }
  const reasoning = usage.completion_tokens_details?.reasoning_tokens
  if (typeof reasoning === 'number') result.reasoning_tokens = reasoning
  return result
}

interface ChoiceLike {
  message?: Record<string, unknown>
  delta?: Record<string, unknown>
  finish_reason?: unknown
}

/** Databricks returns content as an array of reasoning and text parts; everyone else a string. */
function pushContent (content: unknown, parts: UpstreamPart[]): void {
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text-delta', text: content })
    return
  }
  if (!Array.isArray(content)) return
  for (const item of content as Array<Record<string, unknown>>) {
    if (item.type === 'text' && typeof item.text === 'string') parts.push({ type: 'text-delta', text: item.text })
    else if (item.type === 'reasoning' && Array.isArray(item.summary)) {
      for (const summary of item.summary as Array<Record<string, unknown>>) {
        if (typeof summary.text === 'string') parts.push({ type: 'reasoning-delta', text: summary.text })
        if (typeof summary.signature === 'string') parts.push({ type: 'reasoning-signature', signature: summary.signature })
      }
    }
  }
}

function pushReasoning (source: Record<string, unknown>, parts: UpstreamPart[]): void {
  const reasoning = source.reasoning_content ?? source.reasoning
  if (typeof reasoning === 'string' && reasoning !== '') parts.push({ type: 'reasoning-delta', text: reasoning })
}

/** An in-stream `{"error":…}` chunk (OpenRouter, vLLM) as an error part. */
export function streamErrorPart (provider: string, body: unknown): UpstreamPart {
  const message = upstreamErrorMessage(body, 'upstream stream error')
  const overflow = looksLikeContextOverflow(message)
  return {
    type: 'error',
    error: new LynkrError(overflow ? 'context_length_exceeded' : 'api_error', overflow ? `prompt is too long: ${message}` : `${provider}: ${message}`, { status: overflow ? 400 : 502, provider })
  }
}

/** One SSE chunk (`chat.completion.chunk`) to parts. Tool-call fragments stay keyed by index. */
export function openAIChunkToParts (provider: string, chunk: Record<string, unknown>, parts: UpstreamPart[] = []): UpstreamPart[] {
  if (chunk.error !== undefined && chunk.error !== null) {
    parts.push(streamErrorPart(provider, chunk))
    return parts
  }
  const choice = (Array.isArray(chunk.choices) ? chunk.choices[0] : undefined) as ChoiceLike | undefined
  const delta = choice?.delta
  if (delta !== undefined && delta !== null) {
    pushReasoning(delta, parts)
    pushContent(delta.content, parts)
    const toolCalls = Array.isArray(delta.tool_calls) ? delta.tool_calls as Array<Record<string, unknown>> : []
    toolCalls.forEach((call, position) => {
      const fn = (call.function ?? {}) as { name?: string, arguments?: string }
      parts.push({
        type: 'tool-call-delta',
        index: typeof call.index === 'number' ? call.index : position,
        id: typeof call.id === 'string' ? call.id : undefined,
        name: typeof fn.name === 'string' && fn.name !== '' ? fn.name : undefined,
        argumentsDelta: typeof fn.arguments === 'string' ? fn.arguments : fn.arguments === undefined ? undefined : JSON.stringify(fn.arguments)
      })
    })
  }
  if (choice?.finish_reason !== undefined && choice.finish_reason !== null) parts.push({ type: 'finish', reason: mapFinishReason(choice.finish_reason) })
  if (chunk.usage !== undefined && chunk.usage !== null) parts.push({ type: 'usage', usage: fromOpenAIUsage(chunk.usage as OpenAIUsage) })
  return parts
}

/** A whole `chat.completion` reply to parts. */
export function openAICompletionToParts (provider: string, completion: Record<string, unknown>): UpstreamPart[] {
  const parts: UpstreamPart[] = []
  const choice = (Array.isArray(completion.choices) ? completion.choices[0] : undefined) as ChoiceLike | undefined
  const message = choice?.message ?? {}
  pushReasoning(message, parts)
  pushContent(message.content, parts)
  if (typeof message.refusal === 'string' && message.refusal !== '') parts.push({ type: 'text-delta', text: message.refusal })
  for (const call of (Array.isArray(message.tool_calls) ? message.tool_calls : []) as Array<Record<string, unknown>>) {
    const fn = (call.function ?? {}) as { name?: string, arguments?: unknown }
    if (typeof fn.name !== 'string') continue
    parts.push({ type: 'tool-call', id: typeof call.id === 'string' ? call.id : undefined, name: fn.name, input: fn.arguments ?? '{}' })
  }
  if (completion.usage !== undefined && completion.usage !== null) parts.push({ type: 'usage', usage: fromOpenAIUsage(completion.usage as OpenAIUsage) })
  parts.push({ type: 'finish', reason: mapFinishReason(choice?.finish_reason) })
  return parts
}
