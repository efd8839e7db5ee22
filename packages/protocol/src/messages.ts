/**
 * The internal request model is the Anthropic Messages block model (protocols.md §0): it keeps block
 * order and thinking signatures, which OpenAI's "string + tool_calls" shape cannot. Front doors convert
 * their dialect into these types; providers convert these types into theirs.
 */

/** Prompt-cache marker as Anthropic defines it; kept so Anthropic-compatible upstreams can use it. */
export interface CacheControl { type: 'ephemeral', ttl?: '5m' | '1h' }

export interface TextBlock { type: 'text', text: string, cache_control?: CacheControl | null, citations?: unknown }

export type ImageSource =
  | { type: 'base64', media_type: string, data: string }
  | { type: 'url', url: string }
  | { type: 'file', file_id: string }

export interface ImageBlock { type: 'image', source: ImageSource, cache_control?: CacheControl | null }

export interface DocumentBlock {
  type: 'document'
  source: { type: string, media_type?: string, data?: string, url?: string, content?: unknown }
  title?: string | null
  context?: string | null
  cache_control?: CacheControl | null
}

export interface ToolUseBlock { type: 'tool_use', id: string, name: string, input: unknown, cache_control?: CacheControl | null }

export interface ToolResultBlock {
  type: 'tool_result'
  tool_use_id: string
  /** Claude Code sends a string; SDKs and Qwen send blocks. */
  content?: string | Array<TextBlock | ImageBlock | DocumentBlock | { type: string, [key: string]: unknown }>
  is_error?: boolean
  cache_control?: CacheControl | null
}

export interface ThinkingBlock { type: 'thinking', thinking: string, signature?: string }
export interface RedactedThinkingBlock { type: 'redacted_thinking', data: string }

/** Any block type we do not model (server tools, search results…); carried through untouched. */
export interface OtherBlock { type: string, [key: string]: unknown }

export type ContentBlock =
  | TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock | RedactedThinkingBlock

/**
 * `system` appears inside `messages` in Claude Code 2.1.x (mid-conversation system messages). It stays in
 * place: hoisting it would change the prompt prefix every turn and defeat upstream prompt caching.
 */
export interface ChatMessage {
  role: 'user' | 'assistant' | 'system'
  /** Always normalised to blocks by the front door. */
  content: ContentBlock[]
}

export interface ToolDefinition {
  name: string
  description?: string
  input_schema: Record<string, unknown>
  cache_control?: CacheControl | null
  /** Anything else the client sent on the tool (strict, type…), for passthrough upstreams. */
  [key: string]: unknown
}

export type ToolChoice =
  | { type: 'auto', disable_parallel_tool_use?: boolean }
  | { type: 'any', disable_parallel_tool_use?: boolean }
  | { type: 'tool', name: string, disable_parallel_tool_use?: boolean }
  | { type: 'none' }

export type ThinkingConfig =
  | { type: 'enabled', budget_tokens: number, display?: string }
  | { type: 'adaptive', display?: string }
  | { type: 'disabled' }

/**
 * Anthropic's top-level request fields with no counterpart elsewhere (Claude Code sends `context_management`
 * for tool-result clearing). Anthropic-format upstreams get them when their betas allow; others lose them
 * (core's server-tool notice warns where that changes behaviour).
 */
export interface AnthropicTopLevelFields {
  context_management?: Record<string, unknown>
  /** A container id, or `{id?, skills?}`. */
  container?: string | Record<string, unknown>
  mcp_servers?: Array<{ type: string, url: string, name: string, [key: string]: unknown }>
  service_tier?: 'auto' | 'standard_only'
}

export type AnthropicTopLevelField = keyof AnthropicTopLevelFields

/** The canonical request every provider receives. */
export interface ChatRequest {
  /** Upstream model id, filled in by routing. */
  model: string
  /** What the client named; echoed back in responses so client bookkeeping stays consistent. */
  clientModel: string
  system?: TextBlock[]
  messages: ChatMessage[]
  tools?: ToolDefinition[]
  tool_choice?: ToolChoice
  max_tokens: number
  temperature?: number
  top_p?: number
  top_k?: number
  stop_sequences?: string[]
  thinking?: ThinkingConfig
  /** `output_config.effort` and friends: a hint some upstreams can use (reasoning effort). */
  effort?: 'low' | 'medium' | 'high' | 'xhigh' | 'max'
  /** JSON-schema output format (`output_config.format` / OpenAI `response_format`). */
  responseFormat?: { type: 'json_object' } | { type: 'json_schema', schema: Record<string, unknown>, name?: string }
  userId?: string
  stream: boolean
  /**
   * Anthropic's automatic caching (a top-level `cache_control`): the prompt-cache step turns it into an
   * explicit breakpoint on the last cacheable block once every other step has run.
   */
  cacheControl?: CacheControl
  /** Anthropic-only top-level fields, as the client sent them. */
  anthropicFields?: AnthropicTopLevelFields
  /**
   * Set by the prompt-cache step for upstreams that cache prefixes by themselves: a stable per-session key
   * (OpenAI `prompt_cache_key`, routing the session to the same cache) and how long a local server should
   * keep the model, and so its KV cache, loaded (Ollama `keep_alive`). Translators use what their upstream takes.
   */
  promptCacheHint?: PromptCacheHint
}

export interface PromptCacheHint {
  key: string
  keepAlive?: string
}
