import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { ChatRequest, RouteDecision } from '@lynkr/protocol'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError, defaultModelOf, providerEnvPrefix, readMillisecondsVariable, splitProviderModel } from '@lynkr/core'
import { CircuitBreakers } from './circuit-breaker.ts'
import { createResiliencePolicy } from './resilience-policy.ts'
import type { UpstreamTimeouts } from './resilience-policy.ts'
import { SessionStore } from './session-store.ts'
import { createTierStrategy } from './tier-strategy.ts'
import type { TierTarget } from './tier-strategy.ts'
import type { Tier } from './score-complexity.ts'
import { TIER_VARIABLES, parseFallbackEnabled, parseFallbackProvider, selectTierProviders } from './select-tier-providers.ts'

export interface RouterOptions {
  /** All four tiers, or null when tier routing is off (static routing). */
  tiers: Record<Tier, TierTarget> | null
  /**
   * The tier-routing fallback, when enabled. `model` undefined = the provider's default model. `optional`: the
   * default nobody chose, used only when its provider is enabled anyway (its credentials).
   */
  fallback: { provider: string, model?: string, optional?: boolean } | null
  sessionTtlMs: number
  sessionMax: number
  timeouts: (provider: string) => UpstreamTimeouts
  maxRetries: number
  retryBaseMs: number
  retryMaxDelayMs: number
  breakerThreshold: number
  breakerCooldownMs: number
}

async function router (app: FastifyInstance, options: RouterOptions): Promise<void> {
  const lynkr = app.lynkr
  const sessions = new SessionStore({ ttlMs: options.sessionTtlMs, maxEntries: options.sessionMax })
  const breakers = new CircuitBreakers({
    failureThreshold: options.breakerThreshold,
    cooldownMs: options.breakerCooldownMs,
    onChange: (provider, state, previous) => {
      const line = `circuit breaker for ${provider}: ${previous} → ${state}`
      if (state === 'open') app.log.warn(line)
      else app.log.info(line)
      lynkr.events.emit('breaker-changed', { provider, state, previous })
    }
  })

  // The default fallback left off (not configured) is no fallback: say so in status and logs.
  const activeFallback = (): { provider: string, model?: string } | null => {
    if (options.fallback === null || !lynkr.providers.has(options.fallback.provider)) return null
    const { optional: _optional, ...fallback } = options.fallback
    return fallback
  }

  const fallbackFor = (decision: RouteDecision, request: ChatRequest): RouteDecision | undefined => {
    const fallback = options.fallback
    if (options.tiers === null || fallback === null || decision.tier === undefined || decision.provider === fallback.provider) return undefined
    const adapter = lynkr.providers.get(fallback.provider)
    if (adapter === undefined) return undefined
    return { provider: fallback.provider, model: fallback.model ?? defaultModelOf(adapter, request), reason: 'fallback', tier: decision.tier, score: decision.score }
  }

  lynkr.chat.useCallPolicy(createResiliencePolicy({
    breakers,
    events: lynkr.events,
    timeouts: options.timeouts,
    maxRetries: options.maxRetries,
    retryBaseMs: options.retryBaseMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    fallbackFor,
    onFallback: (call, from, to) => {
      if (from.tier !== undefined) sessions.set(lynkr.chat.sessionOf(call).id, { tier: from.tier, provider: to.provider, model: to.model })
    }
  }))

  if (options.tiers !== null) {
    lynkr.routing.use(createTierStrategy({ tiers: options.tiers, sessions, events: lynkr.events, isProvider: (id) => lynkr.providers.has(id) }))
  }

  lynkr.status.set('circuitBreakers', () => breakers.snapshot(lynkr.providers.list().map((adapter) => adapter.id)))
  lynkr.status.set('tierRouting', () => options.tiers === null
    ? { enabled: false }
    : { enabled: true, tiers: options.tiers, fallback: activeFallback(), sessions: sessions.size })

  app.addHook('onReady', async () => {
    const wanted = [...Object.values(options.tiers ?? {}).map((t) => t.provider), ...(options.fallback !== null && options.fallback.optional !== true ? [options.fallback.provider] : [])]
    for (const provider of wanted) {
      if (!lynkr.providers.has(provider)) throw new LynkrConfigError(`tier routing names provider "${provider}", which did not register (is its plugin enabled?)`, 'TIER_SIMPLE')
    }
    // Per-provider timeout overrides are read now, so a bad value stops the boot rather than a request.
    for (const adapter of lynkr.providers.list()) options.timeouts(adapter.id)
    if (options.tiers !== null) {
      const tiers = Object.entries(options.tiers).map(([tier, t]) => `${tier}=${t.provider}:${t.model}`).join(', ')
      app.log.info(`tier routing on: ${tiers}; fallback ${activeFallback()?.provider ?? 'off'}`)
    }
  })
}

