import type { FastifyInstance, FastifyRequest } from 'fastify'
import underPressure from '@fastify/under-pressure'
import { LynkrError } from '@lynkr/protocol'
import type { EventLoopUtilization } from 'node:perf_hooks'

export interface SheddingOptions {
  /**
   * The default overload signal needs all three: the event loop busy at least this fraction of each sample
   * (0–1) — lynkr's own work, not other processes' —, its delay (how late the sampling timer fires) at least
   * `maxEventLoopLagMs` — requests really wait —, both for `sustainedMs`. Either threshold at 0 turns the signal off.
   */
  maxEventLoopUtilization: number
  maxEventLoopLagMs: number
  sustainedMs: number
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
  eventLoopSaturation: 'event loop saturated',
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
  if (options.maxEventLoopUtilization > 0 && options.maxEventLoopLagMs > 0) installSaturationCheck(app, options)
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

/**
 * Overload that harms clients, as opposed to a busy loop: a gateway at full throughput has utilisation near 1
 * while every request is answered in milliseconds (its own benchmark), and a busy machine delays the loop of
 * an idle gateway. Only both together, for several seconds, mean requests queue behind more work than the
 * process can do: then new ones are refused rather than make every stream in flight stall.
 * Sampling starts once the server is ready (boot itself saturates the loop).
 */
function installSaturationCheck (app: FastifyInstance, options: SheddingOptions): void {
  const samplesNeeded = Math.max(1, Math.ceil(options.sustainedMs / options.sampleIntervalMs))
  let saturatedSamples = 0
  let latest = { utilisation: 0, lagMs: 0 }
  let timer: NodeJS.Timeout | undefined
  let closed = false
  // The sampling timer's own lateness is the delay: perf_hooks' delay histogram records nothing while the
  // loop is driven by immediates, and one timer per sample costs nothing on the request path.
  function sample (last: EventLoopUtilization, due: number): void {
    if (closed) return
    const now = performance.eventLoopUtilization()
    latest = { utilisation: performance.eventLoopUtilization(now, last).utilization, lagMs: Math.max(0, performance.now() - due) }
    const saturated = latest.utilisation >= options.maxEventLoopUtilization && latest.lagMs >= options.maxEventLoopLagMs
    saturatedSamples = saturated ? saturatedSamples + 1 : 0
    schedule(now)
  }
  function schedule (last: EventLoopUtilization): void {
    const due = performance.now() + options.sampleIntervalMs
    timer = setTimeout(() => { sample(last, due) }, options.sampleIntervalMs)
    timer.unref()
  }
  app.addHook('onReady', async () => { schedule(performance.eventLoopUtilization()) })
  app.addHook('onClose', async () => { closed = true; clearTimeout(timer) })
  app.addHook('onRequest', (request, _reply, done) => {
    if (saturatedSamples < samplesNeeded || !sheddable(request)) { done(); return }
    app.lynkr.events.emit('request-shed', { reason: 'eventLoopSaturation', value: latest.lagMs })
    request.log.warn({ utilisation: latest.utilisation, lagMs: Math.round(latest.lagMs) }, `shedding request: ${REASONS.eventLoopSaturation}`)
    done(overloaded(REASONS.eventLoopSaturation!, options.retryAfterSeconds))
  })
}
