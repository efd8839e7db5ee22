import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ChatRequest, RouteDecision } from '@lynkr/protocol'
import type { ChatCall } from '../chat.ts'
import { estimateTokensFromBytes } from '../tokens/count-tokens.ts'
import { clientAbortSignal } from './stream-to-client.ts'

/** What every front door hands the chat service for one request: context, client headers, a first token estimate. */
export function chatCallFor (request: FastifyRequest, reply: FastifyReply, chatRequest: ChatRequest): ChatCall {
  return {
    request: chatRequest,
    context: { signal: clientAbortSignal(reply), log: request.log, requestId: String(request.id), headers: request.headers },
    headers: request.headers,
    inputTokensEstimate: estimateTokensFromBytes(Number(request.headers['content-length'] ?? 0))
  }
}

/**
 * Which provider/model served the request, the same headers on every front door: for users debugging
 * routing, and for the router's tests.
 */
export function decisionHeaders (reply: FastifyReply, decision: RouteDecision): void {
  reply.header('x-lynkr-provider', decision.provider)
  reply.header('x-lynkr-model', decision.model)
  reply.header('x-lynkr-route', decision.reason)
  if (decision.tier !== undefined) reply.header('x-lynkr-tier', decision.tier)
}

/** Headers of a server-sent-events answer (no proxy buffering). */
export function eventStreamHeaders (reply: FastifyReply): void {
  reply.header('content-type', 'text/event-stream; charset=utf-8')
  reply.header('cache-control', 'no-cache')
  reply.header('x-accel-buffering', 'no')
}
