import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import * as fastifyMetricsModule from 'fastify-metrics'
import type { IMetricsPluginOptions } from 'fastify-metrics'
import type { FastifyPluginCallback } from 'fastify'
import client from 'prom-client'
import { Type } from 'typebox'
import { LynkrError, defineManifest } from '@lynkr/protocol'
import { presentsKey, toLynkrError } from '@lynkr/core'
import type { BreakerState } from '@lynkr/core'

export interface MetricsOptions {
  endpoint: string
  /** Collect process CPU/memory/event-loop metrics (prefixed lynkr_). */
  processMetrics: boolean
  /** Serve the scrape endpoint without a key even when LYNKR_API_KEY is set. */
  public: boolean
  /** A key of its own for a scraper (accepted besides LYNKR_API_KEY). */
  apiKey?: string
}

// fastify-metrics is CommonJS with `exports.default`: Node's ESM import sees module.exports, so the plugin
// is `.default.default` either way (fastify-plugin also sets `plugin.default = plugin`, so this holds under any interop).
const fastifyMetrics = (fastifyMetricsModule as unknown as { default: { default: FastifyPluginCallback<Partial<IMetricsPluginOptions>> } }).default.default

const PREFIX = 'lynkr_'
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 }
/** Model latencies run from milliseconds (errors) to many minutes (long agent turns). */
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600]
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]

/**
 * A metric's child per label-value tuple, made once: prom-client hashes the label object on every inc and
 * observe, several times per request on the hot path.
 */
function byLabels<T> (metric: { labels: (...values: string[]) => T }): (...values: string[]) => T {
  const children = new Map<string, T>()
  return (...values) => {
    const key = values.join('\u0000')
    let child = children.get(key)
    if (child === undefined) {
      child = metric.labels(...values)
      children.set(key, child)
    }
    return child
  }
}

/**
 * Prometheus metrics at GET /metrics (fastify-metrics over prom-client). Every gateway owns its registry,
 * so several gateways in one process (embedders, tests) never mix their numbers.
 */
