import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyRequest } from 'fastify'
import { LynkrError } from '@lynkr/protocol'
import type { Dialect, DialectRegistry } from '../dialects.ts'

/** How much of an oversized body is read and thrown away so the client sees the 413 (instead of EPIPE). */
const DISCARD_MAX_BYTES = 256 * 1024 * 1024
const DISCARD_MAX_MS = 30_000

/**
 * Reads and discards what is left of a request body, up to a bound: a server that answers and closes while
 * the client is still sending makes the client fail with EPIPE before it reads the answer.
 */
export async function discardRequestBody (raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.destroyed || raw.readableEnded) return
  await new Promise<void>((resolve) => {
    let seen = 0
    const done = (): void => {
      clearTimeout(timer)
      raw.off('data', onData)
      raw.off('end', done)
      raw.off('close', done)
      raw.off('error', done)
      resolve()
    }
    const onData = (chunk: Buffer): void => {
      seen += chunk.length
      if (seen > DISCARD_MAX_BYTES) done()
    }
    const timer = setTimeout(done, DISCARD_MAX_MS)
    timer.unref()
    raw.on('data', onData)
    raw.once('end', done)
    raw.once('close', done)
    raw.once('error', done)
    raw.resume()
  })
}

const DIALECT = Symbol('lynkr.dialect')
type TaggedSocket = Socket & { [DIALECT]?: Dialect }

/** Remembers the dialect of the last request on a socket, for a parse error on the bytes that follow. */
export function tagSocketDialect (dialects: DialectRegistry, request: FastifyRequest): void {
  const dialect = dialects.pick(request)
  if (dialect !== undefined) (request.raw.socket as TaggedSocket)[DIALECT] = dialect
}

/**
 * Fastify's `clientErrorHandler`: bytes Node cannot parse as HTTP (most often more body than Content-Length
 * announced, read as the next request) get a 400 in the caller's protocol instead of Fastify's own shape,
 * then the connection closes.
 */
export function answerClientError (dialects: DialectRegistry, error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (!socket.writable) {
    socket.destroy(error)
    return
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const failure = new LynkrError(status === 408 ? 'timeout' : 'invalid_request', status === 431
    ? 'Request headers are too large'
    : status === 408 ? 'The request was not received in time' : `Malformed HTTP request (${error.code ?? 'parse error'}): is Content-Length the body's length?`, { status, retryable: false, code: 'LYNKR_REQUEST_MALFORMED' })
  const dialect = (socket as TaggedSocket)[DIALECT] ?? dialects.fallback
  const formatted = dialect?.formatError(failure, 'none')
  const body = JSON.stringify(formatted?.body ?? { error: { message: failure.message } })
  const extra = Object.entries(formatted?.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  const reason = status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`)
}
