import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyReply } from 'fastify'
import { CallScope, clientClosedError } from '../call-scope.ts'

export interface FrameStreamOptions<T> {
  /** A keep-alive frame written after this much silence (slow first tokens on local models). */
  pingFrame: string
  pingIntervalMs: number
  /** Turns an item of the source into its frame; a stateless encoder here saves a generator hop per event. */
  encode?: (item: T) => string
}

/**
 * Writes text frames from an async source to the client as they arrive, never buffering the whole answer:
 * backpressure is honoured, a ping goes out during long silences, and the source is drained to its end
 * (it ends itself when the client's abort signal fires). Frames go straight to the socket (the reply is
 * hijacked; onResponse hooks still run): frames that are ready together, the end included, leave in one
 * write, where a PassThrough piped by Fastify cost a PassThrough per stream and a separate write for the end.
 */
export function sendFrames<T = string> (reply: FastifyReply, frames: AsyncIterable<T>, options: FrameStreamOptions<T>): void {
  const encode = options.encode ?? String
  const response = reply.raw
  const headers = reply.getHeaders()
  reply.hijack()
  response.writeHead(reply.statusCode, headers as OutgoingHttpHeaders)
  let lastWrite = Date.now()
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= options.pingIntervalMs && !response.writableEnded) {
      response.write(options.pingFrame)
      lastWrite = Date.now()
    }
  }, Math.max(250, Math.floor(options.pingIntervalMs / 2)))
  timer.unref()

  void (async () => {
    try {
      for await (const item of frames) {
        lastWrite = Date.now()
        if (response.destroyed) break
        if (!response.write(encode(item))) await new Promise<void>((resolve) => { response.once('drain', resolve); response.once('close', resolve) })
      }
    } catch (error) {
      reply.log.error({ err: error }, 'stream to client failed')
    } finally {
      clearInterval(timer)
      if (!response.destroyed) response.end()
    }
  })()
}

/** An AbortSignal that fires (with the 499 "client closed" reason) when the client goes away before the response finished. */
export function clientAbortSignal (reply: FastifyReply): AbortSignal {
  return clientScope(reply).signal
}

/** A call scope that aborts when the client goes away before the response finished. */
export function clientScope (reply: FastifyReply): CallScope {
  const scope = new CallScope()
  const response = reply.raw
  response.once('close', () => {
    if (!response.writableFinished) scope.abort(clientClosedError())
  })
  return scope
}
