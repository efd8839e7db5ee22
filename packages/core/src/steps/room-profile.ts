import type { ModelCapabilities } from '@lynkr/protocol'

/**
 * Whether a content-trimming step should make room on this target: never on a cloud provider with a
 * prompt cache (its reads cost a fraction of fresh input, and a stable prefix is worth more than a shorter
 * one); elsewhere only when the context window is at most `maxWindow` tokens (an unknown window counts as
 * large unless `maxWindow` is Infinity). Local windows are where a long client prompt simply does not fit.
 */
export function needsRoom (capabilities: ModelCapabilities, maxWindow: number): boolean {
  if (!capabilities.local && capabilities.promptCache !== 'none') return false
  return (capabilities.contextWindow ?? Number.POSITIVE_INFINITY) <= maxWindow
}

/** Windows up to which each mode makes room (Lynkr's mode names; `auto` and `dynamic` are `heuristic`). */
export const ROOM_WINDOWS: Readonly<Record<string, number>> = Object.freeze({
  conservative: 16_384,
  heuristic: 32_768,
  auto: 32_768,
  dynamic: 32_768,
  aggressive: Number.POSITIVE_INFINITY
})
