import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyReply } from 'fastify'
import { CallScope, clientClosedError } from '../call-scope.ts'

export interface FrameStreamOptions<T> {
  /** A keep-alive frame written after this much silence (slow first tokens on local models). */
  pingFrame: string
  pingIntervalMs: number
  /** Turns an item of the source into its frame; a stateless encoder here saves a generator hop per event. */
  encode?: (item: T) => string
  /** Write a keep-alive at once (the client has already waited a ping interval for the headers). */
  pingFirst?: boolean
}

/**
 * Writes text frames from an async source to the client as they arrive, never buffering the whole answer:
 * backpressure is honoured, a ping goes out during long silences, and the source is drained to its end
 * (it ends itself when the client's abort signal fires). Frames go straight to the socket (the reply is
 * hijacked; onResponse hooks still run). The frames one network chunk from the upstream produces are
 * joined and leave in one write, flushed on the next tick (when the microtasks that produced them are
 * done): a write per frame cost Node's HTTP layer a chunk header, a trailer and a syscall iovec each,
 * several times the rest of the per-token work (profiled). The end leaves with the last frames.
 */
export function sendFrames<T = string> (reply: FastifyReply, frames: AsyncIterable<T>, options: FrameStreamOptions<T>): void {
  const encode = options.encode ?? String
  const response = reply.raw
  const headers = reply.getHeaders()
  reply.hijack()
  try {
    response.writeHead(reply.statusCode, headers as OutgoingHttpHeaders)
  } catch (error) {
    // A header Node refuses (decisionHeaders makes them safe; this is the last line): end the exchange rather
    // than leave the client waiting, and still start the source below, so the call releases what it holds.
    reply.log.error({ err: error }, 'could not write the stream headers')
    response.destroy()
  }
  let pending = ''
  let flushQueued = false
  let blocked: Promise<void> | undefined
  let lastWrite = Date.now()
  const flush = (): void => {
    flushQueued = false
    if (pending === '' || response.writableEnded || response.destroyed) return
    const text = pending
    pending = ''
    if (!response.write(text)) blocked = new Promise<void>((resolve) => { response.once('drain', resolve); response.once('close', resolve) })
  }
  const queue = (frame: string): void => {
    pending += frame
    lastWrite = Date.now()
    if (!flushQueued) {
      flushQueued = true
      process.nextTick(flush)
    }
  }
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= options.pingIntervalMs && !response.writableEnded) queue(options.pingFrame)
  }, Math.max(250, Math.floor(options.pingIntervalMs / 2)))
  timer.unref()
  if (options.pingFirst === true) queue(options.pingFrame)

  void (async () => {
    try {
      for await (const item of frames) {
        if (response.destroyed) break
        queue(encode(item))
        if (blocked !== undefined) {
          await blocked
          blocked = undefined
        }
      }
    } catch (error) {
      reply.log.error({ err: error }, 'stream to client failed')
    } finally {
      clearInterval(timer)
      if (!response.destroyed) {
        const rest = pending
        pending = ''
        if (rest === '') response.end()
        else response.end(rest)
      }
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
