import type { FastifyInstance } from 'fastify'
import type { MessageEvent } from '@lynkr/protocol'
import { chatCallFor, countRequestTokens, decisionHeaders, eventStreamHeaders, sendStreamReply } from '@lynkr/core'
import { parseMessagesRequest } from './parse-messages-request.ts'
import { encodeAnthropicSse, PING_FRAME } from './encode-anthropic-sse.ts'
import { isPrewarm, prewarmEvents, prewarmMessage } from './prewarm.ts'

export interface MessagesRouteOptions { pingIntervalMs: number }

export async function messagesRoutes (app: FastifyInstance, options: MessagesRouteOptions): Promise<void> {
  const config = { dialect: 'anthropic' }
  const bodyLimit = app.lynkr.bodyLimit

  app.post('/v1/messages', { config, bodyLimit }, async (request, reply) => {
    const chatRequest = parseMessagesRequest(request.body)
    reply.header('request-id', String(request.id))
    if (isPrewarm(chatRequest)) {
      if (!chatRequest.stream) return prewarmMessage(chatRequest)
      eventStreamHeaders(reply)
      return prewarmEvents(chatRequest).map(encodeAnthropicSse).join('')
    }
    const call = chatCallFor(request, reply, chatRequest)
    if (!chatRequest.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return message
    }
    await sendStreamReply<MessageEvent>(reply, app.lynkr.chat.stream(call), { frames: (events) => events, encode: encodeAnthropicSse, pingFrame: PING_FRAME, pingIntervalMs: options.pingIntervalMs })
    return reply
  })

  app.post('/v1/messages/count_tokens', { config, bodyLimit }, async (request, reply) => {
    const chatRequest = parseMessagesRequest(request.body, { countOnly: true })
    // Counted as the middleware and steps would send it (gateway tools added, tool results cut, old ones
    // cleared…): Claude Code's context gauge and auto-compaction act on this number.
    const sent = app.lynkr.pipeline.changesContent || app.lynkr.chat.changesCount ? await app.lynkr.chat.prepareForCount(chatCallFor(request, reply, chatRequest)) : chatRequest
    return { input_tokens: await countRequestTokens(sent) }
  })
}
