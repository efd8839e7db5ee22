import type { MessageEvent } from '@lynkr/protocol'
import { anthropicErrorObject } from './anthropic-dialect.ts'

/** One SSE frame per event: a named `event:` line whose name equals `data.type` (protocols.md §1.7). */
export function encodeAnthropicSse (event: MessageEvent): string {
  if (event.type === 'error') {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: anthropicErrorObject(event.error) })}\n\n`
  }
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

export const PING_FRAME = 'event: ping\ndata: {"type":"ping"}\n\n'
