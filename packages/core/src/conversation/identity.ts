import { createHash } from 'node:crypto'
import type { ChatRequest, SessionIdentity, WorkspaceIdentity } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'

type Headers = Record<string, string | string[] | undefined>

function header (headers: Headers, name: string): string | undefined {
  const value = headers[name]
  const text = Array.isArray(value) ? value[0] : value
  return text === undefined || text.trim() === '' ? undefined : text.trim()
}

/** The session a client names itself: Claude Code's header, or the generic one. */
export function sessionHeader (headers: Headers): string | undefined {
  return header(headers, 'x-claude-code-session-id') ?? header(headers, 'x-session-id')
}

/**
 * A stable id for a conversation that names none: a hash of its system prompt and first user turn, which
 * every later request of the conversation repeats (texts only, so a turn sent as a string or as blocks
 * hashes the same).
 */
export function conversationHash (request: ChatRequest): string {
  const hash = createHash('sha256')
  for (const block of request.system ?? []) hash.update(block.text).update('\u0000')
  hash.update('\u0001')
  const first = request.messages.find((message) => message.role === 'user')
  if (first !== undefined) hash.update(joinTextBlocks(first.content))
  return 'conv_' + hash.digest('hex').slice(0, 32)
}

/** Most recently answered messages remembered for Responses chains; older ones go first. */
const MAX_CHAINED = 10_000

/**
 * One answer to "which conversation is this?" for the whole gateway (steps, observers, sticky routing):
 * the client's session header; else, for a request that continues an earlier answer (Responses
 * `previous_response_id`), that answer's session; else a hash of the first user turn and system prompt.
 */
export class Sessions {
  private readonly answered = new Map<string, SessionIdentity>()

  of (request: ChatRequest, headers: Headers, continues?: string): SessionIdentity {
    const named = sessionHeader(headers)
    if (named !== undefined) return { id: named, source: 'header' }
    if (continues !== undefined) {
      const earlier = this.answered.get(continues)
      if (earlier !== undefined) return { id: earlier.id, source: 'response-chain' }
    }
    return { id: conversationHash(request), source: 'hash' }
  }

  /** Remembers which session produced an answer (its message id), so a request continuing it joins that session. */
  answer (messageId: string, session: SessionIdentity): void {
    this.answered.delete(messageId)
    this.answered.set(messageId, session)
    if (this.answered.size > MAX_CHAINED) this.answered.delete(this.answered.keys().next().value!)
  }
}

// The path as stated: to the line's end, without quoting backticks or a sentence's closing punctuation (spaces allowed).
// Claude Code 2.1 writes it as a list item (" - Primary working directory: /path").
const WORKING_DIRECTORY = /(?:^|\n)\s*(?:[-*]\s+)?(?:Primary working directory|Working directory|Current working directory|cwd)\s*:\s*`?([^\n`<>"]*[^\s`<>".,;])/i

/**
 * The project a request works in: the `x-lynkr-workspace` header, else the working directory Claude Code
 * (and agents like it) state in the system prompt or in a system message of the conversation.
 */
export function workspaceOf (request: ChatRequest, headers: Headers): WorkspaceIdentity | undefined {
  const named = header(headers, 'x-lynkr-workspace')
  if (named !== undefined) return { id: named, source: 'header' }
  for (const block of request.system ?? []) {
    const found = WORKING_DIRECTORY.exec(block.text)
    if (found !== null) return { id: found[1]!.trim(), source: 'system-prompt' }
  }
  // Claude Code 2.1 states it in a system message early in the conversation; older versions in the first user turn.
  const firstUser = request.messages.findIndex((message) => message.role === 'user')
  for (const [index, message] of request.messages.entries()) {
    if (message.role !== 'system' && index !== firstUser) continue
    const found = WORKING_DIRECTORY.exec(joinTextBlocks(message.content))
    if (found !== null) return { id: found[1]!.trim(), source: 'system-prompt' }
  }
  return undefined
}
