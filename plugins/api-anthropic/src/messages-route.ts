import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CallContext, MessageEvent, RouteDecision } from '@lynkr/protocol'
import { clientAbortSignal, countRequestTokens, estimateTokensFromBytes, sendFrames } from '@lynkr/core'
import { parseMessagesRequest } from './parse-messages-request.ts'
import { encodeAnthropicSse, PING_FRAME } from './encode-anthropic-sse.ts'


export interface MessagesRouteOptions { pingIntervalMs: number }

function callContext (request: FastifyRequest, reply: FastifyReply): CallContext {
  return { signal: clientAbortSignal(reply), log: request.log, requestId: String(request.id), headers: request.headers }
}

/** Which provider/model served the request: for users debugging routing, and for the router's tests. */
export function decisionHeaders (reply: FastifyReply, decision: RouteDecision): void {
  reply.header('x-lynkr-provider', decision.provider)
  reply.header('x-lynkr-model', decision.model)
  reply.header('x-lynkr-route', decision.reason)
  if (decision.tier !== undefined) reply.header('x-lynkr-tier', decision.tier)
}

async function * frames (events: AsyncIterable<MessageEvent>): AsyncGenerator<string> {
  for await (const event of events) yield encodeAnthropicSse(event)
}

export async function messagesRoutes (app: FastifyInstance, options: MessagesRouteOptions): Promise<void> {
  const config = { dialect: 'anthropic' }
  const bodyLimit = app.lynkr.bodyLimit

  app.post('/v1/messages', { config, bodyLimit }, async (request, reply) => {
    const chatRequest = parseMessagesRequest(request.body)
    const length = Number(request.headers['content-length'] ?? 0)
    const call = {
      request: chatRequest,
      context: callContext(request, reply),
      headers: request.headers,
      inputTokensEstimate: estimateTokensFromBytes(length)
    }
    reply.header('request-id', String(request.id))
    if (!chatRequest.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return message
    }
    const { decision, events } = await app.lynkr.chat.stream(call)
    decisionHeaders(reply, decision)
    reply.header('content-type', 'text/event-stream; charset=utf-8')
    reply.header('cache-control', 'no-cache')
    reply.header('x-accel-buffering', 'no')
    sendFrames(reply, frames(events), { pingFrame: PING_FRAME, pingIntervalMs: options.pingIntervalMs })
    return reply
  })

  app.post('/v1/messages/count_tokens', { config, bodyLimit }, async (request) => {
    const chatRequest = parseMessagesRequest(request.body, { countOnly: true })
    return { input_tokens: await countRequestTokens(chatRequest) }
  })
}
