import type { ErrorKind, StopReason, UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError, isServerToolResultType } from '@lynkr/protocol'
import { parseToolArguments } from '@lynkr/core'

type Json = Record<string, unknown>

const KIND_BY_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  billing_error: 'billing',
  permission_error: 'permission',
  not_found_error: 'not_found',
  request_too_large: 'request_too_large',
  rate_limit_error: 'rate_limit',
  api_error: 'api_error',
  timeout_error: 'timeout',
  overloaded_error: 'overloaded'
}

const STOP_REASONS = new Set<StopReason>(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded'])

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Anthropic usage → ours (same semantics: input excludes cache); only the numeric fields present. */
export function fromAnthropicUsage (usage: unknown): Partial<Usage> {
  if (!isObject(usage)) return {}
  const out: Partial<Usage> = {}
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
    if (typeof usage[key] === 'number') out[key] = usage[key]
  }
  const lifetimes = usage.cache_creation
  if (isObject(lifetimes) && (typeof lifetimes.ephemeral_5m_input_tokens === 'number' || typeof lifetimes.ephemeral_1h_input_tokens === 'number')) {
    out.cache_creation = {
      ephemeral_5m_input_tokens: typeof lifetimes.ephemeral_5m_input_tokens === 'number' ? lifetimes.ephemeral_5m_input_tokens : 0,
      ephemeral_1h_input_tokens: typeof lifetimes.ephemeral_1h_input_tokens === 'number' ? lifetimes.ephemeral_1h_input_tokens : 0
    }
  }
  const details = usage.output_tokens_details
  if (isObject(details) && typeof details.thinking_tokens === 'number') out.reasoning_tokens = details.thinking_tokens
  const serverTools = usage.server_tool_use
  if (isObject(serverTools) && typeof serverTools.web_search_requests === 'number') out.server_tool_use = { web_search_requests: serverTools.web_search_requests }
  return out
}

function stopReason (value: unknown): StopReason | null {
  return typeof value === 'string' && STOP_REASONS.has(value as StopReason) ? value as StopReason : null
}

/**
 * An Anthropic `error` (SSE event or JSON body) as a LynkrError that keeps the body, so the Anthropic
 * front door can hand it to Claude Code unmodified.
 */
export function anthropicError (provider: string, body: unknown, status?: number): LynkrError {
  const error = isObject(body) && isObject(body.error) ? body.error : {}
  const type = typeof error.type === 'string' ? error.type : 'api_error'
  const message = typeof error.message === 'string' ? error.message : 'upstream error'
  const kind = KIND_BY_TYPE[type] ?? 'api_error'
  const isOverflow = kind === 'invalid_request' && /prompt is too long/i.test(message)
  return new LynkrError(isOverflow ? 'context_length_exceeded' : kind, message, {
    ...(status === undefined ? {} : { status }),
    provider,
    upstreamBody: body,
    code: `LYNKR_UPSTREAM_${type.toUpperCase()}`
  })
}

interface BlockState { kind: 'text' | 'thinking' | 'tool' | 'server' | 'other', startInput?: unknown, sawJson: boolean, json?: string, block?: Json, textSeen?: boolean }

/**
 * Anthropic SSE events → upstream parts, faithfully: text, thinking with its `signature_delta`,
 * redacted_thinking, tool_use with its `input_json_delta` fragments (keyed by block index), usage with
 * the cache fields from message_start and the cumulative message_delta, stop reason and stop sequence.
 * Server-tool blocks (web search and its results…) are passed on whole (`server-block`), citations as
 * `citation` parts before their text.
 */
export class AnthropicStreamParser {
  private readonly provider: string
  private readonly blocks = new Map<number, BlockState>()
  private stopped = false

  constructor (provider: string) {
    this.provider = provider
  }

  /** True once message_stop arrived. */
  get done (): boolean { return this.stopped }

  push (event: Json): UpstreamPart[] {
    switch (event.type) {
      case 'message_start': {
        const message = isObject(event.message) ? event.message : {}
        return [{
          type: 'response-start',
          ...(typeof message.id === 'string' ? { id: message.id } : {}),
          ...(typeof message.model === 'string' ? { model: message.model } : {}),
          usage: fromAnthropicUsage(message.usage)
        }]
      }
      case 'content_block_start':
        return this.start(Number(event.index), isObject(event.content_block) ? event.content_block : {})
      case 'content_block_delta':
        return this.delta(Number(event.index), isObject(event.delta) ? event.delta : {})
      case 'content_block_stop':
        return this.stop(Number(event.index))
      case 'message_delta': {
        const delta = isObject(event.delta) ? event.delta : {}
        const parts: UpstreamPart[] = [{ type: 'usage', usage: fromAnthropicUsage(event.usage) }]
        if (delta.stop_reason !== undefined && delta.stop_reason !== null) {
          parts.push({ type: 'finish', reason: stopReason(delta.stop_reason), stopSequence: typeof delta.stop_sequence === 'string' ? delta.stop_sequence : null })
        }
        return parts
      }
      case 'message_stop':
        this.stopped = true
        return []
      case 'error':
        return [{ type: 'error', error: anthropicError(this.provider, event) }]
      default:
        return [] // ping and future event types
    }
  }

