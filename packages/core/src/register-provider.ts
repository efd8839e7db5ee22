import type { FastifyInstance } from 'fastify'
import type { ProviderAdapter } from '@lynkr/protocol'
import { UpstreamClient } from './http/upstream-client.ts'

/** The HTTP settings every provider plugin takes from its env. */
export interface UpstreamProviderOptions {
  /** Milliseconds to wait for response headers. */
  timeoutMs: number
  connectTimeoutMs?: number
  /** A dispatcher owned by the embedder or a test (never closed by us). */
  dispatcher?: unknown
}

/**
 * The body of a provider plugin: one pooled UpstreamClient for the adapter `create` builds on it,
 * registered with the provider registry and closed with the app.
 */
export function registerUpstreamProvider (app: FastifyInstance, options: UpstreamProviderOptions, create: (client: UpstreamClient) => ProviderAdapter): void {
  const client = new UpstreamClient({ dispatcher: options.dispatcher as never, headersTimeoutMs: options.timeoutMs, connectTimeoutMs: options.connectTimeoutMs })
  app.lynkr.providers.register(create(client))
  app.addHook('onClose', async () => { await client.close() })
}
