/**
 * The response cache: a chat middleware that answers an exact repeat of a request in the same session from
 * memory, as a stream or a whole message in the client's dialect (the front door encodes it), marked
 * `x-lynkr-cache: hit`. Only finished answers are kept (stop reason end_turn or stop_sequence, no tool call):
 * a tool decision is never replayed, since the world it was made in may have changed. With a semantic cache,
 * a tool-free request whose prompt means the same as an earlier one in the same context is answered too.
 */
import { randomUUID } from 'node:crypto'
import type { ChatRequest, MessageEvent, RouteDecision, SessionIdentity } from '@lynkr/protocol'
import { collectMessage, replayMessage } from '@lynkr/core'
import type { AssembledMessage, ChatCall, ChatMiddleware, LynkrEvents } from '@lynkr/core'
import { ExpiringStore } from './expiring-store.ts'
import { requestFingerprint, requestKey } from './request-key.ts'
import type { SemanticCache, SemanticLookup } from './semantic-cache.ts'

export interface CachedAnswer { decision: RouteDecision, message: AssembledMessage }

export interface ResponseCacheOptions {
  ttlMs: number
  maxEntries: number
  /** Also cache requests that ask for sampling (temperature > 0): by default a repeat of those wants a new answer. */
  sampled: boolean
  /** The session a call belongs to (the chat service's answer, the same steps and observers get). */
  sessionOf: (call: ChatCall) => SessionIdentity
  events?: LynkrEvents
  semantic?: SemanticCache
}

const KEPT_STOP_REASONS = new Set(['end_turn', 'stop_sequence'])

/** A finished answer with no tool call in it (client or server tool): safe to give again. */
export function cacheableAnswer (message: AssembledMessage): boolean {
  if (!KEPT_STOP_REASONS.has(message.stop_reason ?? '')) return false
  return !message.content.some((block) => block.type === 'tool_use' || (block.type as string) === 'server_tool_use')
}

/** Requests worth looking up: not explicitly sampled, unless configured (a pre-warm's empty answer stops at max_tokens: never kept). */
export function cacheableRequest (request: ChatRequest, sampled: boolean): boolean {
  return sampled || request.temperature === undefined || request.temperature === 0
}

interface Lookup { hit?: CachedAnswer, store: (answer: CachedAnswer) => void }

export function responseCache (options: ResponseCacheOptions): ChatMiddleware {
  // By fingerprint; the entry holds the full canonical key it must match.
  const answers = new ExpiringStore<CachedAnswer & { key: string }>({ ttlMs: options.ttlMs, maxEntries: options.maxEntries })
  const emit = (cache: 'exact' | 'semantic', outcome: 'hit' | 'miss' | 'stored', decision: RouteDecision): void => {
    options.events?.emit('response-cache', { cache, outcome, provider: decision.provider, model: decision.model })
  }

  async function lookup (call: ChatCall): Promise<Lookup | undefined> {
    if (!cacheableRequest(call.request, options.sampled)) return undefined
    const session = options.sessionOf(call)
    const fingerprint = requestFingerprint(call.request, session.id)
    const candidate = answers.get(fingerprint)
    const exact = candidate !== undefined && candidate.key === requestKey(call.request, session.id) ? candidate : undefined
    if (exact !== undefined) {
      emit('exact', 'hit', exact.decision)
      return { hit: answerFrom(exact, 'hit'), store: () => {} }
    }
    let semantic: SemanticLookup | undefined
    if (options.semantic !== undefined) {
      // A session lynkr derived from the first prompt would make every new question its own scope: the
      // conversation's content (model, system prompt, earlier turns) scopes it then.
      semantic = await options.semantic.lookup(call.request, session.source === 'hash' ? '' : session.id, call.scope.signal, call.context.log)
      if (semantic?.hit !== undefined) {
        emit('semantic', 'hit', semantic.hit.decision)
        return { hit: answerFrom(semantic.hit, 'semantic'), store: () => {} }
      }
    }
    return {
      store: (answer) => {
        if (options.maxEntries > 0) emit('exact', 'miss', answer.decision)
        if (semantic !== undefined) emit('semantic', 'miss', answer.decision)
        if (!cacheableAnswer(answer.message)) return
        const kept = { decision: answer.decision, message: answer.message }
        if (options.maxEntries > 0) {
          answers.set(fingerprint, { ...kept, key: requestKey(call.request, session.id) })
          emit('exact', 'stored', answer.decision)
        }
        if (semantic?.store !== undefined) {
          semantic.store(kept)
          emit('semantic', 'stored', answer.decision)
        }
      }
    }
  }

  return {
    name: 'response-cache',
    async stream (call, next) {
      const found = await lookup(call)
      if (found?.hit !== undefined) return { decision: found.hit.decision, events: toAsync(replayMessage(found.hit.message)) }
      const outcome = await next(call)
      if (found === undefined) return outcome
      return { decision: outcome.decision, events: keepAnswer(outcome.events, (message) => { found.store({ decision: outcome.decision, message }) }) }
    },
    async complete (call, next) {
      const found = await lookup(call)
      if (found?.hit !== undefined) return found.hit
      const outcome = await next(call)
      // Stored once the answer is on its way: hashing a long request should not delay it.
      if (found !== undefined) setImmediate(() => { found.store(outcome) })
      return outcome
    }
  }
}

/** A stored answer as a new response: its own id, the decision that produced it, marked as a cache answer. */
function answerFrom (entry: CachedAnswer, cache: 'hit' | 'semantic'): CachedAnswer {
  return {
    decision: { ...entry.decision, reason: 'cache', cache },
    message: { ...entry.message, id: `msg_${randomUUID().replace(/-/g, '')}`, content: structuredClone(entry.message.content), usage: { ...entry.message.usage } }
  }
}

async function * toAsync (events: MessageEvent[]): AsyncGenerator<MessageEvent> { yield * events }

/** Passes the events on and keeps the whole answer once it ended well (an error or a client that left keeps nothing). */
async function * keepAnswer (events: AsyncIterable<MessageEvent>, keep: (message: AssembledMessage) => void): AsyncGenerator<MessageEvent> {
  const seen: MessageEvent[] = []
  let ended = false
  for await (const event of events) {
    seen.push(event)
    if (event.type === 'message_stop') ended = true
    yield event
  }
  if (ended) collectMessage(seen).then(keep, () => {})
}
