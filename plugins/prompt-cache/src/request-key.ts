import { createHash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'
import type { ChatRequest } from '@lynkr/protocol'
import { withoutBreakpoints } from '@lynkr/core'

// Keys sorted at every level, so two serialisations of the same request are the same bytes.
const canonical = configure({ deterministic: true, circularValue: null })

/**
 * Everything in the client's request that shapes the answer (not `stream`: a streamed and a whole request share
 * an entry; not `model`, which routing fills in), hashed canonically with the session it belongs to.
 */
export function requestKey (request: ChatRequest, session: string, messages = request.messages): string {
  const { clientModel, system, tools, tool_choice: toolChoice, max_tokens: maxTokens, temperature, top_p: topP, top_k: topK, stop_sequences: stop, thinking, effort, responseFormat, userId, anthropicFields } = request
  const text = canonical({ session, clientModel, system, messages, tools, toolChoice, maxTokens, temperature, topP, topK, stop, thinking, effort, responseFormat, userId, anthropicFields }, withoutBreakpoints) // a client that moves its breakpoints asks the same question
  return createHash('sha256').update(text ?? '').digest('hex')
}

/**
 * A cheap first look (the session, model, settings and newest message only): the canonical key of a whole
 * Claude Code request takes milliseconds, so it is computed only when this matches a stored answer, and
 * for storing, once the client has its answer.
 */
export function requestFingerprint (request: ChatRequest, session: string): string {
  const { clientModel, max_tokens: maxTokens, temperature, messages, tools, system } = request
  return createHash('sha256').update(JSON.stringify([session, clientModel, maxTokens, temperature, messages.length, tools?.length ?? 0, system?.length ?? 0, messages.at(-1)])).digest('hex')
}
