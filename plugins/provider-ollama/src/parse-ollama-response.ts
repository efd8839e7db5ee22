import type { UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError, looksLikeContextOverflow } from '@lynkr/protocol'

interface OllamaChunk {
  message?: { content?: string, thinking?: string, tool_calls?: Array<{ id?: string, function?: { name?: string, arguments?: unknown } }> }
  done?: boolean
  done_reason?: string
  prompt_eval_count?: number
  eval_count?: number
  error?: string
}

/**
 * One Ollama chat object (a stream line, or the whole non-stream reply) to parts. Tool calls arrive whole;
 * `done_reason` is "stop" even after tool calls, which the assembler corrects from what it saw.
 */
export function ollamaChunkToParts (chunk: unknown, parts: UpstreamPart[] = []): UpstreamPart[] {
  const data = chunk as OllamaChunk
  if (typeof data.error === 'string') {
    const kind = looksLikeContextOverflow(data.error) ? 'context_length_exceeded' : 'api_error'
    const message = kind === 'context_length_exceeded' ? `prompt is too long: ${data.error}` : `ollama: ${data.error}`
    parts.push({ type: 'error', error: new LynkrError(kind, message, { status: kind === 'api_error' ? 502 : 400, provider: 'ollama' }) })
    return parts
  }
  const message = data.message
  if (message?.thinking) parts.push({ type: 'reasoning-delta', text: message.thinking })
  if (message?.content) parts.push({ type: 'text-delta', text: message.content })
  for (const call of message?.tool_calls ?? []) {
    if (typeof call.function?.name !== 'string') continue
    parts.push({ type: 'tool-call', id: call.id, name: call.function.name, input: call.function.arguments ?? {} })
  }
  if (data.done === true) {
    // prompt_eval_count is absent when the KV cache covered the prompt: leave the input estimate in place.
    const usage: Partial<Usage> = { output_tokens: data.eval_count ?? 0 }
    if (typeof data.prompt_eval_count === 'number') usage.input_tokens = data.prompt_eval_count
    parts.push({ type: 'usage', usage })
    parts.push({ type: 'finish', reason: data.done_reason === 'length' ? 'max_tokens' : 'end_turn' })
  }
  return parts
}
