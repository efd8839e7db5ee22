import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LynkrError, isLynkrError } from '@lynkr/protocol'
import { formatByteSize } from './body-limit.ts'
import type { DialectRegistry } from './dialects.ts'
import { discardRequestBody, tagSocketDialect } from './http/client-errors.ts'

/** Normalises anything thrown in a route (Fastify's own errors included) into a LynkrError. */
export function toLynkrError (error: unknown, bodyLimit?: number): LynkrError {
  if (isLynkrError(error)) return error
  const fastifyError = error as FastifyError
  const status = fastifyError.statusCode ?? 500
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = bodyLimit === undefined ? 'the limit' : `the ${formatByteSize(bodyLimit)} limit`
    return new LynkrError('request_too_large', `Request body is larger than ${limit} (REQUEST_JSON_LIMIT)`, { status: 413, code: 'LYNKR_REQUEST_TOO_LARGE' })
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new LynkrError('invalid_request', 'Content-Type must be application/json', { status: 415, code: 'LYNKR_REQUEST_MEDIA_TYPE' })
  }
  // JSON bodies are parsed by the gateway's own parser, which throws LynkrErrors with their own messages.
  if (status >= 400 && status < 500) {
    return new LynkrError(status === 404 ? 'not_found' : 'invalid_request', fastifyError.message, { status, code: 'LYNKR_REQUEST_INVALID' })
  }
  return new LynkrError('api_error', 'Internal gateway error', { status: 500, cause: error, code: 'LYNKR_INTERNAL' })
}

function send (dialects: DialectRegistry, request: FastifyRequest, reply: FastifyReply, error: LynkrError): FastifyReply {
  const dialect = dialects.pick(request)
  if (dialect === undefined) return reply.code(error.status).send({ error: { message: error.message } })
  const formatted = dialect.formatError(error, String(request.id))
  if (error.retryAfter !== undefined) reply.header('retry-after', String(Math.ceil(error.retryAfter)))
  for (const [name, value] of Object.entries(formatted.headers ?? {})) reply.header(name, value)
  return reply.code(formatted.status).type('application/json').send(formatted.body)
}

/** An upstream that cannot be reached is an operational state, not a bug here: one warning line, no stack. */
const UPSTREAM_UNAVAILABLE = new Set(['LYNKR_UPSTREAM_UNREACHABLE', 'LYNKR_UPSTREAM_TIMEOUT'])

/**
 * Log fields for a failure a plugin works around (an embedder, a summary or extractor model): an upstream that
 * cannot be reached gives its code, provider and message, which print as one line; anything else keeps the
 * error and its stack, because that is a bug worth reading.
 */
export function failureLogFields (error: unknown): Record<string, unknown> {
  if (isLynkrError(error) && UPSTREAM_UNAVAILABLE.has(error.code)) return { code: error.code, provider: error.provider, reason: error.message }
  return { err: error }
}

/** Installs the error and not-found handlers for the gateway scope. */
export function installErrorHandling (app: FastifyInstance, dialects: DialectRegistry): void {
  app.addHook('onRequest', (request, _reply, done) => {
    tagSocketDialect(dialects, request)
    done()
  })
  app.setErrorHandler(async (error, request, reply) => {
    const failure = toLynkrError(error, request.routeOptions.bodyLimit)
    // Refused before its body was read (too large): read the rest first, so the client is not cut off mid-send.
    if (failure.status === 413) await discardRequestBody(request.raw)
    if (UPSTREAM_UNAVAILABLE.has(failure.code)) request.log.warn({ code: failure.code, status: failure.status, provider: failure.provider }, failure.message)
    else if (failure.status >= 500) request.log.error({ err: error }, failure.message)
    else request.log.info({ code: failure.code, status: failure.status }, failure.message)
    return send(dialects, request, reply, failure)
  })
  app.setNotFoundHandler((request, reply) => {
    const failure = new LynkrError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`, { code: 'LYNKR_ROUTE_NOT_FOUND' })
    return send(dialects, request, reply, failure)
  })
}
