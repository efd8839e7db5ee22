import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { registerModelsRoute } from '@lynkr/core'
import { anthropicDialect } from './anthropic-dialect.ts'
import { messagesRoutes } from './messages-route.ts'
import { probeRoutes } from './probe-routes.ts'

export interface AnthropicFrontDoorOptions {
  /** Milliseconds of stream silence before a `ping` event keeps the connection alive. */
  pingIntervalMs: number
}

async function anthropicFrontDoor (app: FastifyInstance, options: AnthropicFrontDoorOptions): Promise<void> {
  app.lynkr.dialects.register(anthropicDialect)
  await messagesRoutes(app, { pingIntervalMs: options.pingIntervalMs })
  await probeRoutes(app)
  registerModelsRoute(app)
}

export default fp(anthropicFrontDoor, { name: '@lynkr/api-anthropic', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'front-door',
  env: Type.Object({
    ANTHROPIC_PING_INTERVAL_MS: Type.Integer({ default: 15000, minimum: 1000 })
  }),
  toOptions: (env): AnthropicFrontDoorOptions => ({ pingIntervalMs: env.ANTHROPIC_PING_INTERVAL_MS })
})

export { parseMessagesRequest } from './parse-messages-request.ts'
export { encodeAnthropicSse } from './encode-anthropic-sse.ts'
export { anthropicDialect, anthropicErrorObject } from './anthropic-dialect.ts'
// Moved to @lynkr/core (shared by every front door); re-exported for existing importers.
export { decisionHeaders } from '@lynkr/core'
