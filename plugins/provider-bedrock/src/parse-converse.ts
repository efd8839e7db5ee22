import type { StopReason, UpstreamPart, Usage } from '@lynkr/protocol'
import { bedrockError } from './bedrock-errors.ts'
import type { EventStreamMessage } from './event-stream.ts'
import type { ToolNameMap } from './tool-names.ts'

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Converse stopReason → Anthropic stop_reason (protocols.md §6.4). */
export function mapConverseStopReason (reason: unknown): StopReason | null {
  switch (reason) {
    case 'end_turn': return 'end_turn'
    case 'tool_use': return 'tool_use'
    case 'max_tokens': return 'max_tokens'
    case 'stop_sequence': return 'stop_sequence'
    case 'guardrail_intervened':
    case 'content_filtered': return 'refusal'
    case 'model_context_window_exceeded': return 'model_context_window_exceeded'
    case 'malformed_model_output':
    case 'malformed_tool_use': return 'end_turn'
    default: return null
  }
}

/** Converse usage: inputTokens excludes cache reads and writes, like Anthropic's input_tokens. */
export function fromConverseUsage (usage: unknown): Partial<Usage> {
  if (!isObject(usage)) return {}
  const out: Partial<Usage> = {}
  if (typeof usage.inputTokens === 'number') out.input_tokens = usage.inputTokens
  if (typeof usage.outputTokens === 'number') out.output_tokens = usage.outputTokens
  if (typeof usage.cacheReadInputTokens === 'number') out.cache_read_input_tokens = usage.cacheReadInputTokens
  if (typeof usage.cacheWriteInputTokens === 'number') out.cache_creation_input_tokens = usage.cacheWriteInputTokens
  return out
}

function stopSequence (fields: unknown): string | null {
  return isObject(fields) && typeof fields.stop_sequence === 'string' ? fields.stop_sequence : null
}

/**
 * ConverseStream events → parts. Blocks are keyed by `contentBlockIndex`, never by arrival order: text
 * and reasoning blocks have no contentBlockStart and begin with their first delta, and a text block after
 * a tool call is a new index. Usage arrives in `metadata`, after messageStop. The JSON payloads carry a
 * `p` padding field, which is ignored.
 */
export class ConverseStreamParser {
  private readonly names: ToolNameMap
  private stopped = false
  private sawMetadata = false

  constructor (names: ToolNameMap) {
    this.names = names
  }

  /** True once both messageStop and metadata arrived (or an exception). */
  get done (): boolean { return this.stopped && this.sawMetadata }

  /** True once messageStop arrived: the message is complete even if metadata never comes. */
  get stoppedMessage (): boolean { return this.stopped }

  push (message: EventStreamMessage): UpstreamPart[] {
    const type = message.headers[':message-type'] ?? 'event'
    const text = Buffer.from(message.body).toString('utf8')
    let payload: Json = {}
    try { payload = text === '' ? {} : JSON.parse(text) } catch {}
    if (type === 'exception') {
      this.stopped = this.sawMetadata = true
      return [{ type: 'error', error: bedrockError(message.headers[':exception-type'], typeof payload.message === 'string' ? payload.message : text, { body: payload }) }]
    }
    if (type === 'error') {
      this.stopped = this.sawMetadata = true
      return [{ type: 'error', error: bedrockError(message.headers[':error-code'], message.headers[':error-message'] ?? text) }]
    }
    return this.event(message.headers[':event-type'] ?? '', payload)
  }

  event (eventType: string, payload: Json): UpstreamPart[] {
    switch (eventType) {
      case 'messageStart':
        return [{ type: 'response-start' }]
      case 'contentBlockStart': {
        const index = Number(payload.contentBlockIndex)
        const toolUse = isObject(payload.start) && isObject(payload.start.toolUse) ? payload.start.toolUse : undefined
        if (toolUse === undefined) return []
        return [{ type: 'tool-call-delta', index, id: String(toolUse.toolUseId ?? ''), name: this.names.original(String(toolUse.name ?? '')), argumentsDelta: '' }]
      }
      case 'contentBlockDelta':
        return this.delta(Number(payload.contentBlockIndex), isObject(payload.delta) ? payload.delta : {})
      case 'messageStop':
        this.stopped = true
        return [{ type: 'finish', reason: mapConverseStopReason(payload.stopReason), stopSequence: stopSequence(payload.additionalModelResponseFields) }]
      case 'metadata':
        this.sawMetadata = true
        return [{ type: 'usage', usage: fromConverseUsage(payload.usage) }]
      default:
        return [] // contentBlockStop and future events
    }
  }

  private delta (index: number, delta: Json): UpstreamPart[] {
    if (typeof delta.text === 'string') return [{ type: 'text-delta', text: delta.text }]
    if (isObject(delta.toolUse) && typeof delta.toolUse.input === 'string') {
      return delta.toolUse.input === '' ? [] : [{ type: 'tool-call-delta', index, argumentsDelta: delta.toolUse.input }]
    }
    if (isObject(delta.reasoningContent)) {
      const reasoning = delta.reasoningContent
      if (typeof reasoning.text === 'string') return [{ type: 'reasoning-delta', text: reasoning.text }]
      if (typeof reasoning.signature === 'string') return [{ type: 'reasoning-signature', signature: reasoning.signature }]
      if (typeof reasoning.redactedContent === 'string') return [{ type: 'redacted-reasoning', data: reasoning.redactedContent }]
    }
    return [] // citations, images and future delta kinds
  }
}

/** A non-streaming Converse response → parts. */
export function converseResponseToParts (response: Json, names: ToolNameMap): UpstreamPart[] {
  const parts: UpstreamPart[] = [{ type: 'response-start', usage: fromConverseUsage(response.usage) }]
  const output = isObject(response.output) ? response.output : {}
  const message = isObject(output.message) ? output.message : {}
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isObject(block)) continue
    if (typeof block.text === 'string') parts.push({ type: 'text-delta', text: block.text })
    else if (isObject(block.toolUse)) {
      parts.push({ type: 'tool-call', id: String(block.toolUse.toolUseId ?? ''), name: names.original(String(block.toolUse.name ?? '')), input: block.toolUse.input ?? {} })
    } else if (isObject(block.reasoningContent)) {
      const reasoning = block.reasoningContent
      if (isObject(reasoning.reasoningText)) {
        if (typeof reasoning.reasoningText.text === 'string' && reasoning.reasoningText.text !== '') parts.push({ type: 'reasoning-delta', text: reasoning.reasoningText.text })
        if (typeof reasoning.reasoningText.signature === 'string') parts.push({ type: 'reasoning-signature', signature: reasoning.reasoningText.signature })
      } else if (typeof reasoning.redactedContent === 'string') {
        parts.push({ type: 'redacted-reasoning', data: reasoning.redactedContent })
      }
    }
  }
  parts.push({ type: 'usage', usage: fromConverseUsage(response.usage) })
  parts.push({ type: 'finish', reason: mapConverseStopReason(response.stopReason), stopSequence: stopSequence(response.additionalModelResponseFields) })
  return parts
}
