import type { ChatMessage } from '@lynkr/protocol'
import { LynkrError, conversationProblem } from '@lynkr/protocol'

function invalid (message: string): LynkrError {
  return new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })
}

/**
 * The conversation rules Anthropic's API enforces (protocols.md §1.3), checked before any upstream is asked,
 * so every provider refuses the same requests with Anthropic's words.
 */
export function checkConversation (messages: ChatMessage[]): void {
  const problem = conversationProblem(messages, { userFirst: true })
  if (problem === undefined) return
  switch (problem.rule) {
    case 'first-turn':
      throw invalid(`messages.${problem.message}.role: the first message must use the "user" role`)
    case 'duplicate-tool-use':
      throw invalid(`messages.${problem.message}.content.${problem.block}: \`tool_use\` ids must be unique; "${problem.id}" is used twice`)
    case 'orphan-tool-result':
      throw invalid(`messages.${problem.message}.content.${problem.block}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${problem.id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`)
    case 'duplicate-tool-result':
      throw invalid(`messages.${problem.message}.content.${problem.block}: more than one \`tool_result\` for \`tool_use_id\` ${problem.id}`)
    case 'unanswered-tool-use':
      throw invalid(`messages.${problem.message}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${problem.ids.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`)
  }
}
