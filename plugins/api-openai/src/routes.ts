import type { FastifyInstance } from 'fastify'
import { chatCallFor, decisionHeaders, sendStreamReply } from '@lynkr/core'
import { parseChatRequest } from './parse-chat-request.ts'
import { parseResponsesRequest } from './parse-responses-request.ts'
import { CHAT_PING_FRAME, chatChunkFrames } from './encode-chat-chunks.ts'
import { messageIdOf, responsesFrames, toResponseObject } from './encode-responses.ts'
import { toChatCompletion } from './to-chat-completion.ts'

export interface OpenAIRouteOptions { pingIntervalMs: number }

export async function openAIRoutes (app: FastifyInstance, options: OpenAIRouteOptions): Promise<void> {
  const config = { dialect: 'openai' }
  const bodyLimit = app.lynkr.bodyLimit
  const pings = { pingFrame: CHAT_PING_FRAME, pingIntervalMs: options.pingIntervalMs }

  app.post('/v1/chat/completions', { config, bodyLimit }, async (request, reply) => {
    const parsed = parseChatRequest(request.body)
    // Cursor sends Responses-shaped bodies here, previous_response_id included.
    const call = chatCallFor(request, reply, parsed.request, { continues: messageIdOf(request.body), textAsOneString: true })
    if (!parsed.request.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return toChatCompletion(message, parsed.customTools)
    }
    // Upstream failures within the first ping interval reject here, before any byte: the error handler answers them with their status.
    await sendStreamReply(reply, app.lynkr.chat.stream(call), { ...pings, frames: (events) => chatChunkFrames(events, parsed) })
    return reply
  })

  app.post('/v1/responses', { config, bodyLimit }, async (request, reply) => {
    const parsed = parseResponsesRequest(request.body)
    const call = chatCallFor(request, reply, parsed.request, { continues: messageIdOf(request.body), chainable: true, textAsOneString: true })
    if (!parsed.request.stream) {
      const { decision, message } = await app.lynkr.chat.complete(call)
      decisionHeaders(reply, decision)
      return toResponseObject(message, parsed)
    }
    await sendStreamReply(reply, app.lynkr.chat.stream(call), { ...pings, frames: (events) => responsesFrames(events, parsed) })
    return reply
  })
}
