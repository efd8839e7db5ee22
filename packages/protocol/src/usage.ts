/**
 * Token usage in Anthropic semantics: `input_tokens` EXCLUDES cached tokens (the opposite of OpenAI's
 * prompt_tokens). Total input = input + cache_creation + cache_read (protocols.md §1.5, §3.5).
 */
export interface Usage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number
  cache_read_input_tokens?: number
  /**
   * Anthropic's split of the cache writes by lifetime (1-hour writes cost 2× input, 5-minute ones 1.25×);
   * both are inside `cache_creation_input_tokens`.
   */
  cache_creation?: { ephemeral_5m_input_tokens: number, ephemeral_1h_input_tokens: number }
  /** Thinking/reasoning tokens, already included in output_tokens. */
  reasoning_tokens?: number
  /** Server tools the upstream ran (Anthropic's shape; Claude Code counts and prices web searches from it). */
  server_tool_use?: { web_search_requests: number }
}

export function emptyUsage (): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
}

/** Merges a later report into the running usage: non-null fields win (usage reports are cumulative). */
export function mergeUsage (into: Usage, next: Partial<Usage>): Usage {
  for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'reasoning_tokens'] as const) {
    const value = next[key]
    if (typeof value === 'number' && Number.isFinite(value)) into[key] = value
  }
  const lifetimes = next.cache_creation
  if (lifetimes !== undefined && lifetimes !== null && typeof lifetimes === 'object') {
    const fiveMinutes = lifetimes.ephemeral_5m_input_tokens
    const oneHour = lifetimes.ephemeral_1h_input_tokens
    into.cache_creation = {
      ephemeral_5m_input_tokens: typeof fiveMinutes === 'number' && Number.isFinite(fiveMinutes) ? fiveMinutes : 0,
      ephemeral_1h_input_tokens: typeof oneHour === 'number' && Number.isFinite(oneHour) ? oneHour : 0
    }
  }
  const searches = next.server_tool_use?.web_search_requests
  if (typeof searches === 'number' && Number.isFinite(searches)) into.server_tool_use = { web_search_requests: searches }
  return into
}
