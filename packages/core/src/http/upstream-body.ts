import type { Dispatcher } from 'undici'

/** Queued bytes above which the upstream connection is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024
/** What a released body may still read to keep its connection; beyond it the connection is dropped. */
const DRAIN_LIMIT = 128 * 1024

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }
/** Bytes of the body's start kept for error messages (`firstBytes`) (an HTML page or a JSON error where a stream was due). */
const HEAD_BYTES = 512

/**
 * A provider response body, fed by undici's dispatch handler (`upstream-dispatch.ts`). It stands in for
 * undici's BodyReadable with the part of its API the adapters use (`text`, `json`, `dump`, async
 * iteration): a Node stream per response, its async iterator and its async-hooks scope cost about a
 * quarter of the upstream client's CPU per request (measured). A reader that stops early lets go of the
 * rest: it is read and dropped so the connection returns to the pool, or the connection is closed when
 * more than 128 KiB would have to be drained (a model still writing a long answer).
 */
export class UpstreamBody implements AsyncIterable<Buffer> {
  private queue: Buffer[] = []
  private head = 0
  private queuedBytes = 0
  private ended = false
  private failure: unknown
  private failed = false
  private released = false
  private drained = 0
  private waiting: { resolve: (result: IteratorResult<Buffer>) => void, reject: (error: unknown) => void } | undefined
  private settledWaiters: Array<() => void> = []
  private readonly controller: Dispatcher.DispatchController
  private headChunks: Buffer[] = []
  private headLength = 0

  constructor (controller: Dispatcher.DispatchController) {
    this.controller = controller
  }

  // ---- fed by the dispatch handler

  push (chunk: Buffer): void {
    if (this.headLength < HEAD_BYTES) {
      this.headChunks.push(Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength)))
      this.headLength += Math.min(chunk.length, HEAD_BYTES - this.headLength)
    }
    if (this.released) {
      this.drained += chunk.length
      if (this.drained > DRAIN_LIMIT) this.controller.abort(new Error('response body released'))
      return
    }
    const waiting = this.waiting
    if (waiting !== undefined) {
      this.waiting = undefined
      waiting.resolve({ done: false, value: chunk })
      return
    }
    this.queue.push(chunk)
    this.queuedBytes += chunk.length
    if (this.queuedBytes > HIGH_WATER && !this.controller.paused) this.controller.pause()
  }

  end (): void {
    this.ended = true
    this.settle()
  }

  fail (error: unknown): void {
    if (this.ended || this.failed) return
    this.failed = true
    this.failure = error
    this.settle()
  }

  private settle (): void {
    const waiting = this.waiting
    this.waiting = undefined
    if (waiting !== undefined) {
      if (this.failed && !this.released) waiting.reject(this.failure)
      else waiting.resolve(DONE)
    }
    const waiters = this.settledWaiters
    this.settledWaiters = []
    for (const wake of waiters) wake()
  }

  // ---- read by adapters

  /** The first bytes the upstream sent (up to 512), whatever was read since: for saying what came instead of a stream. */
  get firstBytes (): string {
    return Buffer.concat(this.headChunks).toString('utf8')
  }

  /** The next chunk; queued chunks come before an error that followed them. */
  next (): Promise<IteratorResult<Buffer>> {
    if (this.head < this.queue.length) {
      const chunk = this.queue[this.head]!
      this.queue[this.head++] = undefined as unknown as Buffer
      this.queuedBytes -= chunk.length
      if (this.head === this.queue.length) {
        this.queue = []
        this.head = 0
        if (this.controller.paused) this.controller.resume()
      }
      return Promise.resolve({ done: false, value: chunk })
    }
    if (this.released || this.ended) return Promise.resolve(DONE)
    if (this.failed) return Promise.reject(this.failure)
    if (this.controller.paused) this.controller.resume()
    return new Promise((resolve, reject) => { this.waiting = { resolve, reject } })
  }

  [Symbol.asyncIterator] (): AsyncIterator<Buffer> {
    return {
      next: () => this.next(),
      // for-await calls this when the reader stops early (break, return, a throw in the loop).
      return: async () => { void this.dump(); return DONE }
    }
  }

  async text (): Promise<string> {
    const chunks: Buffer[] = []
    for (let result = await this.next(); result.done !== true; result = await this.next()) chunks.push(result.value)
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')
  }

  async json (): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  /** Drops the rest of the body (see the class comment); resolves once the response is over either way. */
  async dump (): Promise<void> {
    if (!this.released) {
      this.released = true
      for (let i = this.head; i < this.queue.length; i++) this.drained += this.queue[i]!.length
      this.queue = []
      this.head = 0
      this.queuedBytes = 0
      if (this.drained > DRAIN_LIMIT && !this.ended && !this.failed) this.controller.abort(new Error('response body released'))
      else if (this.controller.paused) this.controller.resume()
      const waiting = this.waiting
      this.waiting = undefined
      waiting?.resolve(DONE)
    }
    if (this.ended || this.failed) return
    await new Promise<void>((resolve) => this.settledWaiters.push(resolve))
  }
}
