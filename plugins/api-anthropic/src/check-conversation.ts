import type { ChatMessage } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'

function invalid (message: string): LynkrError {
  return new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })
}

/**
 * The conversation rules Anthropic's API enforces (protocols.md §1.3), checked before any upstream is asked,
 * so every provider refuses the same requests with the same words: the first turn is the user's, tool_use ids
 * are unique, and each tool_result answers a tool_use of the assistant turn before it. role:"system" messages
 * (Claude Code puts them between turns) do not count as turns.
 */
export function checkConversation (messages: ChatMessage[]): void {
  const first = messages.findIndex((message) => message.role !== 'system')
  if (first !== -1 && messages[first]!.role !== 'user') throw invalid(`messages.${first}.role: the first message must use the "user" role`)
  const seen = new Set<string>()
  let lastAssistantTools = new Set<string>()
  messages.forEach((message, index) => {
    if (message.role === 'assistant') {
      lastAssistantTools = new Set()
      message.content.forEach((block, b) => {
        if (block.type !== 'tool_use') return
        if (seen.has(block.id)) throw invalid(`messages.${index}.content.${b}: \`tool_use\` ids must be unique; "${block.id}" is used twice`)
        seen.add(block.id)
        lastAssistantTools.add(block.id)
      })
      return
    }
    if (message.role !== 'user') return
    const answered = new Set<string>()
    message.content.forEach((block, b) => {
      if (block.type !== 'tool_result') return
      if (!lastAssistantTools.has(block.tool_use_id)) {
        throw invalid(`messages.${index}.content.${b}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`)
      }
      if (answered.has(block.tool_use_id)) throw invalid(`messages.${index}.content.${b}: more than one \`tool_result\` for \`tool_use_id\` ${block.tool_use_id}`)
      answered.add(block.tool_use_id)
    })
  })
}
