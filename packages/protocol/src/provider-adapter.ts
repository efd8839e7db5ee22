import type { AnthropicTopLevelField, ChatRequest, ToolDefinition } from './messages.ts'
import type { UpstreamPart } from './stream-parts.ts'

/** A structured logger (pino's shape); kept minimal so protocol does not depend on pino. */
export interface Logger {
  debug: (obj: unknown, msg?: string) => void
  info: (obj: unknown, msg?: string) => void
  warn: (obj: unknown, msg?: string) => void
  error: (obj: unknown, msg?: string) => void
  /** pino's: lets hot paths skip building a log line nobody will see. */
  isLevelEnabled?: (level: string) => boolean
}

export interface CallContext {
  /**
   * Aborted when the client goes away or a timeout ends the attempt. Adapters must honour it at every
   * point, mid-stream included: a pending read of the parts must then fail with the signal's reason (an
   * UpstreamClient body does this by itself); nothing else cuts a stalled upstream short.
   */
  signal: AbortSignal
  log: Logger
  requestId: string
  /** Client request headers a passthrough provider may forward (anthropic-beta, anthropic-version). */
  headers?: Record<string, string | string[] | undefined>
}

/**
 * How an upstream caches prompts: `anthropic-breakpoints` (cache_control on up to 4 blocks, Anthropic Messages
 * and Claude/Gemini through OpenRouter), `bedrock-cache-points` (Converse cachePoint blocks placed from the
 * same breakpoints), `automatic-prefix` (the upstream caches a repeated prefix by itself: OpenAI, DeepSeek,
 * Moonshot, llama.cpp's slot cache…), `none`.
 */
export type PromptCacheKind = 'anthropic-breakpoints' | 'bedrock-cache-points' | 'automatic-prefix' | 'none'

/** What a provider does with one model: what steps need to decide how to rewrite a request for it. */
export interface ModelCapabilities {
  promptCache: PromptCacheKind
  /** Price of a cached input token relative to a fresh one (0.1 on Anthropic); undefined when unknown. */
  cacheReadPriceRatio?: number
  /** Input + output tokens the model attends to (the numbers the model-limit code fits requests to). */
  contextWindow?: number
  /** The largest max_tokens the model accepts. */
  maxOutputTokens?: number
  /** Runs on the user's own hardware (no per-token price, no data leaves the machine). */
  local: boolean
}

export interface ModelInfo { id: string, provider: string, contextWindow?: number, maxOutputTokens?: number }

export interface HealthStatus { ok: boolean, detail: string, latencyMs?: number }

/**
 * Version 1 of the contract every provider implements. Additive changes only.
 *
 * Both calls resolve only after the upstream answered with a success status, and throw a `LynkrError`
 * otherwise, so callers can still answer with a proper HTTP error (or fall back) before the first byte
 * reaches the client. `chatStream` asks the upstream to stream and yields parts as they arrive.
 */
export interface ProviderAdapter {
  readonly specificationVersion: 'v1'
  /** The id users write in MODEL_PROVIDER and `provider:model`. */
  readonly id: string
  /** The model used when the client names one we cannot serve (Claude Code always names Claude). */
  readonly defaultModel: string
  /**
   * When the default model depends on the request: the model a request routed here without one is sent to
   * (an Anthropic endpoint with no model configured serves the client's own model name). Routing records
   * this, so metrics, the ledger, cost and `x-lynkr-model` name what was sent.
   */
  readonly defaultModelFor?: (request: ChatRequest) => string
  /**
   * What this provider does with `model` (prompt caching, limits). Optional: fields it leaves out come from
   * defaults (no prompt cache, the limits its models list, `local` from its plugin's manifest).
   */
  readonly capabilities?: (model: string) => Partial<ModelCapabilities>
  /**
   * Whether this upstream can serve one of Anthropic's server tools (web search…) in this request: passed
   * through (Anthropic-format upstreams) or mapped to its own (Gemini grounding, OpenRouter's web plugin).
   * Server tools it cannot serve are removed before `chat` with a warning (core's server-tool notice).
   */
  readonly supportsServerTool?: (tool: ToolDefinition, request: ChatRequest) => boolean
  /**
   * Whether this upstream takes one of Anthropic's top-level fields (`context_management`, `mcp_servers`…) in
   * this request (Anthropic-format upstreams, per their beta allow-lists). Others lose them before `chat`
   * (core's server-tool notice). Default: none.
   */
  readonly supportsTopLevelField?: (field: AnthropicTopLevelField, request: ChatRequest, context: CallContext) => boolean
  /**
   * Which family of thinking signatures this upstream issues and verifies for a request (`anthropic` for
   * Claude on Anthropic's API, Foundry, Bedrock, Vertex; `gemini`, `openrouter`…); default: the provider id.
   * Core marks the signatures it issues with it and gives it back only its own (signature-origin.ts).
   */
  readonly signatureFamily?: (request: ChatRequest) => string
  listModels: () => ModelInfo[]
  chat: (request: ChatRequest, context: CallContext) => Promise<UpstreamPart[]>
  chatStream: (request: ChatRequest, context: CallContext) => Promise<AsyncIterable<UpstreamPart>>
  checkHealth?: (context: { signal: AbortSignal }) => Promise<HealthStatus>
}
