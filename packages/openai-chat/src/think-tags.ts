import { Type } from 'typebox'
import type { TBoolean } from 'typebox'
import { LeadingThinkTags } from '@lynkr/inline-markup'
import type { PartTransform } from '@lynkr/core'

type ThinkTagsVariable<P extends string> = { [K in `${P}_THINK_TAGS`]: TBoolean }

/**
 * `<PREFIX>_THINK_TAGS`: cloud OpenAI-compatible upstreams (vLLM behind OpenAI-style endpoints, Azure
 * Foundry, Databricks, OpenRouter) serve DeepSeek-R1 and Qwen3 without a reasoning parser, so the answer
 * opens with `<think>…</think>`; recovered as a thinking block unless turned off.
 */
export function thinkTagsVariable<P extends string> (prefix: P): ThinkTagsVariable<P> {
  return {
    [`${prefix}_THINK_TAGS`]: Type.Boolean({ default: true, description: 'an answer that opens with <think>…</think> becomes a thinking block (false: passed on as text)' })
  } as ThinkTagsVariable<P>
}

/** The per-call transform for a cloud upstream: only a `<think>` the answer opens with, never printed tool calls. */
export function leadingThinkTags (): PartTransform {
  return new LeadingThinkTags()
}
