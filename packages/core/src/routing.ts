import type { ChatRequest, ProviderAdapter, RouteDecision, RoutingInput, RoutingStrategy } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import type { ProviderRegistry } from './provider-registry.ts'

/**
 * `provider:model` in the model field picks a provider explicitly (split at the FIRST colon, so
 * `ollama:qwen2.5:0.5b` keeps the tag). Anything else (Claude Code always names Claude models) goes to the
 * default provider with that provider's configured model.
 */
export function parseModelReference (model: string, isProvider: (id: string) => boolean): { provider: string, model: string } | null {
  const split = splitProviderModel(model)
  return split !== null && isProvider(split.provider) ? split : null
}

/** `provider:model` split at the FIRST colon; null unless both sides are non-empty. Callers validate the provider. */
export function splitProviderModel (text: string): { provider: string, model: string } | null {
  const colon = text.indexOf(':')
  if (colon <= 0 || colon === text.length - 1) return null
  return { provider: text.slice(0, colon), model: text.slice(colon + 1) }
}

export class Routing {
  private strategy: RoutingStrategy | null = null
  private readonly providers: ProviderRegistry
  /** MODEL_PROVIDER (ollama when unset). */
  readonly defaultProvider: string
  /** False when the installed strategy routes every request (all four TIER_*): then MODEL_PROVIDER is not used, nor enabled for it. */
  readonly defaultInUse: boolean

  constructor (providers: ProviderRegistry, defaultProvider: string, defaultInUse = true) {
    this.providers = providers
    this.defaultProvider = defaultProvider
    this.defaultInUse = defaultInUse
  }

  /** For logs: `default provider ollama`, or the strategy when it routes every request. */
  describe (): string {
    return this.defaultInUse ? `default provider ${this.defaultProvider}, routing ${this.strategyName}` : `routing ${this.strategyName} (MODEL_PROVIDER not used)`
  }

  /** Providers lynkr has but this boot did not enable, with what to set to enable each. */
  private readonly notEnabled = new Map<string, string>()

  /** `provider:model` naming this provider answers 400 with `howToEnable`, instead of quietly going elsewhere. */
  markNotEnabled (provider: string, howToEnable: string): void {
    this.notEnabled.set(provider.toLowerCase(), howToEnable)
  }

  /** At most one replacement strategy (the router plugin). */
  use (strategy: RoutingStrategy): void {
    if (this.strategy !== null) throw new Error(`Routing strategy "${this.strategy.name}" is already installed`)
    this.strategy = strategy
  }

  get strategyName (): string { return this.strategy?.name ?? 'static' }

  /** The provider/model pairs the installed strategy routes to beyond each provider's default. */
  targets (): Array<{ provider: string, model: string }> { return this.strategy?.targets?.() ?? [] }

  decide (input: RoutingInput): RouteDecision {
    const named = splitProviderModel(input.request.clientModel)
    const how = named === null || this.providers.has(named.provider) ? undefined : this.notEnabled.get(named.provider.toLowerCase())
    if (how !== undefined) {
      throw new LynkrError('invalid_request', `The model "${input.request.clientModel}" names provider ${named!.provider}, which is not enabled: ${how}`, { status: 400, code: 'LYNKR_PROVIDER_NOT_ENABLED' })
    }
    const fallback = (value: RoutingInput): RouteDecision => this.defaultDecision(value)
    return this.strategy === null ? fallback(input) : this.strategy.route(input, fallback)
  }

  private defaultDecision (input: RoutingInput): RouteDecision {
    const explicit = parseModelReference(input.request.clientModel, (id) => this.providers.has(id))
    if (explicit !== null) return { ...explicit, reason: 'explicit' }
    const adapter = this.providers.get(this.defaultProvider)
    if (adapter === undefined) {
      throw new LynkrError('api_error', `The default provider "${this.defaultProvider}" is not loaded; set MODEL_PROVIDER`, { status: 500, code: 'LYNKR_ROUTING_NO_PROVIDER' })
    }
    return { provider: adapter.id, model: defaultModelOf(adapter, input.request), reason: 'default' }
  }
}

/** The model a request routed to this provider without naming one goes to. */
export function defaultModelOf (adapter: ProviderAdapter, request: ChatRequest): string {
  return adapter.defaultModelFor?.(request) ?? adapter.defaultModel
}
