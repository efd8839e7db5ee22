import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LynkrError, defineManifest } from '@lynkr/protocol'
import { parseByteSize, LynkrConfigError, presentsKey } from '@lynkr/core'
import { getHeapStatistics } from 'node:v8'
import { installLoadShedding } from './load-shedding.ts'
import type { SheddingOptions } from './load-shedding.ts'
import { probeProvider } from './probe-providers.ts'
import type { ProbeResult } from './probe-providers.ts'

export interface HealthOptions {
  /** Re-probe providers this often in the background (0 = only at boot and on ?deep=true). */
  probeIntervalMs: number
  probeTimeoutMs: number
  /** A deep probe reuses results at most this old, and concurrent ones share one round of probes. */
  deepCacheMs: number
  shedding: SheddingOptions
}

async function health (app: FastifyInstance, options: HealthOptions): Promise<void> {
  const last = new Map<string, ProbeResult>()
  let timer: NodeJS.Timeout | undefined
  let lastRound = { at: 0, results: [] as ProbeResult[] }
  let running: Promise<ProbeResult[]> | undefined

  /**
   * Each probe is a credentialed upstream request: ?deep=true on a public URL must not turn every call into
   * one per provider. A round in flight is shared, and a recent round's results are served again.
   */
  async function probeRecent (): Promise<ProbeResult[]> {
    if (Date.now() - lastRound.at < options.deepCacheMs) return lastRound.results
    running ??= probeAll().finally(() => { running = undefined })
    return await running
  }

  async function probeAll (): Promise<ProbeResult[]> {
    const results = await Promise.all(app.lynkr.providers.list().map((adapter) => probeProvider(adapter, options.probeTimeoutMs)))
    for (const result of results) {
      const before = last.get(result.provider)
      last.set(result.provider, result)
      if (!result.ok && before?.ok !== false) app.log.warn(`provider ${result.provider} is not ready: ${result.detail}`)
      else if (result.ok && before?.ok === false) app.log.info(`provider ${result.provider} is ready again: ${result.detail}`)
    }
    lastRound = { at: Date.now(), results }
    return results
  }

  function report (results: ProbeResult[]) {
    const routing = app.lynkr.routing
    // Not ready when the default route is down; when a strategy routes every request (tiers, with a fallback),
    // only when no enabled provider answers.
    const blocking = routing.defaultInUse
      ? results.some((result) => result.provider === routing.defaultProvider && !result.ok)
      : results.length > 0 && results.every((result) => !result.ok)
    return {
      status: blocking ? 'unavailable' : 'ready',
      // null: MODEL_PROVIDER is not used for routing (see notes).
      defaultProvider: routing.defaultInUse ? routing.defaultProvider : null,
      routing: app.lynkr.routing.strategyName,
      plugins: app.lynkr.plugins,
      providers: Object.fromEntries(results.map(({ provider, ...rest }) => [provider, rest])),
      // Sections other plugins contribute (circuit breakers, tier routing).
      ...Object.fromEntries([...app.lynkr.status].map(([name, read]) => [name, read()])),
      load: { activeCalls: app.lynkr.chat.activeCalls, activeStreams: app.lynkr.chat.activeStreams },
      notes: app.lynkr.notes
    }
  }

  await installLoadShedding(app, options.shedding)

  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get<{ Querystring: { deep?: string } }>('/health/ready', async (request, reply) => {
    const deep = request.query.deep === 'true' || request.query.deep === '1'
    // With LYNKR_API_KEY set, only key holders make the gateway call upstreams; everyone sees the last results.
    const apiKey = app.lynkr.apiKey
    if (deep && apiKey !== undefined && !presentsKey(request, apiKey)) {
      throw new LynkrError('authentication', 'GET /health/ready?deep=true probes every provider: send the key set in LYNKR_API_KEY as x-api-key or Authorization: Bearer (without ?deep=true the last probe results are public)', { code: 'LYNKR_AUTH_INVALID_KEY' })
    }
    const results = deep ? await probeRecent() : [...last.values()]
    const body = report(results)
    return reply.code(body.status === 'ready' ? 200 : 503).send(body)
  })

  // The boot log says plainly what is unreachable: probe once when the server is ready, then periodically.
  app.addHook('onReady', async () => {
    void probeAll()
    if (options.probeIntervalMs > 0) {
      timer = setInterval(() => { void probeAll() }, options.probeIntervalMs)
      timer.unref()
    }
  })
  app.addHook('onClose', async () => { if (timer) clearInterval(timer) })
}

