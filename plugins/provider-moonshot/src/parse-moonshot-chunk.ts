import type { UpstreamPart } from '@lynkr/protocol'
import { openAIChunkToParts, openAICompletionToParts } from '@lynkr/openai-chat'
import type { OpenAIUsage } from '@lynkr/openai-chat'

type MoonshotUsage = OpenAIUsage & { cached_tokens?: number }

/** Moonshot reports context-cache hits as a top-level `cached_tokens`. */
function normaliseUsage (usage: MoonshotUsage): OpenAIUsage {
  return typeof usage.cached_tokens === 'number' && usage.prompt_tokens_details?.cached_tokens === undefined
    ? { ...usage, prompt_tokens_details: { cached_tokens: usage.cached_tokens } }
    : usage
}

function isUsage (value: unknown): value is MoonshotUsage {
  return value !== null && typeof value === 'object'
}

/** Moonshot streams put the final usage inside the last chunk's choice (`choices[0].usage`). */
export function moonshotChunkToParts (chunk: Record<string, unknown>): UpstreamPart[] {
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] as Record<string, unknown> | undefined : undefined
  const usage = isUsage(chunk.usage) ? chunk.usage : isUsage(choice?.usage) ? choice.usage : undefined
  return openAIChunkToParts('moonshot', usage === undefined ? chunk : { ...chunk, usage: normaliseUsage(usage) })
}

export function moonshotCompletionToParts (completion: Record<string, unknown>): UpstreamPart[] {
  return openAICompletionToParts('moonshot', isUsage(completion.usage) ? { ...completion, usage: normaliseUsage(completion.usage) } : completion)
}
