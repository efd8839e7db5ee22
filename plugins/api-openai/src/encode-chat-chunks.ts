/**
 * Internal message events → Chat Completions SSE (protocols.md §2.3, §3.7 "Anthropic SSE → OpenAI chunks"):
 * a role chunk first, content / reasoning_content / tool_calls deltas, a finish chunk, the usage chunk
 * (`choices: []`) when asked, then `data: [DONE]`. A failure mid-stream is one `data: {"error":…}` frame,
 * after which the stream ends without [DONE].
 */
import type { MessageEvent, Usage } from '@lynkr/protocol'
import { mergeUsage } from '@lynkr/protocol'
import { parseToolArguments } from '@lynkr/core'
import { openAIErrorObject } from './openai-dialect.ts'
import { completionId, finishReasonFor, toChatUsage } from './openai-usage.ts'
import { CUSTOM_TOOL_ARGUMENT } from './request-parts.ts'

export interface ChatChunkOptions {
  includeUsage: boolean
  customTools: ReadonlySet<string>
  /** Seconds; fixed for tests. */
  created?: number
}

interface OpenTool { index: number, id: string, name: string, custom: boolean, args: string }

export const DONE_FRAME = 'data: [DONE]\n\n'
/** An SSE comment: clients ignore it, proxies see traffic. */
export const CHAT_PING_FRAME = ': ping\n\n'

export class ChatChunkEncoder {
  private readonly options: ChatChunkOptions
  private id = 'chatcmpl-pending'
  private model = ''
  private readonly created: number
  private nextToolIndex = 0
  private readonly tools = new Map<number, OpenTool>()
  private usage: Usage | null = null
  private finished = false

  constructor (options: ChatChunkOptions) {
    this.options = options
    this.created = options.created ?? Math.floor(Date.now() / 1000)
  }

  private chunk (delta: Record<string, unknown>, finishReason: string | null = null): string {
    return this.frame({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.options.includeUsage ? { usage: null } : {})
    })
  }

  private frame (value: unknown): string {
    return `data: ${JSON.stringify(value)}\n\n`
  }

  /** The frames for one event (often none, sometimes several). */
  push (event: MessageEvent): string[] {
    if (this.finished) return []
    switch (event.type) {
      case 'message_start':
        this.id = completionId(event.message.id)
        this.model = event.message.model
        this.usage = { ...event.message.usage }
        return [this.chunk({ role: 'assistant', content: '' })]
      case 'content_block_start': {
        const block = event.content_block
        if (block.type !== 'tool_use') return []
        const tool: OpenTool = { index: this.nextToolIndex++, id: block.id, name: block.name, custom: this.options.customTools.has(block.name), args: '' }
        this.tools.set(event.index, tool)
        // Custom tools carry one raw string, known only once the arguments are complete.
        if (tool.custom) return []
        return [this.chunk({ tool_calls: [{ index: tool.index, id: tool.id, type: 'function', function: { name: tool.name, arguments: '' } }] })]
      }
      case 'content_block_delta': {
        const delta = event.delta
        if (delta.type === 'text_delta') return delta.text === '' ? [] : [this.chunk({ content: delta.text })]
        if (delta.type === 'thinking_delta') return delta.thinking === '' ? [] : [this.chunk({ reasoning_content: delta.thinking })]
        if (delta.type === 'input_json_delta') {
          const tool = this.tools.get(event.index)
          if (tool === undefined || delta.partial_json === '') return []
          if (tool.custom) {
            tool.args += delta.partial_json
            return []
          }
          return [this.chunk({ tool_calls: [{ index: tool.index, function: { arguments: delta.partial_json } }] })]
        }
        return [] // signatures have no OpenAI equivalent
      }
      case 'content_block_stop': {
        const tool = this.tools.get(event.index)
        if (tool === undefined || !tool.custom) return []
        const input = parseToolArguments(tool.args)[CUSTOM_TOOL_ARGUMENT]
        return [this.chunk({ tool_calls: [{ index: tool.index, id: tool.id, type: 'custom', custom: { name: tool.name, input: typeof input === 'string' ? input : JSON.stringify(input ?? '') } }] })]
      }
      case 'message_delta':
        // Usage reports are cumulative and may be partial: non-null fields win.
        this.usage = mergeUsage(this.usage ?? { input_tokens: 0, output_tokens: 0 }, event.usage)
        return [this.chunk({}, finishReasonFor(event.delta.stop_reason))]
      case 'message_stop': {
        this.finished = true
        const frames: string[] = []
        if (this.options.includeUsage && this.usage !== null) {
          frames.push(this.frame({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: toChatUsage(this.usage) }))
        }
        frames.push(DONE_FRAME)
        return frames
      }
      case 'error':
        this.finished = true
        return [this.frame({ error: openAIErrorObject(event.error) })]
      default:
        return []
    }
  }
}

export async function * chatChunkFrames (events: AsyncIterable<MessageEvent>, options: ChatChunkOptions): AsyncGenerator<string> {
  const encoder = new ChatChunkEncoder(options)
  for await (const event of events) yield * encoder.push(event)
}
