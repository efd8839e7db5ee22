import { createHash } from 'node:crypto'
import type { ChatMessage, ChatRequest, ContentBlock, TextBlock } from '@lynkr/protocol'
import type { Ranked } from './store.ts'

export type InjectionFormat = 'system-reminder' | 'plain'

function textsOf (content: ContentBlock[] | string): string[] {
  if (typeof content === 'string') return [content]
  return content.flatMap((block) => block.type === 'text' ? [block.text] : [])
}

/** Text the client wrapped in its own tags (`<system-reminder>`, `<command-name>`, `<local-command-stdout>`), not the person's words. */
const isReminder = (text: string): boolean => /^<([a-z][\w-]*)>[\s\S]*<\/\1>$/.test(text.trim())

/** What the person wrote in a user message: its text blocks, without the client's reminders. */
export function promptText (message: ChatMessage): string {
  return textsOf(message.content).filter((text) => !isReminder(text)).join('\n').trim()
}

/**
 * The latest user message when it is a new prompt (not a turn of tool results only). System messages after it
 * (Claude Code 2.1 sends its environment as a trailing `system` message) do not hide it.
 */
export function latestPrompt (request: ChatRequest): { index: number, text: string } | undefined {
  let index = request.messages.length - 1
  while (index > 0 && request.messages[index]!.role === 'system') index--
  const message = request.messages[index]
  if (message === undefined || message.role !== 'user') return undefined
  const text = promptText(message)
  return text === '' ? undefined : { index, text }
}

/**
 * A user message's identity across requests: its content without cache_control markers (clients move
 * those from turn to turn), hashed.
 */
export function anchorOf (message: ChatMessage): string {
  const content = message.content.map((block) => {
    if (!('cache_control' in block)) return block
    const { cache_control: _ignored, ...rest } = block as ContentBlock & { cache_control?: unknown }
    return rest
  })
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22)
}

export function formatMemories (memories: Ranked[], format: InjectionFormat): string {
  if (memories.length === 0) return ''
  const lines = memories.map((memory) => `- [${memory.kind}${memory.scope === 'global' ? ', global' : ''}] ${memory.content}`)
  const body = `Memories from earlier sessions (lynkr memory; they may be out of date, and the user's current words win):\n${lines.join('\n')}`
  return format === 'plain' ? body : `<system-reminder>\n${body}\n</system-reminder>`
}

/**
 * Puts each recorded block back into the user message it was first attached to, as the first block, so the
 * message reads the same bytes in every later request. Messages without a record stay as they are; the
 * system prompt is never touched. Returns the same request when there is nothing to apply.
 */
export function applyInjections (request: ChatRequest, records: ReadonlyMap<string, string>): ChatRequest {
  if (records.size === 0) return request
  let changed = false
  const messages = request.messages.map((message) => {
    if (message.role !== 'user') return message
    const text = records.get(anchorOf(message))
    if (text === undefined || text === '') return message
    changed = true
    const block: TextBlock = { type: 'text', text }
    return { ...message, content: [block, ...message.content] }
  })
  return changed ? { ...request, messages } : request
}
