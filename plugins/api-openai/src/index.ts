import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { registerModelsRoute } from '@lynkr/core'
import { openAIDialect } from './openai-dialect.ts'
import { openAIRoutes } from './routes.ts'

export interface OpenAIFrontDoorOptions {
  /** Milliseconds of stream silence before an SSE comment keeps the connection alive. */
  pingIntervalMs: number
}

async function openAIFrontDoor (app: FastifyInstance, options: OpenAIFrontDoorOptions): Promise<void> {
  app.lynkr.dialects.register(openAIDialect)
  await openAIRoutes(app, options)
  registerModelsRoute(app)
}

export default fp(openAIFrontDoor, { name: '@lynkr/api-openai', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'front-door',
  env: Type.Object({
    OPENAI_PING_INTERVAL_MS: Type.Integer({ default: 15000, minimum: 1000 })
  }),
  toOptions: (env): OpenAIFrontDoorOptions => ({ pingIntervalMs: env.OPENAI_PING_INTERVAL_MS })
})

export { parseChatRequest } from './parse-chat-request.ts'
export type { ParsedChatRequest } from './parse-chat-request.ts'
export { parseResponsesRequest } from './parse-responses-request.ts'
export { ChatChunkEncoder, chatChunkFrames } from './encode-chat-chunks.ts'
export { ResponsesEventEncoder, responsesFrames, toResponseObject } from './encode-responses.ts'
export { toChatCompletion } from './to-chat-completion.ts'
export { openAIDialect, openAIErrorObject } from './openai-dialect.ts'
export { toChatUsage, toResponsesUsage, finishReasonFor } from './openai-usage.ts'