export default fp(router, { name: '@lynkr/router', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

const ms = (fallback: number, minimum: number, description: string) => Type.Integer({ default: fallback, minimum, description })

const RouterEnv = Type.Object({
  TIER_SIMPLE: Type.Optional(Type.String({ description: 'provider:model for scores 0-25; all four TIER_* turn tier routing on' })),
  TIER_MEDIUM: Type.Optional(Type.String({ description: 'provider:model for scores 26-50' })),
  TIER_COMPLEX: Type.Optional(Type.String({ description: 'provider:model for scores 51-75' })),
  TIER_REASONING: Type.Optional(Type.String({ description: 'provider:model for scores 76-100' })),
  FALLBACK_ENABLED: Type.Optional(Type.String({ default: 'true', description: 'with tier routing: send a request whose provider fails before the first byte to FALLBACK_PROVIDER' })),
  FALLBACK_PROVIDER: Type.Optional(Type.String({ default: 'databricks', description: 'cloud provider (or provider:model) tier routing falls back to; local providers are refused' })),
  ROUTER_SESSION_TTL_MS: ms(3_600_000, 1000, 'how long a session (x-claude-code-session-id) keeps its provider while its tier is unchanged'),
  ROUTER_SESSION_MAX: Type.Integer({ default: 10_000, minimum: 1, description: 'sessions remembered (least recently used go first)' }),
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: ms(300_000, 10, 'streams: wait for the first content part; per provider: <PROVIDER>_FIRST_BYTE_TIMEOUT_MS'),
  UPSTREAM_IDLE_TIMEOUT_MS: ms(180_000, 10, 'streams: longest silence between parts; per provider: <PROVIDER>_IDLE_TIMEOUT_MS'),
  UPSTREAM_REQUEST_TIMEOUT_MS: ms(600_000, 10, 'non-streaming calls: the whole answer, retries included; per provider: <PROVIDER>_REQUEST_TIMEOUT_MS'),
  UPSTREAM_STREAM_TIMEOUT_MS: ms(1_800_000, 10, 'streams: the whole answer start to end, retries included, however steadily it arrives; per provider: <PROVIDER>_STREAM_TIMEOUT_MS'),
  UPSTREAM_MAX_RETRIES: Type.Integer({ default: 2, minimum: 0, maximum: 10, description: 'retries of 429/5xx/connection failures (static routing, or on the fallback)' }),
  UPSTREAM_RETRY_BASE_MS: ms(500, 0, 'first backoff step; doubles per retry, with jitter'),
  UPSTREAM_RETRY_MAX_DELAY_MS: ms(5_000, 0, 'longest wait worth taking (backoff or Retry-After); longer ones go back to the client'),
  CIRCUIT_BREAKER_FAILURE_THRESHOLD: Type.Integer({ default: 5, minimum: 0, description: 'consecutive failed requests that open a provider\'s breaker (0 = off)' }),
  CIRCUIT_BREAKER_COOLDOWN_MS: ms(30_000, 10, 'open breaker: fail fast this long, then let one probe through')
})

/** Per-provider overrides: `<PROVIDER>_FIRST_BYTE_TIMEOUT_MS`, `_IDLE_TIMEOUT_MS`, `_REQUEST_TIMEOUT_MS`, `_STREAM_TIMEOUT_MS`. */
export function timeoutsFrom (env: Record<string, string | undefined>, defaults: UpstreamTimeouts): (provider: string) => UpstreamTimeouts {
  const cache = new Map<string, UpstreamTimeouts>()
  const read = (name: string, fallback: number): number => readMillisecondsVariable(env, name) ?? fallback
  return (provider) => {
    let timeouts = cache.get(provider)
    if (timeouts === undefined) {
      const prefix = providerEnvPrefix(provider)
      timeouts = {
        firstByteMs: read(`${prefix}_FIRST_BYTE_TIMEOUT_MS`, defaults.firstByteMs),
        idleMs: read(`${prefix}_IDLE_TIMEOUT_MS`, defaults.idleMs),
        requestMs: read(`${prefix}_REQUEST_TIMEOUT_MS`, defaults.requestMs),
        streamMs: read(`${prefix}_STREAM_TIMEOUT_MS`, defaults.streamMs)
      }
      cache.set(provider, timeouts)
    }
    return timeouts
  }
}

function parseTier (name: string, text: string): TierTarget {
  const split = splitProviderModel(text)
  if (split === null) throw new LynkrConfigError(`${name}="${text}" must be provider:model`, name)
  return { provider: split.provider.trim().toLowerCase(), model: split.model.trim() }
}

export const manifest = defineManifest({
  kind: 'service',
  env: RouterEnv,
  selectProviders: selectTierProviders,
  toOptions: (env, runtime): RouterOptions => {
    const values = TIER_VARIABLES.map((name) => [name, env[name]?.trim() || undefined] as const)
    const complete = values.every(([, value]) => value !== undefined)
    const tiers = complete
      ? { SIMPLE: parseTier('TIER_SIMPLE', env.TIER_SIMPLE!), MEDIUM: parseTier('TIER_MEDIUM', env.TIER_MEDIUM!), COMPLEX: parseTier('TIER_COMPLEX', env.TIER_COMPLEX!), REASONING: parseTier('TIER_REASONING', env.TIER_REASONING!) }
      : null
    // Static routing ignores the fallback settings entirely (selectTierProviders validated them otherwise).
    const fallback = tiers !== null && parseFallbackEnabled(runtime.env)
      ? { ...parseFallbackProvider(runtime.env), ...(runtime.env.FALLBACK_PROVIDER?.trim() ? {} : { optional: true }) }
      : null
    const timeouts = timeoutsFrom(runtime.env, { firstByteMs: env.UPSTREAM_FIRST_BYTE_TIMEOUT_MS, idleMs: env.UPSTREAM_IDLE_TIMEOUT_MS, requestMs: env.UPSTREAM_REQUEST_TIMEOUT_MS, streamMs: env.UPSTREAM_STREAM_TIMEOUT_MS })
    return {
      tiers,
      fallback,
      sessionTtlMs: env.ROUTER_SESSION_TTL_MS,
      sessionMax: env.ROUTER_SESSION_MAX,
      timeouts,
      maxRetries: env.UPSTREAM_MAX_RETRIES,
      retryBaseMs: env.UPSTREAM_RETRY_BASE_MS,
      retryMaxDelayMs: env.UPSTREAM_RETRY_MAX_DELAY_MS,
      breakerThreshold: env.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
      breakerCooldownMs: env.CIRCUIT_BREAKER_COOLDOWN_MS
    }
  }
})

export { scoreComplexity, tierForScore, currentTask, humanText, TIERS } from './score-complexity.ts'
export type { ComplexityScore, Tier } from './score-complexity.ts'
export { CircuitBreakers } from './circuit-breaker.ts'
export { retryDelay } from './backoff.ts'
export { SessionStore } from './session-store.ts'
