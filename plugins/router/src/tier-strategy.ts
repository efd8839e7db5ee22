import type { RouteDecision, RoutingStrategy } from '@lynkr/protocol'
import type { LynkrEvents } from '@lynkr/core'
import { parseModelReference } from '@lynkr/core'
import { scoreComplexity } from './score-complexity.ts'
import type { Tier } from './score-complexity.ts'
import type { SessionStore } from './session-store.ts'

export interface TierTarget { provider: string, model: string }

export interface TierStrategyOptions {
  tiers: Record<Tier, TierTarget>
  sessions: SessionStore
  events: LynkrEvents
  isProvider: (id: string) => boolean
}

/**
 * Scores each request 0–100 and sends it to its tier's provider:model. `provider:model` in the request
 * still wins. A session stays on the provider it was last served by while its tier is unchanged (after a
 * fallback that is the fallback provider), so that provider's prompt cache stays warm.
 */
export function createTierStrategy (options: TierStrategyOptions): RoutingStrategy {
  return {
    name: 'tiers',
    targets: () => Object.values(options.tiers),
    route (input, fallback) {
      if (parseModelReference(input.request.clientModel, options.isProvider) !== null) return fallback(input)
      const { score, tier, factors } = scoreComplexity(input.request)
      // Core's one session answer (header, Responses chain, else a hash of the conversation's start).
      const session = input.session?.id
      const remembered = session === undefined ? undefined : options.sessions.get(session)
      const sticky = remembered !== undefined && remembered.tier === tier
      const target = sticky ? remembered : options.tiers[tier]
      const decision: RouteDecision = { provider: target.provider, model: target.model, reason: sticky ? 'tier-sticky' : 'tier', tier, score }
      if (session !== undefined && !sticky) options.sessions.set(session, { tier, provider: target.provider, model: target.model })
      input.log?.debug({ score, tier, factors, provider: decision.provider, model: decision.model, sticky, session }, `complexity ${score} → ${tier}`)
      options.events.emit('route-decided', { decision, sticky, factors })
      return decision
    }
  }
}
