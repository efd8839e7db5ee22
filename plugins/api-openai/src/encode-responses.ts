/**
 * Internal message events → the Responses API (protocols.md §2.6): the typed `response.*` SSE events,
 * and the whole `response` object for non-streaming calls. Each internal block is one output item: text →
 * `message` with one `output_text` part, thinking → `reasoning` with `reasoning_text`, tool_use →
 * `function_call` (or `custom_tool_call` for custom tools).
 */
import type { LynkrError, MessageEvent, StopReason, Usage } from '@lynkr/protocol'
import { mergeUsage } from '@lynkr/protocol'
import type { AssembledMessage } from '@lynkr/core'
import { generateId, parseToolArguments } from '@lynkr/core'
import { openAIErrorObject } from './openai-dialect.ts'
import { toResponsesUsage } from './openai-usage.ts'
import { CUSTOM_TOOL_ARGUMENT } from './request-parts.ts'

type Item = Record<string, unknown>

export interface ResponsesOptions {
  /** Request fields the response object echoes (from the parser). */
  echo: Record<string, unknown>
  customTools: ReadonlySet<string>
  /** Seconds; fixed for tests. */
  created?: number
}

export function responseId (messageId: string): string {
  return 'resp_' + messageId.replace(/^msg_/, '')
}

/** The message id behind one of our response ids (`previous_response_id`), for the session it continues. */
export function messageIdOf (body: unknown): string | undefined {
  const previous = (body as { previous_response_id?: unknown } | null)?.previous_response_id
  return typeof previous === 'string' && previous.startsWith('resp_') ? 'msg_' + previous.slice('resp_'.length) : undefined
}

function customInput (args: string | Record<string, unknown>): string {
  const value = (typeof args === 'string' ? parseToolArguments(args) : args)[CUSTOM_TOOL_ARGUMENT]
  return typeof value === 'string' ? value : JSON.stringify(value ?? '')
}

function messageItem (id: string, text: string, status: string): Item {
  return { id, type: 'message', status, role: 'assistant', content: status === 'in_progress' ? [] : [outputText(text)] }
}

function outputText (text: string): Item {
  return { type: 'output_text', text, annotations: [], logprobs: [] }
}

function reasoningItem (id: string, text: string | null): Item {
  return text === null ? { id, type: 'reasoning', summary: [] } : { id, type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text }] }
}

function functionCallItem (id: string, callId: string, name: string, args: string, status: string): Item {
  return { id, type: 'function_call', status, call_id: callId, name, arguments: args }
}

function customCallItem (id: string, callId: string, name: string, input: string, status: string): Item {
  return { id, type: 'custom_tool_call', status, call_id: callId, name, input }
}

function statusFor (reason: StopReason): { status: string, incomplete_details: unknown } {
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
  if (reason === 'refusal') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }
  return { status: 'completed', incomplete_details: null }
}

function responseObject (options: ResponsesOptions, fields: { id: string, model: string, created: number, status: string, output: Item[], usage: Usage | null, error?: unknown, incomplete_details?: unknown }): Item {
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.created,
    status: fields.status,
    background: false,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete_details ?? null,
    model: fields.model,
    output: fields.output,
    previous_response_id: null,
    service_tier: 'default',
    store: false,
    truncation: 'disabled',
    ...options.echo,
    usage: fields.usage === null ? null : toResponsesUsage(fields.usage)
  }
}

/** A whole internal message → a `response` object. */
export function toResponseObject (message: AssembledMessage, options: ResponsesOptions): Item {
  const output: Item[] = []
  for (const block of message.content) {
    if (block.type === 'text') {
      const last = output.at(-1)
      if (last?.type === 'message') (((last.content as Item[])[0]) as { text: string }).text += block.text
      else output.push(messageItem(generateId('msg_'), block.text, 'completed'))
    } else if (block.type === 'thinking') {
      output.push(reasoningItem(generateId('rs_'), block.thinking))
    } else if (block.type === 'tool_use') {
      const input = (block.input ?? {}) as Record<string, unknown>
      output.push(options.customTools.has(block.name)
        ? customCallItem(generateId('ctc_'), block.id, block.name, customInput(input), 'completed')
        : functionCallItem(generateId('fc_'), block.id, block.name, JSON.stringify(input), 'completed'))
    }
  }
  const { status, incomplete_details: details } = statusFor(message.stop_reason)
  return responseObject(options, {
    id: responseId(message.id), model: message.model, created: options.created ?? Math.floor(Date.now() / 1000), status, output, usage: message.usage, incomplete_details: details
  })
}

