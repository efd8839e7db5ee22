import type { ChatRequest } from './messages.ts'
import type { Logger } from './provider-adapter.ts'
import type { SessionIdentity } from './pipeline-step.ts'

export interface RouteDecision {
  provider: string
  model: string
  /** Why: 'explicit' (provider:model in the request), 'default', or a strategy's own label (a tier). */
  reason: string
  /** The complexity tier that chose it (SIMPLE, MEDIUM, COMPLEX, REASONING) when tier routing is on. */
  tier?: string
  /** The 0–100 complexity score behind `tier`. */
  score?: number
  /** Answered from a response cache, without calling the provider: `hit` (an exact repeat) or `semantic`. */
  cache?: 'hit' | 'semantic'
}

export interface RoutingInput {
  request: ChatRequest
  headers: Record<string, string | string[] | undefined>
  /** The request's logger, for a strategy's debug line (scores and their factors). */
  log?: Logger
  /** The conversation it belongs to (core's one answer: session header, Responses chain, else a hash); for stickiness. */
  readonly session?: SessionIdentity
}

/**
 * Chooses the provider and model for a request. The default strategy honours `provider:model` and
 * otherwise uses MODEL_PROVIDER; a router plugin may replace it (tiers, fallbacks).
 */
export interface RoutingStrategy {
  name: string
  route: (input: RoutingInput, fallback: (input: RoutingInput) => RouteDecision) => RouteDecision
  /** Provider/model pairs the strategy can route to (tier targets), for GET /v1/models. */
  targets?: () => Array<{ provider: string, model: string }>
}
