import { createHash } from 'node:crypto'
import type { ChatMessage, ChatRequest, ContentBlock } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'
import { withoutBreakpoints } from '@lynkr/core'

/** A summary of the messages before `through`, frozen once written: every later request gets the same bytes. */
export interface FrozenSummary {
  /** Messages [1, through) are replaced; message 0 (Claude Code's first user turn, with its context) stays. */
  through: number
  /** Identifies the summarised messages, so a different conversation of the same session is left alone. */
  anchor: string
  text: string
}

/** A hash of the messages a summary replaces, to check a later request continues the same history. */
export function anchorOf (messages: ChatMessage[], through: number): string {
  const hash = createHash('sha256')
  // The boundary message and the one before it are enough to tell conversations apart (tool ids are unique).
  // Breakpoints move from request to request (Claude Code marks the newest message): not part of the content.
  for (const message of messages.slice(Math.max(0, through - 2), through + 1)) hash.update(message.role).update(JSON.stringify(message.content, withoutBreakpoints))
  return `${through}:${hash.digest('base64url')}`
}

/** Whether `messages` continue the history `summary` was written for. */
export function summaryApplies (messages: ChatMessage[], summary: FrozenSummary): boolean {
  return messages.length > summary.through && anchorOf(messages, summary.through) === summary.anchor
}

/** The most a summary may be (the internal call's max_tokens). */
const SUMMARY_MAX_TOKENS = 4_000
/** Less than this to replace (about 1,000 tokens) and a summary with its notice would not make the prompt smaller. */
const MIN_REPLACED_CHARS = 4_000

/** Characters of messages [1, through) a summary would replace (system messages stay, so they do not count). */
function replacedChars (messages: ChatMessage[], through: number): number {
  return messages.slice(1, through).filter((message) => message.role !== 'system').reduce((sum, message) => sum + JSON.stringify(message.content, withoutBreakpoints).length, 0)
}

/**
 * The first assistant turn at or after `from` that can start the kept part: everything before it can go without
 * separating a tool_use from its tool_result (results follow their call in the next user message). Undefined
 * when it would replace next to nothing: in a small window whose fixed part (system prompt, tools) is most of
 * it, the summary of two short turns, with its notice, would make the prompt larger.
 */
export function summaryBoundary (messages: ChatMessage[], from: number): number | undefined {
  for (let i = Math.max(2, from); i < messages.length; i++) {
    if (messages[i]!.role === 'assistant') return replacedChars(messages, i) >= MIN_REPLACED_CHARS ? i : undefined
  }
  return undefined
}

const MAX_RESULT_CHARS = 1_500

function render (block: ContentBlock): string {
  switch (block.type) {
    case 'text': return block.text
    case 'tool_use': return `[called ${block.name} ${JSON.stringify(block.input).slice(0, 500)}]`
    case 'tool_result': {
      const text = typeof block.content === 'string' ? block.content : joinTextBlocks((block.content ?? []) as ContentBlock[])
      return `[result${block.is_error === true ? ' (error)' : ''}: ${text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)} …` : text}]`
    }
    default: return ''
  }
}

/** The internal request asking a model to summarise messages [1, through). */
export function summaryRequest (messages: ChatMessage[], through: number, clientModel: string): ChatRequest {
  const transcript = messages.slice(1, through).map((message) => `${message.role.toUpperCase()}: ${message.content.map(render).filter((text) => text !== '').join('\n')}`).join('\n\n')
  const ask = 'Summarise this part of a coding session for the assistant that continues it. Keep: the user\'s requests and ' +
    'constraints, decisions made, every file path read or edited and what changed, commands run and their outcome ' +
    '(failures verbatim), and open questions or next steps. Plain text, no preamble.\n\n<transcript>\n' + transcript + '\n</transcript>'
  return { model: '', clientModel, max_tokens: SUMMARY_MAX_TOKENS, stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: ask }] }] }
}

/**
 * The request with messages [1, through) replaced by the frozen summary, appended to the first user turn (which
 * keeps Claude Code's context); system messages in the summarised part stay. The same request when the
 * summary does not belong to this conversation.
 */
export function applySummary (request: ChatRequest, summary: FrozenSummary): ChatRequest {
  const { messages } = request
  if (!summaryApplies(messages, summary)) return request
  const first = messages[0]!
  const note: ContentBlock = {
    type: 'text',
    text: `[lynkr: the ${summary.through - 1} messages that followed were summarised to fit the context window; details not in this summary (file contents, command output) are gone — read files or re-run commands again if needed.]\n\n${summary.text}`
  }
  const kept = messages.slice(1, summary.through).filter((message) => message.role === 'system')
  return { ...request, messages: [{ ...first, content: [...first.content, note] }, ...kept, ...messages.slice(summary.through)] }
}
