import type { ChatRequest, Logger, PipelineStep, StepContext } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { BoundedMemo } from '@lynkr/core'
import { applyCleared, batchPaysOff, callsOf, chooseBatch, estimateTokens, placeholderFor, recentStart, resultsOf } from './clear-history.ts'
import { isCompactionRequest } from './compaction-request.ts'
import { policyFor } from './policy.ts'
import type { PolicyOverrides } from './policy.ts'
import { anchorOf, applySummary, summaryBoundary, summaryRequest } from './summary.ts'
import type { FrozenSummary } from './summary.ts'

/** Asks a model for a summary (the plugin passes `app.lynkr.chat.internal`). */
export type Summarise = (request: ChatRequest, context: StepContext) => Promise<string>

export interface HistoryOptions extends PolicyOverrides {
  summarise?: Summarise
  maxSessions?: number
}

/** What a session decided, so every request computes the same prompt: the cleared results and the summary. */
interface SessionHistory {
  /** tool_use id → its placeholder. Once cleared, always cleared. */
  cleared: Map<string, string>
  summary: FrozenSummary | undefined
  summarising: boolean
  /** A failed summary is not retried for this many more requests. */
  summaryBackoff: number
}

/**
 * The `history-compression` step. Old tool results are cleared in rare batches with hysteresis: only when the
 * prompt crosses the provider class's trigger, at least a set amount at once, never from the recent turns,
 * and (with a prompt cache) only when the batch saves more over the session's remaining turns than rewriting
 * the cached prefix costs. The cleared set is sticky per session, so every later request (retries, count_tokens)
 * carries the same placeholders. Near the window's end, older turns are summarised once by an internal call
 * (in the background) and that summary is frozen. Claude Code's own compaction requests pass untouched.
 */
export function historyCompressionStep (options: HistoryOptions): PipelineStep {
  const sessions = new BoundedMemo<SessionHistory>(options.maxSessions ?? 1000)
  return {
    name: 'history-compression',
    stage: 'history-compression',
    optional: true,
    run: (request: ChatRequest, context: StepContext): ChatRequest => {
      if (isCompactionRequest(request)) return request
      const state = sessions.get(context.session.id, (): SessionHistory => ({ cleared: new Map(), summary: undefined, summarising: false, summaryBackoff: 0 }))
      const policy = policyFor(context.capabilities, options)
      // count_tokens applies what the session decided but decides nothing new (Claude Code counts parts of a prompt).
      const decides = context.purpose !== COUNT_TOKENS_PURPOSE
      let current = state.summary === undefined ? request : applySummary(request, state.summary)
      current = applyCleared(current, state.cleared)
      let tokens = estimateTokens(current)
      if (decides) {
        const batch = chooseBatch(current, tokens, state.cleared, policy)
        const turns = current.messages.filter((message) => message.role === 'assistant').length
        if (batch !== undefined && batchPaysOff(batch, tokens, turns, policy)) {
          const calls = callsOf(current.messages)
          const sizes = new Map(resultsOf(current.messages).map((entry) => [entry.id, entry.tokens]))
          for (const id of batch.ids) state.cleared.set(id, placeholderFor(calls.get(id), sizes.get(id) ?? 0))
          context.log.info({ session: context.session.id, cleared: batch.ids.length, tokens: batch.tokens, promptTokens: tokens }, 'history compression: cleared a batch of old tool results')
          current = applyCleared(current, state.cleared)
          tokens -= batch.tokens
        }
        if (policy.summariseAtTokens !== undefined && tokens > policy.summariseAtTokens) startSummary(request, context, state, policy.keepRecentTurns, options.summarise)
      }
      return current
    }
  }
}

/** `request` as the client sent it (no summary, nothing cleared): the summary's boundary and anchor refer to it. */
function startSummary (request: ChatRequest, context: StepContext, state: SessionHistory, keepRecentTurns: number, summarise: Summarise | undefined): void {
  if (summarise === undefined || state.summarising || state.summary !== undefined) return
  if (state.summaryBackoff > 0) { state.summaryBackoff--; return }
  const { messages } = request
  const through = summaryBoundary(messages, Math.min(recentStart(messages, keepRecentTurns), messages.length - 1))
  if (through === undefined || through >= messages.length - 1) return
  state.summarising = true
  const log: Logger = context.log
  // In the background: this request goes on as it is (there is room left); the summary applies from the next one.
  summarise(summaryRequest(messages, through, request.clientModel), context)
    .then((text) => {
      if (text.trim() === '') throw new Error('the summariser answered with no text')
      state.summary = { through, anchor: anchorOf(messages, through), text: text.trim() }
      log.info({ session: context.session.id, through }, 'history compression: older turns summarised')
    })
    .catch((error: unknown) => {
      state.summaryBackoff = 5
      log.warn({ err: error, session: context.session.id }, 'history compression: summarising older turns failed; the conversation goes on unsummarised')
    })
    .finally(() => { state.summarising = false })
}