export default fp(health, { name: '@lynkr/health', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'ops',
  env: Type.Object({
    HEALTH_PROBE_INTERVAL_MS: Type.Integer({ default: 30000, minimum: 0 }),
    HEALTH_PROBE_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 }),
    HEALTH_DEEP_CACHE_MS: Type.Integer({ default: 5000, minimum: 0, description: 'GET /health/ready?deep=true serves probe results this recent instead of probing again' }),
    LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: Type.Number({ default: 0.9, minimum: 0, maximum: 1, description: 'overload needs the event loop busy at least this fraction of each sample (0 = off) ...' }),
    LOAD_SHED_MAX_EVENT_LOOP_LAG_MS: Type.Integer({ default: 500, minimum: 0, description: '... and late by at least this many ms (0 = off) ...' }),
    LOAD_SHED_SUSTAINED_MS: Type.Integer({ default: 5000, minimum: 0, description: '... both for this long before model requests are shed' }),
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ default: 0, minimum: 0, description: 'shed model requests above this mean event-loop delay (0 = off; it also rises when other processes load the machine)' }),
    LOAD_SHED_MAX_HEAP_USED: Type.Optional(Type.String({ description: 'shed above this heap use, e.g. 3gb (default 90% of the V8 heap limit; 0 = off)' })),
    LOAD_SHED_MAX_RSS: Type.Optional(Type.String({ description: 'shed above this resident memory, e.g. 6gb (default off)' })),
    LOAD_SHED_MAX_CONCURRENT_UPSTREAM: Type.Integer({ default: 512, minimum: 0, description: 'chat calls in flight before new ones are shed (0 = off)' }),
    LOAD_SHED_SAMPLE_INTERVAL_MS: Type.Integer({ default: 1000, minimum: 10, description: 'how often load is sampled' }),
    LOAD_SHED_RETRY_AFTER_S: Type.Integer({ default: 10, minimum: 1, description: 'Retry-After sent with shed requests' })
  }),
  toOptions: (env): HealthOptions => ({
    probeIntervalMs: env.HEALTH_PROBE_INTERVAL_MS,
    probeTimeoutMs: env.HEALTH_PROBE_TIMEOUT_MS,
    deepCacheMs: env.HEALTH_DEEP_CACHE_MS,
    shedding: {
      maxEventLoopUtilization: env.LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION,
      maxEventLoopLagMs: env.LOAD_SHED_MAX_EVENT_LOOP_LAG_MS,
      sustainedMs: env.LOAD_SHED_SUSTAINED_MS,
      maxEventLoopDelayMs: env.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      // Default: shed before V8 runs out of heap (90 % of its limit) rather than crash mid-stream.
      maxHeapUsedBytes: byteSize(env.LOAD_SHED_MAX_HEAP_USED, 'LOAD_SHED_MAX_HEAP_USED', Math.floor(getHeapStatistics().heap_size_limit * 0.9)),
      maxRssBytes: byteSize(env.LOAD_SHED_MAX_RSS, 'LOAD_SHED_MAX_RSS', 0),
      maxConcurrentUpstream: env.LOAD_SHED_MAX_CONCURRENT_UPSTREAM,
      sampleIntervalMs: env.LOAD_SHED_SAMPLE_INTERVAL_MS,
      retryAfterSeconds: env.LOAD_SHED_RETRY_AFTER_S
    }
  })
})

/** A size such as 2gb or 512mb; 0 turns the check off. */
function byteSize (text: string | undefined, variable: string, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback
  if (text.trim() === '0') return 0
  const bytes = parseByteSize(text.trim())
  if (bytes === null) throw new LynkrConfigError(`${variable}="${text}" must be a size such as 2gb or 512mb (0 = off)`, variable)
  return bytes
}
