/**
 * The scripting model shared by the fake upstreams: a test says what the "model" answers (FakeReply),
 * each fake renders it in its own wire format.
 */

export interface FakeToolCall { name: string, arguments: Record<string, unknown>, id?: string }

export interface FakeReply {
  /** Non-2xx: reply with that status and the format's error JSON, message `error`. */
  status?: number
  error?: string
  /** Retry-After header (seconds) on errors. */
  retryAfter?: number
  /** Split into several deltas when streaming. */
  text?: string
  reasoning?: string
  /** Parallel when more than one. */
  toolCalls?: FakeToolCall[]
  /**
   * The model searched the web before answering, each fake in its own terms: Anthropic's server tool blocks,
   * Gemini's grounding metadata (only when the request enabled googleSearch), OpenRouter's url_citation
   * annotations (only when the request enabled the web plugin). The answer's first sentence cites the first hit.
   */
  webSearch?: { query: string, results: Array<{ title: string, url: string }>, /** Text after the cited answer, in its own uncited block. */ uncitedTail?: string }
  /** OpenAI only: interleave the argument fragments of parallel calls. */
  interleave?: boolean
  /**
   * OpenAI only: stream every parallel call at `index: 0`, each told apart by its new `id`, as Ollama's /v1,
   * vLLM and SGLang do (a head with id and name, then argument pieces carrying only the index).
   */
  sharedToolIndex?: boolean
  /** Overrides the wire finish reason (e.g. 'stop' even with tool calls). */
  finishReason?: string
  /** As the wire counts it: OpenAI's prompt_tokens (cached included), Ollama's prompt_eval_count. */
  usage?: { input: number, output: number, cached?: number }
  /** Before the first byte. */
  delayMs?: number
  /** Between stream frames. */
  chunkDelayMs?: number
  /** Send some content, then the format's in-stream error, then end. */
  midStreamError?: string
  /** Destroy the socket after N frames (non-stream: before any body). */
  dropConnectionAfterChunks?: number
}

export interface RecordedRequest {
  method: string
  /** Path including any query string, as received. */
  path: string
  headers: Record<string, string | string[] | undefined>
  /** Parsed JSON body; the raw string when it is not JSON; undefined when empty. */
  body: any // any on purpose: tests poke into arbitrary wire shapes
  /** The body exactly as received (signature checks hash these bytes). */
  rawBody?: string
}

export type FakeResponder = (request: RecordedRequest) => FakeReply

export interface FakeUpstream {
  url: string
  port: number
  requests: RecordedRequest[]
  respondWith (responder: FakeResponder | FakeReply): void
  close (): Promise<void>
}

export const defaultReply: FakeReply = { text: 'ok' }

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Splits text into word-sized deltas whose concatenation is exactly the input. */
export function splitText (text: string): string[] {
  return text.split(/(?=\s+\S)/).filter((piece) => piece !== '')
}

/** Splits a string into about `parts` pieces by code point, so no piece ends inside a surrogate pair. */
export function splitPieces (value: string, parts: number): string[] {
  const chars = Array.from(value)
  const size = Math.max(1, Math.ceil(chars.length / parts))
  const pieces: string[] = []
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''))
  return pieces
}

/** Usage the fake reports when the script gives none: a bytes/4 guess, so numbers are never zero. */
export function usageFor (reply: FakeReply, requestBody: unknown): { input: number, output: number, cached?: number } {
  if (reply.usage !== undefined) return reply.usage
  const input = Math.max(1, Math.ceil(JSON.stringify(requestBody ?? '').length / 4))
  const produced = (reply.text ?? '') + (reply.reasoning ?? '') + JSON.stringify(reply.toolCalls ?? [])
  return { input, output: Math.max(1, Math.ceil(produced.length / 4)) }
}

/** Dimensions of the fakes' embedding vectors when the request names none. */
export const FAKE_EMBEDDING_DIMENSIONS = 8

/**
 * The vector the fake upstreams return for a text: deterministic (an FNV-1a hash per component), so a test
 * can compute what it should receive back. `dimensions` truncates, as Matryoshka models do.
 */
export function fakeEmbedding (text: string, dimensions = FAKE_EMBEDDING_DIMENSIONS): number[] {
  const vector: number[] = []
  for (let i = 0; i < dimensions; i++) {
    let hash = 0x811c9dc5
    for (const char of `${i}:${text}`) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0
    vector.push(Math.round(((hash % 20000) / 10000 - 1) * 10000) / 10000)
  }
  return vector
}
