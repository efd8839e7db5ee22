import type { ModelCapabilities } from '@lynkr/protocol'

/** Characters per token, roughly, for code and tool output (a budget, not a count). */
const CHARS_PER_TOKEN = 4

/**
 * The size above which a new tool result is cut, in characters, from what the provider does with the model.
 * A cache-capable cloud model pays for a new result once at the write price (1.25× on Anthropic) and then
 * ~10 % on every later turn, and a cut on arrival is the one cut that rewrites nothing: 1 % of the window,
 * 6,000–8,000 characters (measured on the long corpus sessions: 16,000 left test runs with failures and wide
 * greps whole, for a fifth less of phase 4's savings); a cloud model without a prompt cache pays full price for every token on every later turn; a local
 * model's gain is fitting its window, so a result may take only a small share of it.
 */
export function maxCharsFor (capabilities: ModelCapabilities, override?: number): number {
  if (override !== undefined && override > 0) return override
  const window = capabilities.contextWindow ?? (capabilities.local ? 32_768 : 200_000)
  const share = (fraction: number): number => Math.floor(window * CHARS_PER_TOKEN * fraction)
  if (capabilities.local || window <= 32_768) return Math.max(1_500, Math.min(8_000, share(0.06)))
  if (capabilities.promptCache === 'none') return Math.max(4_000, Math.min(8_000, share(0.02)))
  return Math.max(6_000, Math.min(8_000, share(0.01)))
}
