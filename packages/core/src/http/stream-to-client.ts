import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'

export interface FrameStreamOptions {
  /** A keep-alive frame written after this much silence (slow first tokens on local models). */
  pingFrame: string
  pingIntervalMs: number
}

/**
 * Pipes text frames from an async source to the client as they arrive, never buffering the whole answer:
 * backpressure is honoured, a ping goes out during long silences, and the source is drained to its end
 * (it ends itself when the client's abort signal fires).
 */
export function sendFrames (reply: FastifyReply, frames: AsyncIterable<string>, options: FrameStreamOptions): void {
  const output = new PassThrough()
  let lastWrite = Date.now()
  const timer = setInterval(() => {
    if (Date.now() - lastWrite >= options.pingIntervalMs && !output.writableEnded) {
      output.write(options.pingFrame)
      lastWrite = Date.now()
    }
  }, Math.max(250, Math.floor(options.pingIntervalMs / 2)))
  timer.unref()
  reply.send(output)

  void (async () => {
    try {
      for await (const frame of frames) {
        lastWrite = Date.now()
        if (!output.write(frame)) await new Promise<void>((resolve) => { output.once('drain', resolve); output.once('close', resolve) })
        if (output.destroyed) break
      }
    } catch (error) {
      reply.log.error({ err: error }, 'stream to client failed')
    } finally {
      clearInterval(timer)
      output.end()
    }
  })()
}

/** An AbortSignal that fires when the client goes away before the response finished. */
export function clientAbortSignal (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'))
  })
  return controller.signal
}
