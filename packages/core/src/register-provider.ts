import type { FastifyInstance } from 'fastify'
import type { ProviderAdapter } from '@lynkr/protocol'
import { UpstreamClient } from './http/upstream-client.ts'
import { connectTimeoutFor } from './http/upstream-timeouts.ts'

/** The HTTP settings every provider plugin takes from its env. */
export interface UpstreamProviderOptions {
  /** Milliseconds to wait for response headers. */
  timeoutMs: number
  /** A dispatcher owned by the embedder or a test (never closed by us). */
  dispatcher?: unknown
}

/**
 * The body of a provider plugin: one pooled UpstreamClient for the adapter `create` builds on it,
 * registered with the provider registry and closed with the app. The connect timeout
 * (`<PROVIDER>_CONNECT_TIMEOUT_MS`, else `UPSTREAM_CONNECT_TIMEOUT_MS`) is read here, once for every
 * provider, so no plugin can forget it.
 */
export function registerUpstreamProvider (app: FastifyInstance, provider: string, options: UpstreamProviderOptions, create: (client: UpstreamClient) => ProviderAdapter): void {
  const client = new UpstreamClient({ dispatcher: options.dispatcher as never, headersTimeoutMs: options.timeoutMs, connectTimeoutMs: connectTimeoutFor(app.lynkr.env, provider) })
  const adapter = create(client)
  if (adapter.id !== provider) throw new Error(`registerUpstreamProvider("${provider}") was given an adapter with id "${adapter.id}"`)
  app.lynkr.providers.register(adapter)
  app.addHook('onClose', async () => { await client.close() })
}
