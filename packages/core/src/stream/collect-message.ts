import type { ContentBlock, MessageEvent, StopReason, Usage } from '@lynkr/protocol'
import { LynkrError, mergeUsage } from '@lynkr/protocol'
import { parseToolArguments } from './complete-json.ts'

/** A complete assistant message (Anthropic `Message` shape), built from the strict event sequence. */
export interface AssembledMessage {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: ContentBlock[]
  stop_reason: StopReason
  stop_sequence: string | null
  usage: Usage
}

/**
 * Folds message events into one message, for non-streaming clients. Both the streaming and the
 * non-streaming path run through the same assembler, so they cannot disagree.
 */
export class MessageCollector {
  private message: AssembledMessage | null = null
  private readonly toolJson = new Map<number, string>()
  private readonly blocks: ContentBlock[] = []

  push (event: MessageEvent): void {
    switch (event.type) {
      case 'message_start':
        this.message = { ...event.message, content: [], stop_reason: 'end_turn', usage: { ...event.message.usage } }
        break
      case 'content_block_start': {
        const block = event.content_block
        if (block.type === 'tool_use' || block.type === 'server_tool_use') {
          this.blocks[event.index] = { type: block.type, id: block.id, name: block.name, input: {} } as ContentBlock
          this.toolJson.set(event.index, '')
        } else if (block.type === 'thinking') {
          this.blocks[event.index] = { type: 'thinking', thinking: '', signature: '' }
        } else {
          this.blocks[event.index] = { ...block } as ContentBlock
        }
        break
      }
      case 'content_block_delta': {
        const block = this.blocks[event.index]
        const delta = event.delta
        if (block === undefined) break
        if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text
        else if (delta.type === 'thinking_delta' && block.type === 'thinking') block.thinking += delta.thinking
        else if (delta.type === 'signature_delta' && block.type === 'thinking') block.signature = (block.signature ?? '') + delta.signature
        else if (delta.type === 'citations_delta' && block.type === 'text') block.citations = [...((block.citations as unknown[] | undefined) ?? []), delta.citation]
        else if (delta.type === 'input_json_delta') this.toolJson.set(event.index, (this.toolJson.get(event.index) ?? '') + delta.partial_json)
        break
      }
      case 'content_block_stop': {
        const block = this.blocks[event.index]
        if (block !== undefined && (block.type === 'tool_use' || (block.type as string) === 'server_tool_use')) (block as { input: unknown }).input = parseToolArguments(this.toolJson.get(event.index) ?? '')
        break
      }
      case 'message_delta':
        if (this.message) {
          this.message.stop_reason = event.delta.stop_reason
          this.message.stop_sequence = event.delta.stop_sequence
          // Cumulative and possibly partial (Anthropic often sends only output_tokens): non-null fields win.
          mergeUsage(this.message.usage, event.usage)
        }
        break
      case 'error':
        throw event.error
      default:
        break
    }
  }

  result (): AssembledMessage {
    if (this.message === null) throw new LynkrError('api_error', 'The upstream returned no message')
    this.message.content = this.blocks.filter((block) => block !== undefined)
    return this.message
  }
}
