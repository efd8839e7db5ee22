import type { LynkrCore } from './lynkr-core.ts'

/**
 * `app.lynkr` for plugins, which run inside the gateway's encapsulation context. Kept out of the
 * `@lynkr/core/gateway` types that the `lynkr` package exposes: a host's own instance has no `lynkr`
 * (it lives under the prefix lynkr is registered with), so it must not compile there.
 */
declare module 'fastify' {
  interface FastifyInstance { lynkr: LynkrCore }
}

/** Imported by index.ts so every importer of `@lynkr/core` (every plugin) sees the decorator. */
export interface LynkrDecorators { lynkr: LynkrCore }
