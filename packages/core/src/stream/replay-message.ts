import type { ContentBlock, ContentBlockStart, MessageEvent } from '@lynkr/protocol'
import type { AssembledMessage } from './collect-message.ts'
import { MessageCollector } from './collect-message.ts'

/**
 * A whole message as the strict event sequence (message_start, each block start → delta → stop,
 * message_delta, message_stop): how a middleware that already has the answer (a cache hit, a collected
 * turn) hands it to a streaming client. Folding the events back with `MessageCollector` gives the message.
 */
export function replayMessage (message: AssembledMessage): MessageEvent[] {
  const events: MessageEvent[] = [{
    type: 'message_start',
    message: { id: message.id, type: 'message', role: 'assistant', model: message.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...message.usage } }
  }]
  let index = 0
  for (const block of message.content) {
    if (replayBlock(block, index, events)) index++
  }
  events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }, usage: { ...message.usage } })
  events.push({ type: 'message_stop' })
  return events
}

function replayBlock (block: ContentBlock, index: number, out: MessageEvent[]): boolean {
  const fields = block as unknown as Record<string, unknown>
  switch (block.type) {
    case 'text': {
      out.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const citation of (block.citations as Array<Record<string, unknown>> | undefined) ?? []) out.push({ type: 'content_block_delta', index, delta: { type: 'citations_delta', citation } })
      if (block.text !== '') out.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } })
      break
    }
    case 'thinking':
      out.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } })
      if (block.thinking !== '') out.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } })
      if (block.signature) out.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } })
      break
    case 'redacted_thinking':
      out.push({ type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: block.data } })
      break
    case 'tool_use':
      out.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } })
      out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) } })
      break
    default:
      if (fields.type === 'server_tool_use') {
        out.push({ type: 'content_block_start', index, content_block: { type: 'server_tool_use', id: String(fields.id), name: String(fields.name), input: {} } })
        out.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(fields.input ?? {}) } })
      } else if (typeof fields.type === 'string' && fields.type.endsWith('_tool_result')) {
        out.push({ type: 'content_block_start', index, content_block: block as unknown as ContentBlockStart })
      } else {
        return false // request-only blocks (images, documents) never appear in an answer
      }
  }
  out.push({ type: 'content_block_stop', index })
  return true
}

/** Folds a whole event sequence into the message (an `error` event rejects with its error). */
export async function collectMessage (events: AsyncIterable<MessageEvent> | Iterable<MessageEvent>): Promise<AssembledMessage> {
  const collector = new MessageCollector()
  for await (const event of events) collector.push(event)
  return collector.result()
}
