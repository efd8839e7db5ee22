import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CallContext, ChatRequest, Logger, RouteDecision } from '@lynkr/protocol'
import { safeHeaderValue } from '@lynkr/protocol'
import type { ChatCall } from '../chat.ts'
import type { CallScope } from '../call-scope.ts'
import { clientScope } from './stream-to-client.ts'
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

/** What every front door hands the chat service for one request: context, client headers, a first token estimate. */
export function chatCallFor (request: FastifyRequest, reply: FastifyReply, chatRequest: ChatRequest): ChatCall {
  const scope = clientScope(reply)
  return {
    request: chatRequest,
    context: new FrontDoorContext(request, scope),
    headers: request.headers,
    inputTokensEstimate: estimateTokensFromBytes(Number(request.headers['content-length'] ?? 0)),
    scope
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
}

/** Headers of a server-sent-events answer (no proxy buffering). */
export function eventStreamHeaders (reply: FastifyReply): void {
  reply.header('content-type', 'text/event-stream; charset=utf-8')
  reply.header('cache-control', 'no-cache')
  reply.header('x-accel-buffering', 'no')
}