interface OpenItem { outputIndex: number, kind: 'message' | 'reasoning' | 'function' | 'custom', itemId: string, callId?: string, name?: string, text: string }

/** The streaming side: one instance per response; `push` returns the SSE frames for each event. */
export class ResponsesEventEncoder {
  private readonly options: ResponsesOptions
  private readonly created: number
  private id = 'resp_pending'
  private model = ''
  private sequence = 0
  private readonly output: Item[] = []
  private readonly open = new Map<number, OpenItem>()
  private stopReason: StopReason = 'end_turn'
  private usage: Usage | null = null
  private finished = false

  constructor (options: ResponsesOptions) {
    this.options = options
    this.created = options.created ?? Math.floor(Date.now() / 1000)
  }

  private event (type: string, fields: Item): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...fields })}\n\n`
  }

  private snapshot (status: string, extra: { usage?: Usage | null, error?: unknown, incomplete_details?: unknown } = {}): Item {
    return responseObject(this.options, {
      id: this.id, model: this.model, created: this.created, status, output: this.output.map((item) => structuredClone(item)), usage: extra.usage ?? null, error: extra.error, incomplete_details: extra.incomplete_details
    })
  }

  push (event: MessageEvent): string[] {
    if (this.finished) return []
    switch (event.type) {
      case 'message_start':
        this.id = responseId(event.message.id)
        this.model = event.message.model
        this.usage = { ...event.message.usage }
        return [this.event('response.created', { response: this.snapshot('in_progress') }), this.event('response.in_progress', { response: this.snapshot('in_progress') })]
      case 'content_block_start':
        return this.start(event.index, event.content_block)
      case 'content_block_delta':
        return this.delta(event.index, event.delta)
      case 'content_block_stop':
        return this.stop(event.index)
      case 'message_delta':
        this.stopReason = event.delta.stop_reason
        this.usage = mergeUsage(this.usage ?? { input_tokens: 0, output_tokens: 0 }, event.usage)
        return []
      case 'message_stop': {
        this.finished = true
        const { status, incomplete_details: details } = statusFor(this.stopReason)
        const type = status === 'completed' ? 'response.completed' : 'response.incomplete'
        return [this.event(type, { response: this.snapshot(status, { usage: this.usage, incomplete_details: details }) })]
      }
      case 'error':
        this.finished = true
        return this.fail(event.error)
      default:
        return []
    }
  }

  private fail (error: LynkrError): string[] {
    const body = openAIErrorObject(error)
    return [
      this.event('error', { code: body.code ?? body.type, message: body.message, param: body.param }),
      this.event('response.failed', { response: this.snapshot('failed', { error: { code: body.code ?? body.type, message: body.message } }) })
    ]
  }

  private start (index: number, block: Extract<MessageEvent, { type: 'content_block_start' }>['content_block']): string[] {
    const outputIndex = this.output.length
    if (block.type === 'text') {
      const item: OpenItem = { outputIndex, kind: 'message', itemId: generateId('msg_'), text: '' }
      this.open.set(index, item)
      this.output.push(messageItem(item.itemId, '', 'in_progress'))
      return [
        this.event('response.output_item.added', { output_index: outputIndex, item: messageItem(item.itemId, '', 'in_progress') }),
        this.event('response.content_part.added', { item_id: item.itemId, output_index: outputIndex, content_index: 0, part: outputText('') })
      ]
    }
    if (block.type === 'thinking') {
      const item: OpenItem = { outputIndex, kind: 'reasoning', itemId: generateId('rs_'), text: '' }
      this.open.set(index, item)
      this.output.push(reasoningItem(item.itemId, null))
      return [
        this.event('response.output_item.added', { output_index: outputIndex, item: reasoningItem(item.itemId, null) }),
        this.event('response.content_part.added', { item_id: item.itemId, output_index: outputIndex, content_index: 0, part: { type: 'reasoning_text', text: '' } })
      ]
    }
    if (block.type === 'tool_use') {
      const custom = this.options.customTools.has(block.name)
      const item: OpenItem = { outputIndex, kind: custom ? 'custom' : 'function', itemId: generateId(custom ? 'ctc_' : 'fc_'), callId: block.id, name: block.name, text: '' }
      this.open.set(index, item)
      const added = custom
        ? customCallItem(item.itemId, block.id, block.name, '', 'in_progress')
        : functionCallItem(item.itemId, block.id, block.name, '', 'in_progress')
      this.output.push(added)
      return [this.event('response.output_item.added', { output_index: outputIndex, item: added })]
    }
    return [] // redacted thinking: nothing a Responses client can use
  }

  private delta (index: number, delta: Extract<MessageEvent, { type: 'content_block_delta' }>['delta']): string[] {
    const item = this.open.get(index)
    if (item === undefined) return []
    const base = { item_id: item.itemId, output_index: item.outputIndex }
    if (delta.type === 'text_delta' && item.kind === 'message' && delta.text !== '') {
      item.text += delta.text
      return [this.event('response.output_text.delta', { ...base, content_index: 0, delta: delta.text, logprobs: [] })]
    }
    if (delta.type === 'thinking_delta' && item.kind === 'reasoning' && delta.thinking !== '') {
      item.text += delta.thinking
      return [this.event('response.reasoning_text.delta', { ...base, content_index: 0, delta: delta.thinking })]
    }
    if (delta.type === 'input_json_delta' && delta.partial_json !== '') {
      item.text += delta.partial_json
      // A custom tool's raw input is known only when its JSON wrapper is complete.
      if (item.kind === 'function') return [this.event('response.function_call_arguments.delta', { ...base, delta: delta.partial_json })]
    }
    return []
  }

  private stop (index: number): string[] {
    const item = this.open.get(index)
    if (item === undefined) return []
    this.open.delete(index)
    const base = { item_id: item.itemId, output_index: item.outputIndex }
    let done: Item
    const frames: string[] = []
    switch (item.kind) {
      case 'message':
        done = messageItem(item.itemId, item.text, 'completed')
        frames.push(
          this.event('response.output_text.done', { ...base, content_index: 0, text: item.text, logprobs: [] }),
          this.event('response.content_part.done', { ...base, content_index: 0, part: outputText(item.text) })
        )
        break
      case 'reasoning':
        done = reasoningItem(item.itemId, item.text)
        frames.push(
          this.event('response.reasoning_text.done', { ...base, content_index: 0, text: item.text }),
          this.event('response.content_part.done', { ...base, content_index: 0, part: { type: 'reasoning_text', text: item.text } })
        )
        break
      case 'function': {
        const args = item.text === '' ? '{}' : item.text
        done = functionCallItem(item.itemId, item.callId!, item.name!, args, 'completed')
        frames.push(this.event('response.function_call_arguments.done', { ...base, name: item.name, arguments: args }))
        break
      }
      case 'custom': {
        const input = customInput(item.text)
        done = customCallItem(item.itemId, item.callId!, item.name!, input, 'completed')
        if (input !== '') frames.push(this.event('response.custom_tool_call_input.delta', { ...base, delta: input }))
        frames.push(this.event('response.custom_tool_call_input.done', { ...base, input }))
        break
      }
    }
    this.output[item.outputIndex] = done
    frames.push(this.event('response.output_item.done', { output_index: item.outputIndex, item: done }))
    return frames
  }
}

export async function * responsesFrames (events: AsyncIterable<MessageEvent>, options: ResponsesOptions): AsyncGenerator<string> {
  const encoder = new ResponsesEventEncoder(options)
  for await (const event of events) yield * encoder.push(event)
}
