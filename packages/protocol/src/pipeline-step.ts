import type { ChatRequest } from './messages.ts'
import type { Logger, ModelCapabilities } from './provider-adapter.ts'
import type { RouteDecision } from './routing-strategy.ts'

/**
 * Where request-rewriting steps run, in this fixed order, chosen to protect provider prompt caches: memory
 * is recalled first, content is trimmed next (tools, duplicate memory, tool results, the system prompt,
 * old history), and cache breakpoints are placed last, after every step that changes content. The order
 * lives here once so plugin registration order never changes behaviour.
 */
export const PIPELINE_STAGES = [
  'recall',
  'tool-selection',
  'memory-dedup',
  'tool-result-truncation',
  'system-prompt',
  'history-compression',
  'prompt-cache'
] as const

export type PipelineStage = typeof PIPELINE_STAGES[number]

/** Who a conversation belongs to, for per-session state (memory, caches, sticky routing). */
export interface SessionIdentity {
  id: string
  /** `header` (x-claude-code-session-id, x-session-id), `response-chain` (Responses previous_response_id), `hash` (first user turn + system prompt). */
  source: 'header' | 'response-chain' | 'hash'
}

/** The project a request works in, for per-project scoping (memory). */
export interface WorkspaceIdentity {
  /** The working directory as stated (a path), or the header's value. */
  id: string
  /** `header` (x-lynkr-workspace) or `system-prompt` (the working directory Claude Code states). */
  source: 'header' | 'system-prompt'
}

/**
 * Everything a step may know about the call besides the request. Built once per provider/model the call
 * is attempted on (a fallback gets its own).
 */
export interface StepContext {
  /** Where the request goes: provider, model, tier, reason. */
  decision: RouteDecision
  /** What that provider does with that model: prompt caching, limits, local or cloud. */
  capabilities: ModelCapabilities
  session: SessionIdentity
  /** Undefined when neither a header nor the system prompt names one. */
  workspace: WorkspaceIdentity | undefined
  requestId: string
  log: Logger
  /** Aborted when the client goes away or the gateway shuts down. */
  signal: AbortSignal
  /**
   * `client` for front-door traffic; `count-tokens` when the steps run for `count_tokens` (apply what the
   * session decided, decide nothing new: Claude Code counts parts of a prompt); `internal:<name>` for a
   * plugin's own model calls (steps do not run for those).
   */
  purpose: string
  /**
   * The request as the client sent it, before any step changed it (undefined where a caller builds a context
   * without one): what a step compares its own savings with, e.g. passthrough's cost of the same conversation.
   */
  clientRequest?: ChatRequest
}

/** StepContext.purpose when the steps run only to count what would be sent (`/v1/messages/count_tokens`). */
export const COUNT_TOKENS_PURPOSE = 'count-tokens'

export interface PipelineStep {
  name: string
  stage: PipelineStage
  /**
   * An optional step fails open: when it throws, the request goes on as it was before the step, with one
   * warning. A required step's error fails the call as the gateway's own error (500, never retried, never
   * charged to the provider).
   */
  optional?: boolean
  /** Returns the request to send on (the same object when nothing changed, or a rewritten copy). */
  run: (request: ChatRequest, context: StepContext) => ChatRequest | Promise<ChatRequest>
}

/** What one step changed, in the project's token count (core's counter); reported when it changed the request. */
export interface StepReport {
  step: string
  stage: PipelineStage
  tokensBefore: number
  tokensAfter: number
  durationMs: number
}
