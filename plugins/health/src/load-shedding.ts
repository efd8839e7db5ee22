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
    maxEventLoopUtilization: options.maxEventLoopUtilization,
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
