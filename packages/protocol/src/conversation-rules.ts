import type { ChatMessage } from './messages.ts'

/**
 * A broken tool-call conversation, which every upstream refuses (Anthropic: "tool_use ids were found without
 * tool_result blocks immediately after", OpenAI: "tool messages must be a response to a preceeding message
 * with 'tool_calls'"). Front doors check it before any upstream call and word it in their own dialect.
 */
export type ConversationProblem =
  | { rule: 'first-turn', message: number }
  | { rule: 'duplicate-tool-use', message: number, block: number, id: string }
  | { rule: 'orphan-tool-result', message: number, block: number, id: string }
  | { rule: 'duplicate-tool-result', message: number, block: number, id: string }
  | { rule: 'unanswered-tool-use', message: number, ids: string[] }

/**
 * Checks the internal (Anthropic-shaped) messages: tool_use ids unique; every tool_result answers a tool_use
 * of the assistant turn before it, once; every tool_use is answered in the user turn that follows (consecutive
 * user messages form one turn, as Anthropic merges them); with `userFirst`, the first turn is the user's.
 * role:"system" messages (Claude Code puts them between turns) are not turns.
 */
export function conversationProblem (messages: ChatMessage[], options: { userFirst: boolean }): ConversationProblem | undefined {
  const first = messages.findIndex((message) => message.role !== 'system')
  if (options.userFirst && first !== -1 && messages[first]!.role !== 'user') return { rule: 'first-turn', message: first }
  const seen = new Set<string>()
  let open: { message: number, ids: Set<string>, answered: Set<string> } | undefined
  const unanswered = (): ConversationProblem | undefined => {
    if (open === undefined) return undefined
    const ids = [...open.ids].filter((id) => !open!.answered.has(id))
    return ids.length > 0 ? { rule: 'unanswered-tool-use', message: open.message, ids } : undefined
  }
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!
    if (message.role === 'assistant') {
      const problem = unanswered()
      if (problem !== undefined) return problem
      open = { message: index, ids: new Set(), answered: new Set() }
      for (let block = 0; block < message.content.length; block++) {
        const item = message.content[block]!
        if (item.type !== 'tool_use') continue
        if (seen.has(item.id)) return { rule: 'duplicate-tool-use', message: index, block, id: item.id }
        seen.add(item.id)
        open.ids.add(item.id)
      }
    } else if (message.role === 'user') {
      for (let block = 0; block < message.content.length; block++) {
        const item = message.content[block]!
        if (item.type !== 'tool_result') continue
        if (open === undefined || !open.ids.has(item.tool_use_id)) return { rule: 'orphan-tool-result', message: index, block, id: item.tool_use_id }
        if (open.answered.has(item.tool_use_id)) return { rule: 'duplicate-tool-result', message: index, block, id: item.tool_use_id }
        open.answered.add(item.tool_use_id)
      }
    }
  }
  return unanswered()
}
