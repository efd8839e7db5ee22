/**
 * With thinking on, Claude (Anthropic's API, Bedrock, Vertex, Databricks) requires the assistant turn in
 * progress to start with a thinking block once it used tools: "Expected `thinking` or `redacted_thinking`,
 * but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking
 * block". The turn is every assistant message after the last user message that carries no tool result
 * (tool results continue the turn; mid-conversation system messages do not count). When that turn came
 * from an upstream that does not reason (gpt-4o, qwen on Ollama), or its thinking was dropped because
 * another family signed it, the request can only go without thinking, as Anthropic's own guidance says.
 *
 * True when `messages`, as they will be sent, break the rule. `blocks` reads the wire's blocks: which
 * may open the turn (a thinking block the target can verify, or redacted thinking), which are tool calls
 * and tool results (Anthropic's `type`s by default).
 */
export function toolTurnLacksThinking<B> (messages: ReadonlyArray<{ role: string, content: readonly B[] }>, blocks: TurnBlocks<B>): boolean {
  let first: { content: readonly B[] } | undefined
  let usedTools = false
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!
    if (message.role === 'user') {
      if (!message.content.some(blocks.isToolResult)) break
      continue
    }
    if (message.role !== 'assistant') continue
    first = message
    if (message.content.some(blocks.isToolUse)) usedTools = true
  }
  if (first === undefined || !usedTools) return false
  const opening = first.content[0]
  return opening === undefined || !blocks.opensTurn(opening)
}

export interface TurnBlocks<B> {
  opensTurn: (block: B) => boolean
  isToolUse: (block: B) => boolean
  isToolResult: (block: B) => boolean
}

/** Anthropic's blocks: a thinking block (kept only when signed) or redacted thinking opens a turn. */
export const ANTHROPIC_TURN_BLOCKS: TurnBlocks<{ type: string }> = {
  opensTurn: (block) => block.type === 'thinking' || block.type === 'redacted_thinking',
  isToolUse: (block) => block.type === 'tool_use',
  isToolResult: (block) => block.type === 'tool_result'
}
