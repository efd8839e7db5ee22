import { isLynkrError } from '@lynkr/protocol'
import { cheapSiblingOf, splitProviderModel } from '@lynkr/core'

export interface SummaryRoute { provider: string, model: string }

/** What decides the summariser, from the environment. */
export interface SummaryModelChoice {
  /** HISTORY_SUMMARY_MODEL: `provider:model`, or a model of the request's provider. Always wins. */
  explicit?: string
  /** TIER_SIMPLE's provider:model when tier routing is on (all four TIER_*): the model the user chose for easy work. */
  simpleTier?: SummaryRoute
}

export type SummarySource = 'HISTORY_SUMMARY_MODEL' | 'TIER_SIMPLE' | 'cheaper sibling' | 'request'

interface Lookup {
  isProvider: (id: string) => boolean
  /** Input USD per million tokens, when the price table knows the model. */
  inputPrice: (provider: string, model: string) => number | undefined
}

/**
 * The model a summary is asked of, so a session on Opus does not pay Opus prices for it: HISTORY_SUMMARY_MODEL,
 * else TIER_SIMPLE, else a cheaper sibling of the request's model on its provider (core's cheapSiblingOf; only if
 * the price table does not say it costs more), else the request's own model.
 */
export function summaryRoute (choice: SummaryModelChoice, own: SummaryRoute, lookup: Lookup): SummaryRoute & { source: SummarySource } {
  if (choice.explicit !== undefined) {
    const named = splitProviderModel(choice.explicit)
    // `ollama:qwen2.5:0.5b` names a provider; `qwen2.5:0.5b` alone is a model of the request's provider.
    const route = named !== null && lookup.isProvider(named.provider) ? named : { provider: own.provider, model: choice.explicit }
    return { ...route, source: 'HISTORY_SUMMARY_MODEL' }
  }
  if (choice.simpleTier !== undefined && lookup.isProvider(choice.simpleTier.provider)) return { ...choice.simpleTier, source: 'TIER_SIMPLE' }
  const sibling = cheapSiblingOf(own.provider, own.model)
  if (sibling !== undefined) {
    const cheap = lookup.inputPrice(own.provider, sibling)
    const current = lookup.inputPrice(own.provider, own.model)
    if (cheap === undefined || current === undefined || cheap < current) return { provider: own.provider, model: sibling, source: 'cheaper sibling' }
  }
  return { ...own, source: 'request' }
}

/** A refusal of the model itself (unknown model, no access, bad request): asking that model again will not help. */
export function refusesModel (error: unknown): boolean {
  return isLynkrError(error) && error.status >= 400 && error.status < 500 && error.status !== 429
}

/** The boot log's one line on where summaries go. */
export function describeSummaryChoice (choice: SummaryModelChoice): string {
  if (choice.explicit !== undefined) return `summaries on HISTORY_SUMMARY_MODEL=${choice.explicit}`
  if (choice.simpleTier !== undefined) return `summaries on the SIMPLE tier (${choice.simpleTier.provider}:${choice.simpleTier.model})`
  return 'summaries on a cheaper model of the request\'s provider where one is known (Claude Opus/Sonnet → Haiku 4.5, GPT → its mini, Gemini Pro → 2.5 Flash), else on the request\'s model; set HISTORY_SUMMARY_MODEL to choose'
}
