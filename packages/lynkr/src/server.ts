import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { randomUUID } from 'node:crypto'
import lynkrApp from './app.ts'
import type { LynkrAppOptions } from './app.ts'

export interface ServerOptions extends LynkrAppOptions {
  env: Record<string, string | undefined>
  /** pino options or false; LOG_LEVEL picks the level. */
  logger?: boolean | Record<string, unknown>
}

const KNOWN_ROOTS = ['/v1/', '/health/', '/metrics', '/api/']

/**
 * Clients keep a path prefix from their base URL (`ANTHROPIC_BASE_URL=http://host/anthropic` calls
 * `/anthropic/v1/messages`). BASE_PATH strips a configured prefix; any other prefix in front of `/v1/`
 * is stripped too, so a base URL with a path works without configuration.
 */
export function stripBasePath (url: string, basePath: string | undefined): string {
  if (basePath && basePath !== '/' && (url === basePath || url.startsWith(basePath + '/') || url.startsWith(basePath + '?'))) {
    url = url.slice(basePath.length) || '/'
    if (url.startsWith('?')) url = '/' + url
  }
  if (KNOWN_ROOTS.some((root) => url.startsWith(root))) return url
  const at = url.indexOf('/v1/')
  return at > 0 && at < url.indexOf('?') >>> 0 ? url.slice(at) : url
}

export async function buildServer (options: ServerOptions): Promise<FastifyInstance> {
  const env = options.env
  const basePath = env.BASE_PATH?.replace(/\/+$/, '')
  const logger = options.logger ?? {
    level: env.LOG_LEVEL ?? 'info',
    // Keys and tokens never reach the log.
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["api-key"]']
  }
  const app = Fastify({
    logger,
    // Claude Code keeps sockets idle between turns; Fastify's 5 s default drops them mid-session.
    keepAliveTimeout: 120_000,
    requestTimeout: 0,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    rewriteUrl: (request) => stripBasePath(request.url ?? '/', basePath)
  })
  app.addHook('onSend', async (request, reply) => { reply.header('x-request-id', request.id) })
  await app.register(fp(lynkrApp), { env, dispatcher: options.dispatcher })
  return app
}
