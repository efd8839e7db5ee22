import type { ChatMessage, ChatRequest, ContentBlock, ToolResultBlock } from './messages.ts'

/** The client tool calls of a conversation by id (name and input), for steps that treat results by their call. */
export function toolCallsOf (messages: ChatMessage[]): Map<string, { name: string, input: unknown }> {
  const calls = new Map<string, { name: string, input: unknown }>()
  for (const message of messages) {
    if (message.role !== 'assistant') continue
    for (const block of message.content) if (block.type === 'tool_use') calls.set(block.id, { name: block.name, input: block.input })
  }
  return calls
}

/**
 * The request with each tool_result's content replaced by what `rewrite` returns for it, in order (the block's
 * id, `is_error` and the rest stay: pairing is never broken). Copy-on-write: the same request object when
 * `rewrite` returned every content as it was.
 */
export function rewriteToolResults (request: ChatRequest, rewrite: (block: ToolResultBlock) => ToolResultBlock['content']): ChatRequest {
  let messages: ChatMessage[] | undefined
  for (const [m, message] of request.messages.entries()) {
    if (message.role !== 'user') continue
    let content: ContentBlock[] | undefined
    for (const [b, block] of message.content.entries()) {
      if (block.type !== 'tool_result') continue
      const next = rewrite(block)
      if (next === block.content) continue
      content ??= [...message.content]
      content[b] = { ...block, content: next }
    }
    if (content !== undefined) {
      messages ??= [...request.messages]
      messages[m] = { ...message, content }
    }
  }
  return messages === undefined ? request : { ...request, messages }
}
