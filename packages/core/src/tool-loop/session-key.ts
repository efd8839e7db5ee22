import { createHash } from 'node:crypto'
import type { ChatRequest } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'

const SESSION_HEADERS = ['x-claude-code-session-id', 'x-session-id']

/**
 * Which conversation a call belongs to, for keying the hidden tool history: the client's session header,
 * else a hash of the system prompt and the first user turn (stable for the whole conversation).
 * A stand-in until core has one `sessionOf` for every step and middleware.
 */
export function sessionKey (headers: Record<string, string | string[] | undefined>, request: ChatRequest): string {
  for (const name of SESSION_HEADERS) {
    const value = headers[name]
    if (typeof value === 'string' && value !== '') return `h:${value}`
  }
  const hash = createHash('sha256')
  for (const block of request.system ?? []) hash.update(block.text).update('\u0000')
  const first = request.messages.find((message) => message.role === 'user')
  hash.update('\u0001').update(first === undefined ? '' : joinTextBlocks(first.content))
  return `c:${hash.digest('base64url').slice(0, 22)}`
}
