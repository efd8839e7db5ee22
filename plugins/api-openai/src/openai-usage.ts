import type { StopReason, Usage } from '@lynkr/protocol'
import type { OpenAIUsage } from '@lynkr/openai-chat'

/** Internal (Anthropic) stop reasons to Chat Completions finish reasons (protocols.md §3.5, reverse). */
export function finishReasonFor (reason: StopReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  switch (reason) {
    case 'tool_use': return 'tool_calls'
    case 'max_tokens': case 'model_context_window_exceeded': return 'length'
    case 'refusal': return 'content_filter'
    default: return 'stop'
  }
}

/** OpenAI counts cached tokens inside prompt_tokens; Anthropic keeps them apart. */
export function promptTokens (usage: Usage): number {
  return usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0)
}

/** Chat Completions usage, equal to what the upstream reported. */
export function toChatUsage (usage: Usage): Required<Pick<OpenAIUsage, 'prompt_tokens' | 'completion_tokens' | 'total_tokens'>> & OpenAIUsage {
  const prompt = promptTokens(usage)
  const result: OpenAIUsage & { prompt_tokens: number, completion_tokens: number, total_tokens: number } = {
    prompt_tokens: prompt,
    completion_tokens: usage.output_tokens,
    total_tokens: prompt + usage.output_tokens,
    prompt_tokens_details: { cached_tokens: usage.cache_read_input_tokens ?? 0 }
  }
  if ((usage.cache_creation_input_tokens ?? 0) > 0) result.prompt_tokens_details!.cache_write_tokens = usage.cache_creation_input_tokens
  if (typeof usage.reasoning_tokens === 'number') result.completion_tokens_details = { reasoning_tokens: usage.reasoning_tokens }
  return result
}

/** Responses usage: input_tokens include cached tokens, like prompt_tokens. */
export function toResponsesUsage (usage: Usage): Record<string, unknown> {
  const input = promptTokens(usage)
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cache_read_input_tokens ?? 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    total_tokens: input + usage.output_tokens
  }
}

/** `chatcmpl-…` from the internal `msg_…` id, so logs can relate the two. */
export function completionId (messageId: string): string {
  return 'chatcmpl-' + messageId.replace(/^msg_/, '')
}
