/** Wire types of OpenAI Chat Completions as we send and read them (protocols.md §2). */
/** Anthropic's prompt-cache breakpoint, which OpenRouter passes on to Anthropic and Gemini models. */
export interface OpenAICacheControl { type: string, ttl?: string }

export type OpenAIContentPart =
  | { type: 'text', text: string, cache_control?: OpenAICacheControl }
  | { type: 'image_url', image_url: { url: string, detail?: string } }

/** Databricks (Claude endpoints): reasoning travels as content parts with its signature. */
export type OpenAIAssistantPart =
  | { type: 'text', text: string }
  | { type: 'reasoning', summary: Array<{ type: 'summary_text', text: string, signature?: string }> }

export interface OpenAIToolCall { id: string, type: 'function', function: { name: string, arguments: string } }

export type OpenAIMessage =
  | { role: 'system' | 'developer', content: string | OpenAIContentPart[] }
  | { role: 'user', content: string | OpenAIContentPart[] }
  | { role: 'assistant', content: string | null | OpenAIAssistantPart[], tool_calls?: OpenAIToolCall[], reasoning_content?: string, reasoning_details?: unknown[] }
  | { role: 'tool', tool_call_id: string, content: string | OpenAIContentPart[] }

export interface OpenAITool { type: 'function', function: { name: string, description?: string, parameters: Record<string, unknown> } }

export interface OpenAIChatBody {
  model: string
  messages: OpenAIMessage[]
  tools?: OpenAITool[]
  tool_choice?: 'auto' | 'none' | 'required' | { type: 'function', function: { name: string } }
  parallel_tool_calls?: boolean
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  top_k?: number
  stop?: string[]
  stream?: boolean
  stream_options?: { include_usage: boolean }
  response_format?: { type: 'json_object' } | { type: 'json_schema', json_schema: { name: string, schema: Record<string, unknown> } }
  prompt_cache_key?: string
  cache_prompt?: boolean
  [extra: string]: unknown
}

export interface OpenAIUsage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
  prompt_tokens_details?: { cached_tokens?: number, cache_write_tokens?: number } | null
  completion_tokens_details?: { reasoning_tokens?: number } | null
}
