import type { Usage } from './usage.ts'
import type { LynkrError } from './errors.ts'

/** Why the model stopped, in Anthropic terms. */
export type StopReason =
  | 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal'
  | 'model_context_window_exceeded'

/** A server tool's call (Anthropic's API runs web search, web fetch, code execution itself). */
export interface ServerToolUseBlock { type: 'server_tool_use', id: string, name: string, input: unknown }
/** A server tool's result (`web_search_tool_result`, `web_fetch_tool_result`…), carried as the upstream sent it. */
export interface ServerToolResultBlock { type: `${string}_tool_result`, tool_use_id: string, content: unknown, [key: string]: unknown }

/** A page an upstream's web search used. `snippet`: what the upstream quoted of it, when it says. */
export interface WebSource { url: string, title?: string, snippet?: string }

/**
 * A stretch of the answer text backed by sources (indices into the same part's `sources`), as offsets into the
 * whole answer text: UTF-8 bytes (Gemini) or UTF-16 code units (OpenAI-style annotations). `text`, when the
 * upstream gives it, is checked against the offsets and used to find the stretch when they do not match.
 */
export interface WebSupport { start: number, end: number, unit: 'utf8' | 'utf16', text?: string, sources: number[] }

/**
 * What a provider parser emits: a loose, upstream-shaped vocabulary. Parsers stay dumb (one upstream
 * chunk in, a few parts out); the one stream state machine in core (`MessageAssembler`) turns parts into
 * strictly ordered message events. Non-streaming upstream replies are expressed in the same parts, so
 * both paths share that machine.
 */
export type UpstreamPart =
  | { type: 'response-start', id?: string, model?: string, usage?: Partial<Usage> }
  /**
   * Text. `newBlock` marks the first text of an upstream text block (Anthropic-format upstreams): the
   * client gets the upstream's own block boundaries, so cited text does not absorb the text after it.
   */
  | { type: 'text-delta', text: string, newBlock?: boolean }
  /** A source for the text that follows (Anthropic `citations_delta`): it opens a new text block. */
  | { type: 'citation', citation: Record<string, unknown> }
  | { type: 'reasoning-delta', text: string }
  | { type: 'reasoning-signature', signature: string }
  | { type: 'redacted-reasoning', data: string }
  /**
   * A fragment of a streamed tool call. `index` keys fragments of one call (OpenAI semantics: parallel
   * calls interleave by index). `id`/`name` usually come with the first fragment only.
   */
  | { type: 'tool-call-delta', index: number, id?: string, name?: string, argumentsDelta?: string }
  /** A tool call that arrived whole (Ollama, non-stream replies). `input` is an object or a JSON string. */
  | { type: 'tool-call', id?: string, name: string, input: unknown }
  | { type: 'usage', usage: Partial<Usage> }
  /** The upstream's claimed finish; `tool_use` is still decided from what was streamed. */
  | { type: 'finish', reason: StopReason | null, stopSequence?: string | null }
  /**
   * A whole server-tool block from an Anthropic-format upstream, passed to an Anthropic client unchanged
   * (Claude Code's WebSearch reads the result blocks); other front doors have no place for it.
   */
  | { type: 'server-block', block: ServerToolUseBlock | ServerToolResultBlock }
  /**
   * What a non-Anthropic upstream's own web search found (Gemini grounding metadata, OpenRouter `url_citation`
   * annotations): queries, sources, and which stretches of the answer text each source supports. Several may
   * arrive per answer (they add up). Core's `WebSearchAnswer` transform turns them into Anthropic's web search
   * blocks and citations; the assembler ignores them.
   */
  | { type: 'web-search', queries?: string[], sources: WebSource[], supports?: WebSupport[] }
  /** A failure after the stream started. */
  | { type: 'error', error: LynkrError }

export interface MessageStart {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: []
  stop_reason: null
  stop_sequence: null
  usage: Usage
}

export type ContentBlockStart =
  | { type: 'text', text: '' }
  | { type: 'thinking', thinking: '', signature: '' }
  | { type: 'redacted_thinking', data: string }
  | { type: 'tool_use', id: string, name: string, input: Record<string, never> }
  | { type: 'server_tool_use', id: string, name: string, input: Record<string, never> }
  | ServerToolResultBlock

export type ContentBlockDelta =
  | { type: 'text_delta', text: string }
  | { type: 'thinking_delta', thinking: string }
  | { type: 'signature_delta', signature: string }
  | { type: 'input_json_delta', partial_json: string }
  | { type: 'citations_delta', citation: Record<string, unknown> }

/**
 * The strict event sequence every front door encodes. It is Anthropic's SSE event model exactly
 * (protocols.md §1.7): message_start, then per block start → deltas → stop with monotonic indices and no
 * interleaving, then message_delta and message_stop; or `error` after which nothing follows.
 */
export type MessageEvent =
  | { type: 'message_start', message: MessageStart }
  | { type: 'content_block_start', index: number, content_block: ContentBlockStart }
  | { type: 'content_block_delta', index: number, delta: ContentBlockDelta }
  | { type: 'content_block_stop', index: number }
  | { type: 'message_delta', delta: { stop_reason: StopReason, stop_sequence: string | null }, usage: Usage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error', error: LynkrError }
