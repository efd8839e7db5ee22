import type { ModelCapabilities } from '@lynkr/protocol'
import type { ReadBudget } from './working-set.ts'

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
  /** How the provider finds a cached prefix: at explicit breakpoints, any shared prefix, or not at all. */
  cache: 'breakpoints' | 'prefix' | 'none'
  /** Which old reads are kept, and how many tokens of them (working-set.ts). */
  keepReads: ReadBudget
  /** Later turns a batch must pay for itself within, as a share of the turns so far. */
  remainingShare: number
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
 * Per provider class. A cache-capable cloud model: the cost model decides (a batch must pay back its rewrite
 * within a quarter of the turns the session has had — a session that ran N turns runs about N more, and
 * under that assumption four in five run a quarter more), so the trigger and the clear-at-least amount are
 * low (7 % and 1 % of the window — 3 % with an automatic prefix cache, which misses from the first changed
 * message on: fewer, larger batches keep its hit ratio; do not bother before the prompt is a few times the
 * system prompt and tool list; bank.ts bounds each batch's worst case) and the last 2 turns are kept — what
 * the model acts on next; reads of edited or requested files are kept anyway, the newest first, up to 5 % of
 * the window (a large file read whole is not kept forever); where a cache read costs more than 0.1 of input,
 * the finer working-set choice, up to 12 % for files being worked on. A cloud model without a cache pays for every token on every turn: trigger 10 %, batches of
 * 5 %, 3 turns kept. A local model's gain is fitting its window: half of it, a quarter at once, 3 turns.
 */
export function policyFor (capabilities: ModelCapabilities, overrides: PolicyOverrides): HistoryPolicy {
  const window = capabilities.contextWindow ?? (capabilities.local ? 32_768 : 200_000)
  const cached = capabilities.promptCache !== 'none' && !capabilities.local
  const readRatio = capabilities.promptCache === 'none' ? undefined : capabilities.cacheReadPriceRatio ?? (capabilities.local ? undefined : 0.1)
  // Cache reads at a sizeable share of the input price (OpenAI's 0.5): batches pay early, while the files read are
  // still being edited, so the reads of the files the last turns touched get a larger share.
  const dearReads = !capabilities.local && readRatio !== undefined && readRatio > 0.1
  const writeRatio = capabilities.promptCache === 'anthropic-breakpoints' || capabilities.promptCache === 'bedrock-cache-points' ? 1.25 : 1
  const cache = capabilities.promptCache === 'none' ? 'none' : capabilities.promptCache === 'automatic-prefix' ? 'prefix' : 'breakpoints'
  // An automatic prefix cache misses from the first changed message on (no breakpoint at a frontier): fewer, larger batches.
  const base = capabilities.local
    ? { trigger: 0.5, clear: 0.25, keep: 3 }
    : cached ? { trigger: 0.07, clear: cache === 'prefix' ? 0.03 : 0.01, keep: 2 } : { trigger: 0.1, clear: 0.05, keep: 3 }
  const triggerTokens = Math.min(overrides.warningTokens ?? Infinity, Math.floor(window * base.trigger))
  const summariseAt = Math.min(overrides.maxTokens ?? Infinity, Math.floor(window * 0.85))
  return {
    triggerTokens,
    clearAtLeastTokens: Math.max(1_000, Math.floor(window * base.clear)),
    keepRecentTurns: overrides.keepRecentTurns ?? base.keep,
    summariseAtTokens: overrides.summariseOlder ? summariseAt : undefined,
    contextWindow: window,
    readRatio,
    writeRatio,
    cache,
    keepReads: { tokens: Math.floor(window * 0.05), hotTokens: Math.floor(window * (dearReads ? 0.12 : 0.05)), workingSet: dearReads },
    remainingShare: 0.25
  }
}
