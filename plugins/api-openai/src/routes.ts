import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ChatRequest } from '@lynkr/protocol'
import type { ChatCall } from '@lynkr/core'
import { clientAbortSignal, estimateTokensFromBytes, sendFrames } from '@lynkr/core'
import { parseChatRequest } from './parse-chat-request.ts'
import { parseResponsesRequest } from './parse-responses-request.ts'
import { CHAT_PING_FRAME, chatChunkFrames } from './encode-chat-chunks.ts'
import { responsesFrames, toResponseObject } from './encode-responses.ts'
import { toChatCompletion } from './to-chat-completion.ts'

export interface OpenAIRouteOptions { pingIntervalMs: number }

function chatCall (request: FastifyRequest, reply: FastifyReply, chatRequest: ChatRequest): ChatCall {
  return {
    request: chatRequest,
    context: { signal: clientAbortSignal(reply), log: request.log, requestId: String(request.id), headers: request.headers },
    headers: request.headers,
    inputTokensEstimate: estimateTokensFromBytes(Number(request.headers['content-length'] ?? 0))
  }
}

/** Which provider/model served the request (same headers as the Anthropic front door). */
function decisionHeaders (reply: FastifyReply, decision: { provider: string, model: string, reason: string, tier?: string }): void {
  reply.header('x-lynkr-provider', decision.provider)
  reply.header('x-lynkr-model', decision.model)
  reply.header('x-lynkr-route', decision.reason)
  if (decision.tier !== undefined) reply.header('x-lynkr-tier', decision.tier)
}

function streamHeaders (reply: FastifyReply): void {
  reply.header('content-type', 'text/event-stream; charset=utf-8')
  reply.header('cache-control', 'no-cache')
  reply.header('x-accel-buffering', 'no')
}

export async function openAIRoutes (app: FastifyInstance, options: OpenAIRouteOptions): Promise<void> {
  const config = { dialect: 'openai' }
  const bodyLimit = app.lynkr.bodyLimit
  const pings = { pingFrame: CHAT_PING_FRAME, pingIntervalMs: options.pingIntervalMs }

  app.post('/v1/chat/completions', { config, bodyLimit }, async (request, reply) => {
    const parsed = parseChatRequest(request.body)
    const call = chatCall(request, reply, parsed.request)
    if (!parsed.request.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return toChatCompletion(message, parsed.customTools)
    }
    // Upstream failures reject here, before any byte: the error handler answers them with their status.
    const { decision, events } = await app.lynkr.chat.stream(call)
    decisionHeaders(reply, decision)
    streamHeaders(reply)
    sendFrames(reply, chatChunkFrames(events, parsed), pings)
    return reply
  })

  app.post('/v1/responses', { config, bodyLimit }, async (request, reply) => {
    const parsed = parseResponsesRequest(request.body)
    const call = chatCall(request, reply, parsed.request)
    if (!parsed.request.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return toResponseObject(message, parsed)
    }
    const { decision, events } = await app.lynkr.chat.stream(call)
    decisionHeaders(reply, decision)
    streamHeaders(reply)
    sendFrames(reply, responsesFrames(events, parsed), pings)
    return reply
  })
}
