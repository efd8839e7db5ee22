import type { ChatRequest } from './messages.ts'

export interface RouteDecision {
  provider: string
  model: string
  /** Why: 'explicit' (provider:model in the request), 'default', or a strategy's own label (a tier). */
  reason: string
}

export interface RoutingInput {
  request: ChatRequest
  headers: Record<string, string | string[] | undefined>
}

/**
 * Chooses the provider and model for a request. The default strategy honours `provider:model` and
 * otherwise uses MODEL_PROVIDER; a router plugin may replace it (tiers, fallbacks).
 */
export interface RoutingStrategy {
  name: string
  route: (input: RoutingInput, fallback: (input: RoutingInput) => RouteDecision) => RouteDecision
}