async function metrics (app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const registry = new client.Registry()
  const lynkr = app.lynkr

  // fastify-metrics serves the process metrics only. Its per-route timers (an onRequest hook, a WeakMap
  // entry, a timer object and a hashed label object per request) cost more than the whole metrics plugin
  // otherwise did (profiled); the route histogram is observed below, in the one onResponse hook, from
  // Fastify's own reply.elapsedTime.
  await app.register(fastifyMetrics, {
    promClient: client,
    endpoint: null,
    defaultMetrics: { enabled: options.processMetrics, prefix: PREFIX, register: registry },
    routeMetrics: { enabled: false }
  })

  const counter = (name: string, help: string, labelNames: string[]) => new client.Counter({ name: PREFIX + name, help, labelNames, registers: [registry] })
  const requests = counter('http_requests_total', 'HTTP requests answered, by route and status code', ['method', 'route', 'status_code'])
  const requestSeconds = new client.Histogram({ name: `${PREFIX}http_request_duration_seconds`, help: 'HTTP request duration by method, route and status code (until the last byte of a stream)', labelNames: ['method', 'route', 'status_code'], buckets: HTTP_BUCKETS, registers: [registry] })
  const errors = counter('errors_total', 'Errors answered to clients, by error type (before or during a stream)', ['type', 'phase'])
  const upstream = counter('upstream_requests_total', 'Upstream attempts by provider, model and outcome', ['provider', 'model', 'outcome'])
  const upstreamSeconds = new client.Histogram({ name: `${PREFIX}upstream_request_duration_seconds`, help: 'Upstream attempt duration (to the end of the answer) by provider, model and outcome', labelNames: ['provider', 'model', 'outcome'], buckets: UPSTREAM_BUCKETS, registers: [registry] })
  const firstPartSeconds = new client.Histogram({ name: `${PREFIX}upstream_time_to_first_token_seconds`, help: 'Time from the upstream request to its first streamed part', labelNames: ['provider', 'model'], buckets: UPSTREAM_BUCKETS, registers: [registry] })
  // purpose: `client` for front-door traffic, `internal:<name>` for a plugin's own model calls (a summariser).
  const tokens = counter('tokens_total', 'Tokens by provider, model, kind (input excludes cache; cache_read, cache_write) and purpose', ['provider', 'model', 'kind', 'purpose'])
  const cost = counter('cost_usd_total', 'Spend in US dollars by provider, model and purpose (config/prices.json + MODEL_PRICE_OVERRIDES)', ['provider', 'model', 'purpose'])
  const calls = counter('chat_requests_total', 'Chat requests finished, by provider, model, tier, outcome and purpose (client, or internal:<name>)', ['provider', 'model', 'tier', 'outcome', 'purpose'])
  const saved = counter('tokens_saved_total', 'Prompt tokens pipeline steps removed, by stage, provider and model (the project\'s token count before and after each step)', ['stage', 'provider', 'model'])
  const added = counter('tokens_added_total', 'Prompt tokens pipeline steps added (recalled memory…), by stage, provider and model', ['stage', 'provider', 'model'])
  const fallbacks = counter('fallbacks_total', 'Requests sent to the fallback provider, by from/to provider and the failure that triggered it', ['from', 'to', 'outcome'])
  const tiers = counter('tier_decisions_total', 'Tier routing decisions by tier and provider', ['tier', 'provider', 'sticky'])
  const shed = counter('requests_shed_total', 'Requests refused by load shedding, by reason', ['reason'])
  const breakerState = new client.Gauge({ name: `${PREFIX}circuit_breaker_state`, help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open', labelNames: ['provider'], registers: [registry] })
  const responseCache = counter('response_cache_total', 'Response cache lookups and stores by cache (exact, semantic), outcome (hit, miss, stored), provider and model', ['cache', 'outcome', 'provider', 'model'])
  const breakerChanges = counter('circuit_breaker_transitions_total', 'Circuit breaker state changes per provider and new state', ['provider', 'state'])
  new client.Gauge({ name: `${PREFIX}active_streams`, help: 'Streaming responses in flight', registers: [registry], collect () { this.set(lynkr.chat.activeStreams) } })
  new client.Gauge({ name: `${PREFIX}active_upstream_requests`, help: 'Chat calls in flight (streaming or not)', registers: [registry], collect () { this.set(lynkr.chat.activeCalls) } })

  // Label order follows each metric's labelNames.
  const upstreamOf = byLabels(upstream)
  const upstreamSecondsOf = byLabels(upstreamSeconds)
  const firstPartSecondsOf = byLabels(firstPartSeconds)
  const callsOf = byLabels(calls)
  const tokensOf = byLabels(tokens)
  const costOf = byLabels(cost)
  // Both series of a route and status, found with one lookup.
  const httpOf = byLabels({ labels: (...values: string[]) => ({ count: requests.labels(...values), seconds: requestSeconds.labels(...values) }) })

  lynkr.events.on('upstream-attempt', (event) => {
    upstreamOf(event.provider, event.model, event.outcome).inc()
    upstreamSecondsOf(event.provider, event.model, event.outcome).observe(event.durationMs / 1000)
    if (event.firstPartMs !== undefined) firstPartSecondsOf(event.provider, event.model).observe(event.firstPartMs / 1000)
  })
  const savedOf = byLabels(saved)
  const addedOf = byLabels(added)
  lynkr.events.on('step-completed', (event) => {
    const change = event.tokensBefore - event.tokensAfter
    if (change > 0) savedOf(event.stage, event.provider, event.model).inc(change)
    else if (change < 0) addedOf(event.stage, event.provider, event.model).inc(-change)
  })
  lynkr.events.on('call-completed', (event) => {
    const { provider, model } = event.decision
    const purpose = event.purpose
    callsOf(provider, model, event.decision.tier ?? 'none', event.outcome, purpose).inc()
    const usage = event.usage
    const add = (kind: string, value: number | undefined): void => { if (value !== undefined && value > 0) tokensOf(provider, model, kind, purpose).inc(value) }
    add('input', usage.input_tokens)
    add('output', usage.output_tokens)
    add('cache_read', usage.cache_read_input_tokens)
    add('cache_write', usage.cache_creation_input_tokens)
    if (event.costUsd !== undefined && event.costUsd > 0) costOf(provider, model, purpose).inc(event.costUsd)
    // Errors before the first byte are counted when the error handler answers them; this is the rest.
    if (event.outcome === 'error' && event.error !== undefined && event.stream) errors.inc({ type: event.error.kind, phase: 'stream' })
  })
  lynkr.events.on('fallback', (event) => { fallbacks.inc({ from: event.from.provider, to: event.to.provider, outcome: event.outcome }) })
  lynkr.events.on('route-decided', (event) => { tiers.inc({ tier: event.decision.tier ?? 'none', provider: event.decision.provider, sticky: String(event.sticky) }) })
  lynkr.events.on('request-shed', (event) => { shed.inc({ reason: event.reason }) })
  lynkr.events.on('response-cache', (event) => { responseCache.inc({ cache: event.cache, outcome: event.outcome, provider: event.provider, model: event.model }) })
  lynkr.events.on('breaker-changed', (event) => {
    breakerState.set({ provider: event.provider }, BREAKER_VALUE[event.state])
    breakerChanges.inc({ provider: event.provider, state: event.state })
  })

  // Route URLs are full paths: under a host's prefix the endpoint is /llm/metrics.
  const endpoint = app.prefix + options.endpoint
  // Callback hooks: an async hook costs a promise per request.
  app.addHook('onError', (request, _reply, error, done) => {
    if (request.routeOptions.url !== endpoint) errors.inc({ type: toLynkrError(error).kind, phase: 'request' })
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label value, so scanners cannot grow the series without bound.
    const route = request.routeOptions.url ?? '__unknown__'
    if (route !== endpoint) {
      const series = httpOf(request.method, route, String(reply.statusCode))
      series.count.inc()
      series.seconds.observe(reply.elapsedTime / 1000)
    }
    done()
  })
  app.addHook('onReady', async () => {
    for (const adapter of lynkr.providers.list()) breakerState.set({ provider: adapter.id }, 0)
  })

  // Metrics name providers, models and spend: behind a key whenever one is configured, unless made public.
  const keys = options.public ? [] : [options.apiKey, lynkr.apiKey].filter((key): key is string => key !== undefined)
  const onRequest = keys.length === 0
    ? undefined
    : (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
        if (keys.some((key) => presentsKey(request, key))) { done(); return }
        done(new LynkrError('authentication', 'Invalid API key: send METRICS_API_KEY or LYNKR_API_KEY as Authorization: Bearer (or set METRICS_PUBLIC=true)', { code: 'LYNKR_AUTH_INVALID_KEY' }))
      }
  app.get(options.endpoint, { logLevel: 'warn', onRequest }, async (_request, reply) => {
    // Steps' savings are counted after their request went upstream: a scrape includes those of answered requests.
    await lynkr.chat.reportsSettled()
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
  app.addHook('onClose', async () => { registry.clear() })
}

export default fp(metrics, { name: '@lynkr/metrics', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'ops',
  env: Type.Object({
    METRICS_PATH: Type.String({ default: '/metrics', pattern: '^/', description: 'path of the Prometheus scrape endpoint' }),
    METRICS_PROCESS: Type.Boolean({ default: true, description: 'export process CPU, memory, heap and event-loop metrics' }),
    METRICS_PUBLIC: Type.Boolean({ default: false, description: 'serve /metrics without a key even when LYNKR_API_KEY is set' }),
    METRICS_API_KEY: Type.Optional(Type.String({ description: 'a key of its own for the scraper (Authorization: Bearer), accepted besides LYNKR_API_KEY' }))
  }),
  toOptions: (env): MetricsOptions => ({
    endpoint: env.METRICS_PATH,
    processMetrics: env.METRICS_PROCESS,
    public: env.METRICS_PUBLIC,
    apiKey: env.METRICS_API_KEY?.trim() || undefined
  })
})
