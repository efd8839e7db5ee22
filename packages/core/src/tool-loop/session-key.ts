import type { ChatRequest } from '@lynkr/protocol'
import { conversationHash, sessionHeader } from '../conversation/identity.ts'

/**
 * Which conversation a call belongs to, for keying the hidden tool history: core's session answer (the
 * client's session header, else a hash of the system prompt and the first user turn), the same ids `Sessions.of`
 * gives pipeline steps, so a step and a gateway tool of one session agree.
 */
export function sessionKey (headers: Record<string, string | string[] | undefined>, request: ChatRequest): string {
  const named = sessionHeader(headers)
  return named ?? conversationHash(request)
}
