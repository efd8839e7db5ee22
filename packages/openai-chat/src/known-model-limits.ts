import { lookupModelLimits } from '@lynkr/core'
import type { ModelLimits, ModelLimitsTable } from '@lynkr/core'

/**
 * Context windows and output caps of models commonly served behind OpenAI-compatible APIs, as their
 * vendors document them. Patterns are unanchored so they match vendor-prefixed ids (`anthropic/claude-…`
 * on OpenRouter, `databricks-claude-…` endpoints, Azure deployments named after their model). First match
 * wins; an unknown model gets no limits (the upstream's own error still becomes "prompt is too long").
 */
export const KNOWN_MODEL_LIMITS: ModelLimitsTable = [
  [/claude-opus-4(?:[-.][01])?(?:$|-\d{8}|:)/i, { contextWindow: 200_000, maxOutputTokens: 32_000 }],
  [/claude-(?:opus|sonnet|haiku)-[4-9]|claude-3[-.]7/i, { contextWindow: 200_000, maxOutputTokens: 64_000 }],
  [/claude-3[-.]5/i, { contextWindow: 200_000, maxOutputTokens: 8192 }],
  [/claude-3/i, { contextWindow: 200_000, maxOutputTokens: 4096 }],
  [/gpt-5/i, { contextWindow: 400_000, maxOutputTokens: 128_000 }],
  [/gpt-4\.1/i, { contextWindow: 1_047_576, maxOutputTokens: 32_768 }],
  [/gpt-4o/i, { contextWindow: 128_000, maxOutputTokens: 16_384 }],
  [/(?:^|\/)o[134](?:-mini|-pro)?(?:$|-)/i, { contextWindow: 200_000, maxOutputTokens: 100_000 }],
  [/gemini-2\.5|gemini-3/i, { contextWindow: 1_048_576, maxOutputTokens: 65_536 }],
  [/kimi-k2/i, { contextWindow: 262_144 }],
  [/moonshot-v1-8k/i, { contextWindow: 8192 }],
  [/moonshot-v1-32k/i, { contextWindow: 32_768 }],
  [/moonshot-v1-128k/i, { contextWindow: 131_072 }],
  [/qwen3-coder/i, { contextWindow: 262_144, maxOutputTokens: 65_536 }]
]

/** Limits for a model: the table's entry, with a provider's `*_MAX_OUTPUT_TOKENS` / `*_CONTEXT_WINDOW` on top. */
export function modelLimitsResolver (overrides: ModelLimits | undefined, table: ModelLimitsTable = KNOWN_MODEL_LIMITS): (model: string) => ModelLimits | undefined {
  return (model) => {
    const known = lookupModelLimits(table, model)
    if (known === undefined && overrides === undefined) return undefined
    return { ...known, ...overrides }
  }
}
