import type { ChatRequest, MessageEvent } from '@lynkr/protocol'
import { MessageAssembler, MessageCollector } from '@lynkr/core'
import type { AssembledMessage } from '@lynkr/core'

/**
 * `max_tokens: 0` asks Anthropic to pre-warm the prompt cache without generating (protocols.md §1.2). Inside
 * the gateway 0 means "no limit" (OpenAI clients may leave it unset), so such a request must never reach a
 * provider: it is answered here, an empty message stopped by max_tokens, nothing generated, nothing billed.
 */
export function isPrewarm (request: ChatRequest): boolean {
  return request.max_tokens === 0
}

export function prewarmEvents (request: ChatRequest): MessageEvent[] {
  const assembler = new MessageAssembler({ clientModel: request.clientModel, inputTokensEstimate: 0 })
  const events: MessageEvent[] = []
  assembler.push({ type: 'usage', usage: { input_tokens: 0, output_tokens: 0 } }, events)
  assembler.push({ type: 'finish', reason: 'max_tokens' }, events)
  return assembler.end(events)
}

export function prewarmMessage (request: ChatRequest): AssembledMessage {
  const collector = new MessageCollector()
  for (const event of prewarmEvents(request)) collector.push(event)
  return collector.result()
}
