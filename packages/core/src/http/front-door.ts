import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CallContext, ChatRequest, Logger, MessageEvent, RouteDecision } from '@lynkr/protocol'
import { safeHeaderValue } from '@lynkr/protocol'
import type { ChatCall, StreamOutcome } from '../chat.ts'
import type { CallScope } from '../call-scope.ts'
import { toLynkrError } from '../error-handler.ts'
import { clientScope, sendFrames } from './stream-to-client.ts'
import { estimateTokensFromBytes } from '../tokens/count-tokens.ts'

/**
 * The call-level context. `signal` sits on the prototype and is made on first use: spreading the context
 * into an attempt's (with the attempt's own signal) copies the fields without creating it.
 */
class FrontDoorContext implements CallContext {
  readonly log: Logger
  readonly requestId: string
  readonly headers: Record<string, string | string[] | undefined>
  readonly #scope: CallScope

  constructor (request: FastifyRequest, scope: CallScope) {
    this.log = request.log
    this.requestId = String(request.id)
    this.headers = request.headers
    this.#scope = scope
  }

  get signal (): AbortSignal { return this.#scope.signal }
}

/**
 * What every front door hands the chat service for one request: context, client headers, a first token
 * estimate. `continues`: the message id of an earlier answer the request continues (Responses chains).
 */
export function chatCallFor (request: FastifyRequest, reply: FastifyReply, chatRequest: ChatRequest, options: { continues?: string, chainable?: boolean, textAsOneString?: boolean } = {}): ChatCall {
  const scope = clientScope(reply)
  const response = reply.raw
  return {
    request: chatRequest,
    context: new FrontDoorContext(request, scope),
    headers: request.headers,
    inputTokensEstimate: estimateTokensFromBytes(Number(request.headers['content-length'] ?? 0)),
    scope,
    continues: options.continues,
    chainable: options.chainable,
    ...(options.textAsOneString === true ? { textAsOneString: true } : {}),
    // Observers run once the response left (or the client went): they never delay it.
    afterResponse: (task) => {
      if (response.writableFinished || response.destroyed) { setImmediate(task); return }
      let done = false
      const run = (): void => { if (!done) { done = true; setImmediate(task) } }
      response.once('finish', run)
      response.once('close', run)
    }
  }
}

/**
 * Which provider/model served the request, the same headers on every front door: for users debugging
 * routing, and for the router's tests. The values are made safe (a configured model name may hold anything):
 * a header Node refuses would throw once the response is under way.
 */
export function decisionHeaders (reply: FastifyReply, decision: RouteDecision): void {
  reply.header('x-lynkr-provider', safeHeaderValue(decision.provider))
  reply.header('x-lynkr-model', safeHeaderValue(decision.model))
  reply.header('x-lynkr-route', safeHeaderValue(decision.reason))
  if (decision.tier !== undefined) reply.header('x-lynkr-tier', safeHeaderValue(decision.tier))
  if (decision.cache !== undefined) reply.header('x-lynkr-cache', decision.cache)
}

/** Headers of a server-sent-events answer (no proxy buffering). */
export function eventStreamHeaders (reply: FastifyReply): void {
  reply.header('content-type', 'text/event-stream; charset=utf-8')
  reply.header('cache-control', 'no-cache')
  reply.header('x-accel-buffering', 'no')
}

export interface StreamReplyOptions<T> {
  /** The client dialect's frames for the event sequence (an `error` event included), or items `encode` turns into frames. */
  frames: (events: AsyncIterable<MessageEvent>) => AsyncIterable<T>
  encode?: (item: T) => string
  /** The dialect's keep-alive (Anthropic `ping` event, an SSE comment for OpenAI streams). */
  pingFrame: string
  /** Silence before a keep-alive, counted from the request's arrival, then between frames. */
  pingIntervalMs: number
}

/**
 * Answers a streaming request from the chat service's pending stream. The status waits for the upstream for
 * one ping interval: a call that fails in that time still gets its own HTTP status (and the router's retries
 * and fallback ran before it). Past that, silence would cost the client its connection (tunnels and proxies
 * drop a request with no byte for ~100 s; a slow reasoning model or a long prompt on a local model takes
 * longer), so the 200 and the event-stream headers go out with a keep-alive, more follow while the upstream
 * is quiet, and a failure after that ends the stream with an error event in the client's dialect. The
 * router keeps working meanwhile (retries, fallback): the client just gets the answer later; only the
 * `x-lynkr-*` headers then name no provider, since they left before one was chosen.
 */
export async function sendStreamReply<T = string> (reply: FastifyReply, pending: Promise<StreamOutcome>, options: StreamReplyOptions<T>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const silence = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), options.pingIntervalMs) })
  let outcome: StreamOutcome | undefined
  try {
    outcome = await Promise.race([pending, silence])
  } finally {
    clearTimeout(timer)
  }
  eventStreamHeaders(reply)
  if (outcome !== undefined) {
    decisionHeaders(reply, outcome.decision)
    sendFrames(reply, options.frames(outcome.events), options)
    return
  }
  sendFrames(reply, options.frames(eventsWhenReady(pending)), { ...options, pingFirst: true })
}

async function * eventsWhenReady (pending: Promise<StreamOutcome>): AsyncGenerator<MessageEvent> {
  let outcome: StreamOutcome
  try {
    outcome = await pending
  } catch (error) {
    yield { type: 'error', error: toLynkrError(error) }
    return
  }
  yield * outcome.events
}
