import type { FastifyInstance, FastifyRequest } from 'fastify'
import underPressure from '@fastify/under-pressure'
import { LynkrError } from '@lynkr/protocol'

export interface SheddingOptions {
  /**
   * Fraction of a sample interval the event loop was busy (0–1) above which requests are shed (0 = off).
   * The default signal: it measures this process's own saturation, where event-loop delay also rises when
   * other processes keep the machine busy (a laptop running a build would refuse Claude Code's requests).
   */
  maxEventLoopUtilization: number
  /** Mean event-loop delay (ms) over a sample interval above which requests are shed (0 = off). */
  maxEventLoopDelayMs: number
  maxHeapUsedBytes: number
  maxRssBytes: number
  /** Chat calls in flight (streams included) above which new ones are shed (0 = off). */
  maxConcurrentUpstream: number
  sampleIntervalMs: number
  retryAfterSeconds: number
}

/** Only client-facing model routes are shed: health, metrics and usage stay observable under load. */
function sheddable (request: FastifyRequest): boolean {
  return request.routeOptions.config?.dialect !== undefined
}

function overloaded (reason: string, retryAfterSeconds: number): LynkrError {
  return new LynkrError('overloaded', `lynkr is overloaded (${reason}); retry in ${retryAfterSeconds} s`, {
    status: 503, retryable: true, retryAfter: retryAfterSeconds, code: 'LYNKR_OVERLOADED'
  })
}

const REASONS: Record<string, string> = {
  eventLoopDelay: 'event loop delay',
  heapUsedBytes: 'heap used',
  rssBytes: 'resident memory',
  eventLoopUtilization: 'event loop utilisation',
  healthCheck: 'health check'
}

/**
 * Load shedding with @fastify/under-pressure (event-loop utilisation or delay, heap, RSS) plus a cap on concurrent
 * upstream calls. A shed request gets the client dialect's overloaded error (the gateway's error handler
 * formats it) with Retry-After.
 */
export async function installLoadShedding (app: FastifyInstance, options: SheddingOptions): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    maxRssBytes: options.maxRssBytes,
    sampleInterval: options.sampleIntervalMs,
    retryAfter: options.retryAfterSeconds,
    pressureHandler: async (request, _reply, type, value) => {
      if (!sheddable(request)) return
      const reason = REASONS[type] ?? type
      app.lynkr.events.emit('request-shed', { reason: type, value: typeof value === 'number' ? value : undefined })
      request.log.warn({ type, value }, `shedding request: ${reason}`)
      throw overloaded(reason, options.retryAfterSeconds)
    }
  })
  if (options.maxEventLoopUtilization > 0) installUtilisationCheck(app, options)
  if (options.maxConcurrentUpstream > 0) {
    // A callback hook: an async one costs a promise on every request.
    app.addHook('onRequest', (request, _reply, done) => {
      if (!sheddable(request) || app.lynkr.chat.activeCalls < options.maxConcurrentUpstream) { done(); return }
      app.lynkr.events.emit('request-shed', { reason: 'concurrentUpstream', value: app.lynkr.chat.activeCalls })
      request.log.warn(`shedding request: ${app.lynkr.chat.activeCalls} upstream calls in flight (cap ${options.maxConcurrentUpstream})`)
      done(overloaded(`${options.maxConcurrentUpstream} upstream calls in flight`, options.retryAfterSeconds))
    })
  }
}

/** Consecutive saturated samples before shedding: a moment of work (boot, a large prompt) is not overload. */
const SATURATED_SAMPLES = 3

/**
 * Utilisation is checked here rather than by under-pressure, which sheds on one sample: the sample that
 * covers boot (module loading, compiling) is always near 1, so a gateway refused its first requests.
 * Sampling starts once the server is ready, and only sustained saturation sheds.
 */
function installUtilisationCheck (app: FastifyInstance, options: SheddingOptions): void {
  let busySamples = 0
  let utilisation = 0
  let timer: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    let last = performance.eventLoopUtilization()
    timer = setInterval(() => {
      const now = performance.eventLoopUtilization()
      utilisation = performance.eventLoopUtilization(now, last).utilization
      last = now
      busySamples = utilisation >= options.maxEventLoopUtilization ? busySamples + 1 : 0
    }, options.sampleIntervalMs)
    timer.unref()
  })
  app.addHook('onClose', async () => { clearInterval(timer) })
  app.addHook('onRequest', (request, _reply, done) => {
    if (busySamples < SATURATED_SAMPLES || !sheddable(request)) { done(); return }
    app.lynkr.events.emit('request-shed', { reason: 'eventLoopUtilization', value: utilisation })
    request.log.warn({ utilisation }, `shedding request: ${REASONS.eventLoopUtilization}`)
    done(overloaded(REASONS.eventLoopUtilization!, options.retryAfterSeconds))
  })
}
