import type { ModelCapabilities, ProviderAdapter } from '@lynkr/protocol'
import type { Pricing } from '../pricing.ts'

/**
 * What a provider does with a model, for steps: the adapter's own answer (`capabilities(model)`), with
 * what it leaves out filled in — the limits its model list states, the cache-read ratio from the price
 * table, `local` from the plugin's manifest, no prompt cache. Memoised per provider and model.
 */
export class Capabilities {
  private readonly known = new Map<string, ModelCapabilities>()
  private readonly pricing: Pricing | undefined
  private readonly isLocal: (provider: string) => boolean

  constructor (pricing: Pricing | undefined, isLocal: (provider: string) => boolean) {
    this.pricing = pricing
    this.isLocal = isLocal
  }

  of (adapter: ProviderAdapter, model: string): ModelCapabilities {
    const key = `${adapter.id}\u0000${model}`
    let found = this.known.get(key)
    if (found === undefined) {
      found = this.resolve(adapter, model)
      if (this.known.size < 1000) this.known.set(key, found)
    }
    return found
  }

  private resolve (adapter: ProviderAdapter, model: string): ModelCapabilities {
    const own = adapter.capabilities?.(model) ?? {}
    const listed = own.contextWindow === undefined || own.maxOutputTokens === undefined
      ? adapter.listModels().find((info) => info.id === model)
      : undefined
    const local = own.local ?? this.isLocal(adapter.id)
    const promptCache = own.promptCache ?? 'none'
    const capabilities: ModelCapabilities = { promptCache, local }
    const contextWindow = own.contextWindow ?? listed?.contextWindow
    const maxOutputTokens = own.maxOutputTokens ?? listed?.maxOutputTokens
    if (contextWindow !== undefined) capabilities.contextWindow = contextWindow
    if (maxOutputTokens !== undefined) capabilities.maxOutputTokens = maxOutputTokens
    const ratio = own.cacheReadPriceRatio ?? (promptCache === 'none' || local ? undefined : this.priceRatio(adapter.id, model))
    if (ratio !== undefined) capabilities.cacheReadPriceRatio = ratio
    return capabilities
  }

  private priceRatio (provider: string, model: string): number | undefined {
    const price = this.pricing?.priceOf(provider, model)
    if (price === undefined || price.input <= 0 || price.cacheRead <= 0) return undefined
    return Math.round(price.cacheRead / price.input * 1000) / 1000
  }
}