  private start (index: number, block: Json): UpstreamPart[] {
    switch (block.type) {
      case 'text': {
        const hasText = typeof block.text === 'string' && block.text !== ''
        this.blocks.set(index, { kind: 'text', sawJson: false, textSeen: hasText })
        return hasText ? [{ type: 'text-delta', text: block.text as string, newBlock: true }] : []
      }
      case 'thinking': {
        this.blocks.set(index, { kind: 'thinking', sawJson: false })
        const parts: UpstreamPart[] = []
        if (typeof block.thinking === 'string' && block.thinking !== '') parts.push({ type: 'reasoning-delta', text: block.thinking })
        if (typeof block.signature === 'string' && block.signature !== '') parts.push({ type: 'reasoning-signature', signature: block.signature })
        return parts
      }
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'other', sawJson: false })
        return typeof block.data === 'string' ? [{ type: 'redacted-reasoning', data: block.data }] : []
      case 'tool_use':
        this.blocks.set(index, { kind: 'tool', startInput: block.input, sawJson: false })
        return [{ type: 'tool-call-delta', index, id: String(block.id ?? ''), name: String(block.name ?? ''), argumentsDelta: '' }]
      case 'server_tool_use':
        // Its input streams as input_json_delta like a tool call's; it is passed on whole at its stop.
        this.blocks.set(index, { kind: 'server', startInput: block.input, sawJson: false, json: '', block })
        return []
      default:
        this.blocks.set(index, { kind: 'other', sawJson: false })
        return serverResult(block)
    }
  }

  private delta (index: number, delta: Json): UpstreamPart[] {
    const block = this.blocks.get(index)
    switch (delta.type) {
      case 'text_delta': {
        if (typeof delta.text !== 'string' || delta.text === '') return []
        const first = block?.kind === 'text' && block.textSeen !== true
        if (first) block.textSeen = true
        return [first ? { type: 'text-delta', text: delta.text, newBlock: true } : { type: 'text-delta', text: delta.text }]
      }
      case 'citations_delta':
        return block?.kind === 'text' && isObject(delta.citation) ? [{ type: 'citation', citation: delta.citation }] : []
      case 'thinking_delta':
        return typeof delta.thinking === 'string' ? [{ type: 'reasoning-delta', text: delta.thinking }] : []
      case 'signature_delta':
        return typeof delta.signature === 'string' ? [{ type: 'reasoning-signature', signature: delta.signature }] : []
      case 'input_json_delta':
        if (block?.kind === 'server' && typeof delta.partial_json === 'string') {
          block.json += delta.partial_json
          return []
        }
        if (block?.kind !== 'tool' || typeof delta.partial_json !== 'string') return []
        if (delta.partial_json !== '') block.sawJson = true
        return delta.partial_json === '' ? [] : [{ type: 'tool-call-delta', index, argumentsDelta: delta.partial_json }]
      default:
        return []
    }
  }

  private stop (index: number): UpstreamPart[] {
    const block = this.blocks.get(index)
    if (block?.kind === 'server') return [serverUse(block.block!, block.json !== '' ? parseToolArguments(block.json!) : block.startInput)]
    // Some compatible servers put the whole input in content_block_start and send no deltas.
    if (block?.kind === 'tool' && !block.sawJson && isObject(block.startInput) && Object.keys(block.startInput).length > 0) {
      block.sawJson = true
      return [{ type: 'tool-call-delta', index, argumentsDelta: JSON.stringify(block.startInput) }]
    }
    return []
  }
}

function serverUse (block: Json, input: unknown): UpstreamPart {
  return { type: 'server-block', block: { type: 'server_tool_use', id: String(block.id ?? ''), name: String(block.name ?? ''), input: isObject(input) ? input : {} } }
}

/** A server tool's result block (`web_search_tool_result`…), whole as it came; nothing for other unknown blocks. */
function serverResult (block: Json): UpstreamPart[] {
  const type = block.type
  if (typeof type !== 'string' || !isServerToolResultType(type) || typeof block.tool_use_id !== 'string') return []
  return [{ type: 'server-block', block: { ...block, type, tool_use_id: block.tool_use_id, content: block.content } }]
}

/** A non-streaming Anthropic `Message` → the same parts the stream parser yields. */
export function anthropicMessageToParts (provider: string, message: unknown): UpstreamPart[] {
  if (!isObject(message)) throw new LynkrError('api_error', `${provider} upstream returned an invalid message`, { status: 502, provider })
  if (message.type === 'error') throw anthropicError(provider, message, 500)
  const parts: UpstreamPart[] = [{
    type: 'response-start',
    ...(typeof message.id === 'string' ? { id: message.id } : {}),
    ...(typeof message.model === 'string' ? { model: message.model } : {}),
    usage: fromAnthropicUsage(message.usage)
  }]
  const content = Array.isArray(message.content) ? message.content : []
  for (const block of content) {
    if (!isObject(block)) continue
    if (block.type === 'text' && typeof block.text === 'string') {
      if (Array.isArray(block.citations)) for (const citation of block.citations) if (isObject(citation)) parts.push({ type: 'citation', citation })
      parts.push({ type: 'text-delta', text: block.text, newBlock: true })
    }
    else if (block.type === 'thinking') {
      if (typeof block.thinking === 'string' && block.thinking !== '') parts.push({ type: 'reasoning-delta', text: block.thinking })
      if (typeof block.signature === 'string' && block.signature !== '') parts.push({ type: 'reasoning-signature', signature: block.signature })
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      parts.push({ type: 'redacted-reasoning', data: block.data })
    } else if (block.type === 'tool_use') {
      parts.push({ type: 'tool-call', id: typeof block.id === 'string' ? block.id : undefined, name: String(block.name ?? ''), input: block.input ?? {} })
    } else if (block.type === 'server_tool_use') {
      parts.push(serverUse(block, block.input))
    } else {
      parts.push(...serverResult(block))
    }
  }
  parts.push({ type: 'usage', usage: fromAnthropicUsage(message.usage) })
  parts.push({ type: 'finish', reason: stopReason(message.stop_reason), stopSequence: typeof message.stop_sequence === 'string' ? message.stop_sequence : null })
  return parts
}
