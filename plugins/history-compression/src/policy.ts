import type { ModelCapabilities } from '@lynkr/protocol'

/** When and how much old tool output is cleared, and when old turns are summarised, for one provider class. */
export interface HistoryPolicy {
  /** Prompt size (estimated tokens) above which a batch of old tool results is cleared. */
  triggerTokens: number
  /** A batch waits until the old results add up to this many tokens, then clears them all (hysteresis). */
  clearAtLeastTokens: number
  /** Tool results of the last N assistant turns are never cleared. */
  keepRecentTurns: number
  /** Prompt size above which old turns are summarised (undefined: never). */
  summariseAtTokens: number | undefined
  /** The model's window (estimated tokens): above 90 % of it a batch is cleared whatever it costs. */
  contextWindow: number
  /** Cache-read price relative to fresh input (0.1 on Anthropic); undefined when the provider caches nothing. */
  readRatio: number | undefined
  /** Price of (re)writing a prompt prefix into the cache relative to fresh input (1.25 on Anthropic). */
  writeRatio: number
}

export interface PolicyOverrides {
  keepRecentTurns?: number
  /** TOKEN_BUDGET_WARNING: the trigger, in tokens. */
  warningTokens?: number
  /** TOKEN_BUDGET_MAX: the size at which old turns are summarised. */
  maxTokens?: number
  summariseOlder: boolean
}

/**
 * Per provider class: a cache-capable cloud model reads its cached prefix at ~10 % of the price, so clearing
 * (which rewrites the prefix after the first cleared result) comes in large batches, each one checked by the
 * cost model; a cloud model without a cache pays for every token on every turn, so clearing is earlier; a
 * local model's gain is fitting its window. Tuned on the token corpus (test/bench/tune-tool-results-history.ts):
 * on Anthropic pricing a 15 % trigger and 5 kept turns cut the long session's cost by a fifth, while a
 * half-window trigger never fired.
 */
export function policyFor (capabilities: ModelCapabilities, overrides: PolicyOverrides): HistoryPolicy {
  const window = capabilities.contextWindow ?? (capabilities.local ? 32_768 : 200_000)
  const cached = capabilities.promptCache !== 'none' && !capabilities.local
  const readRatio = capabilities.promptCache === 'none' ? undefined : capabilities.cacheReadPriceRatio ?? (capabilities.local ? undefined : 0.1)
  const writeRatio = capabilities.promptCache === 'anthropic-breakpoints' || capabilities.promptCache === 'bedrock-cache-points' ? 1.25 : 1
  const base = capabilities.local
    ? { trigger: 0.5, clear: 0.25, keep: 4 }
    : cached ? { trigger: 0.15, clear: 0.04, keep: 5 } : { trigger: 0.1, clear: 0.05, keep: 4 }
  const triggerTokens = Math.min(overrides.warningTokens ?? Infinity, Math.floor(window * base.trigger))
  const summariseAt = Math.min(overrides.maxTokens ?? Infinity, Math.floor(window * 0.85))
  return {
    triggerTokens,
    clearAtLeastTokens: Math.max(1_000, Math.floor(window * base.clear)),
    keepRecentTurns: overrides.keepRecentTurns ?? base.keep,
    summariseAtTokens: overrides.summariseOlder ? summariseAt : undefined,
    contextWindow: window,
    readRatio,
    writeRatio
  }
}
