import { createHash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'
import type { ChatRequest } from '@lynkr/protocol'

// Keys sorted at every level, so two serialisations of the same request are the same bytes.
const canonical = configure({ deterministic: true, circularValue: null })

/** Breakpoints say where to cache, not what to answer: a client that moves them asks the same question. */
const withoutMarkers = (key: string, value: unknown): unknown => key === 'cache_control' ? undefined : value

/**
 * Everything in the client's request that shapes the answer (not `stream`: a streamed and a whole request share
 * an entry; not `model`, which routing fills in), hashed canonically with the session it belongs to.
 */
export function requestKey (request: ChatRequest, session: string, messages = request.messages): string {
  const { clientModel, system, tools, tool_choice: toolChoice, max_tokens: maxTokens, temperature, top_p: topP, top_k: topK, stop_sequences: stop, thinking, effort, responseFormat, userId, anthropicFields } = request
  const text = canonical({ session, clientModel, system, messages, tools, toolChoice, maxTokens, temperature, topP, topK, stop, thinking, effort, responseFormat, userId, anthropicFields }, withoutMarkers)
  return createHash('sha256').update(text ?? '').digest('hex')
}
