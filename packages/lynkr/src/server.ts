import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { answerClientError } from '@lynkr/core'
import { randomUUID } from 'node:crypto'
import lynkrApp from './app.ts'
import { redactSecrets } from './redact-secrets.ts'
import { logOneLinePerRequest } from './request-log.ts'
import type { LynkrAppOptions, LynkrGateway } from './app.ts'

export interface ServerOptions extends LynkrAppOptions {
  env: Record<string, string | undefined>
  /** pino options or false; LOG_LEVEL picks the level. */
  logger?: boolean | Record<string, unknown>
}

/** Adds the secret-header censoring to pino options, after any log formatter the embedder set. */
export function withRedaction (options: Record<string, unknown>): Record<string, unknown> {
  const formatters = (options.formatters ?? {}) as { log?: (fields: Record<string, unknown>) => Record<string, unknown> }
  const own = formatters.log
  return { ...options, formatters: { ...formatters, log: own === undefined ? redactSecrets : (fields: Record<string, unknown>) => redactSecrets(own(fields)) } }
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
  // Only a `/v1/` in the path counts, not one inside the query string.
  const query = url.indexOf('?')
  const at = (query === -1 ? url : url.slice(0, query)).indexOf('/v1/')
  return at > 0 ? url.slice(at) : url
}

/** The standalone server: lynkr at the root of its own Fastify instance, so `app.lynkr` is there. */
export async function buildServer (options: ServerOptions): Promise<FastifyInstance & { lynkr: LynkrGateway }> {
  const env = options.env
  const basePath = env.BASE_PATH?.replace(/\/+$/, '')
  // Keys and tokens never reach the log, whoever supplies the logger options.
  const logger = options.logger === undefined
    ? withRedaction({ level: env.LOG_LEVEL ?? 'info' })
    : typeof options.logger === 'object' ? withRedaction(options.logger) : options.logger
  const app = Fastify({
    logger,
    // Claude Code keeps sockets idle between turns; Fastify's 5 s default drops them mid-session.
    keepAliveTimeout: 120_000,
    requestTimeout: 0,
    forceCloseConnections: 'idle',
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    rewriteUrl: (request) => stripBasePath(request.url ?? '/', basePath),
    // One line per request instead of Fastify's two (see request-log.ts).
    logController: new Fastify.LogController({ disableRequestLogging: true }),
    // Unparseable bytes (more body than Content-Length said) get a 400 in the caller's protocol.
    clientErrorHandler: (error, socket) => { answerClientError(app.lynkr.dialects, error, socket) }
  })
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    request.log.debug({ method: request.method, url: request.url }, 'incoming request')
    done()
  })
  await app.register(fp(lynkrApp), { env, dispatcher: options.dispatcher, dataDir: options.dataDir, onReady: options.onReady, plugins: options.plugins })
  logOneLinePerRequest(app)
  return app as FastifyInstance & { lynkr: LynkrGateway }
}
