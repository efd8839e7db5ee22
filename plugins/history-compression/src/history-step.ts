import { createHash } from 'node:crypto'
import type { ChatMessage, ChatRequest, Logger, PipelineStep, StepContext } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE, toolCallsOf } from '@lynkr/protocol'
import { BoundedMemo, failureLogFields, isCompactionRequest, sessionTargetKey, withoutBreakpoints } from '@lynkr/core'
import { applyCleared, batchPaysOff, chooseBatch, estimateTokens, frontierOf, markFrontier, messageTokens, rewriteFrom } from './clear-history.ts'
import { policyFor } from './policy.ts'
import type { HistoryPolicy, PolicyOverrides } from './policy.ts'
import { recentStart, resultsOf } from './result-kinds.ts'
import { appendCost, book, clientCost, clientTokensAt, emptyBank, requestCost } from './bank.ts'
import type { Bank } from './bank.ts'
import { anchorOf, applySummary, summaryApplies, summaryBoundary, summaryRequest } from './summary.ts'
import type { FrozenSummary } from './summary.ts'
import { MemorySummaryStore } from './summary-store.ts'
import type { SummaryStore } from './summary-store.ts'

/** Asks a model for a summary (the plugin passes `app.lynkr.chat.internal`). */
export type Summarise = (request: ChatRequest, context: StepContext) => Promise<string>

export interface HistoryOptions extends PolicyOverrides {
  summarise?: Summarise
  /** Where frozen summaries outlive this process (the embedded store); default memory (the last maxSessions). */
  summaries?: SummaryStore
  maxSessions?: number
}

/**
 * What a conversation decided, so every request computes the same prompt. The cleared set is a pure function
 * of the conversation: the decision at each turn depends only on the messages up to it, so the state is a memo
 * of "decided through message N" (checked by a hash of that message) that a restart, a fork or a retry rebuilds
 * by replaying the same decisions over the earlier turns — byte-identical placeholders without a store.
 */
interface ConversationHistory {
  /** Messages [0, through) were decided on. */
  through: number
  /** anchorOf(messages, through - 1): the conversation these decisions belong to. */
  anchor: string
  /** tool_use id → its placeholder. Once cleared, always cleared. */
  cleared: Map<string, string>
  /** The message carrying lynkr's cache breakpoint (breakpoint providers). */
  frontier: number | undefined
  /** The prompt has crossed the trigger: from then on requests carry the frontier's breakpoint. */
  armed: boolean
  /** What the decided turns saved against the client's own prompts: what a batch may spend (see bank.ts). */
  bank: Bank
  summary: FrozenSummary | undefined
  /** The summary store's entry for this conversation (null: none), read once; adopted when the history matches. */
  stored: FrozenSummary | null | undefined
  summarising: boolean
  /** A failed summary is not retried for this many more requests. */
  summaryBackoff: number
}

const fresh = (): ConversationHistory => ({ through: 0, anchor: '', cleared: new Map(), frontier: undefined, armed: false, bank: emptyBank(), summary: undefined, stored: undefined, summarising: false, summaryBackoff: 0 })

/** One conversation of a session on one target: sub-agents and background requests start with other first messages. */
function conversationKey (context: StepContext, messages: ChatMessage[]): string {
  const first = messages[0] === undefined ? '' : createHash('sha256').update(JSON.stringify(messages[0].content, withoutBreakpoints)).digest('base64url')
  return `${sessionTargetKey(context)}\u0000${first}`
}

/**
 * The decision at the turn that ends with message `end`: with the prompt as it was then (messages [0, end]),
 * clear a batch when it is over the trigger, enough has piled up and (with a cache) it pays for its rewrite
 * and the bank covers it (`client`: the request as the client sent it, for passthrough's cost); book the
 * turn in the bank; then place the frontier. Deterministic, so replaying it gives what the live request decided.
 */
function decideAt (request: ChatRequest, client: ChatRequest, end: number, state: ConversationHistory, policy: HistoryPolicy, context: StepContext): void {
  const messages = request.messages.slice(0, end + 1)
  const prefix = { ...request, messages }
  const calls = toolCallsOf(messages)
  const entries = resultsOf(messages, calls)
  const tokens = estimateTokens(applyCleared(prefix, state.cleared))
  // Passthrough's prompt at this turn: the client's own messages (before earlier steps cut new tool results);
  // its system prompt and tools are taken as sent (what earlier steps cut there is not banked).
  const clientTokens = clientTokensAt(state.bank, tokens, client.messages, request.messages, end)
  const passthrough = { tokens: clientTokens, cost: clientCost(state.bank, clientTokens, policy) }
  let sent = { tokens, cost: appendCost(state.bank, tokens, policy) }
  const batch = chooseBatch(prefix, tokens, state.cleared, entries, calls, policy)
  if (batch !== undefined) {
    const turns = messages.filter((message) => message.role === 'assistant').length
    const after = applyCleared(prefix, new Map([...state.cleared, ...batch.stubs.map(({ id, stub }) => [id, stub] as const)]))
    // The frontier saves rewriting what precedes it only if the earlier requests carried its breakpoint.
    const rewrite = messageTokens(after.messages, rewriteFrom(batch.firstMessage, state.armed ? state.frontier : undefined, policy))
    const afterTokens = tokens - batch.tokens
    const cost = requestCost(afterTokens - rewrite, afterTokens, policy)
    if (batchPaysOff(batch, tokens, rewrite, turns, policy) && batchAffordable(state.bank.saved + passthrough.cost - cost, tokens, policy)) {
      for (const { id, stub } of batch.stubs) state.cleared.set(id, stub)
      sent = { tokens: afterTokens, cost }
      state.bank.cleared += batch.tokens
      context.log.info({ session: context.session.id, cleared: batch.stubs.length, tokens: batch.tokens, promptTokens: tokens, turn: end, banked: Math.round(state.bank.saved + passthrough.cost - cost) }, 'history compression: cleared a batch of old tool results')
    }
  }
  book(state.bank, passthrough, sent)
  if (tokens > policy.triggerTokens) state.armed = true
  if (policy.cache === 'breakpoints') state.frontier = frontierOf(messages, entries, state.cleared, calls, policy)
}

/**
 * The request as the client sent it, when its messages line up with this one (earlier steps rewrite tool
 * results in place): passthrough's prompts, so what they cut of new content is banked too. Else this one.
 */
function clientMessagesOf (request: ChatRequest, context: StepContext): ChatRequest {
  const client = context.clientRequest
  return client !== undefined && client.messages.length === request.messages.length ? client : request
}

/**
 * The worst case of a batch — the session ends right after it — bounded by what is banked: `left` is the
 * bank after paying for it (passthrough's estimated cost so far minus ours, this turn included). Without a
 * cache every cleared token is a saving; past 90 % of the window a batch is needed to fit at all.
 */
function batchAffordable (left: number, promptTokens: number, policy: HistoryPolicy): boolean {
  if (policy.readRatio === undefined || promptTokens >= policy.contextWindow * 0.9) return true
  return left >= 0
}

/**
 * The `history-compression` step. Old tool results are cleared in rare batches with hysteresis: only when the
 * prompt crosses the provider class's trigger, at least a set amount at once, never from the recent turns,
 * and (with a prompt cache) only when the batch saves more over the session's likely remaining turns than
 * rewriting the cached prefix costs. What is kept: small listings, reads of files the session edits or was
 * asked about; superseded reads go first. The cleared set is sticky (see ConversationHistory). Near the
 * window's end, older turns are summarised once by an internal call (in the background) and that summary is
 * frozen. Claude Code's own compaction requests pass untouched.
 */
export function historyCompressionStep (options: HistoryOptions): PipelineStep {
  const conversations = new BoundedMemo<ConversationHistory>(options.maxSessions ?? 1000)
  const summaries = options.summaries ?? new MemorySummaryStore(options.maxSessions ?? 1000)
  return {
    name: 'history-compression',
    stage: 'history-compression',
    optional: true,
    run: (request: ChatRequest, context: StepContext): ChatRequest => {
      if (isCompactionRequest(request) || request.messages.length === 0) return request
      const { messages } = request
      const key = conversationKey(context, messages)
      const state = conversations.get(key, fresh)
      const policy = policyFor(context.capabilities, options)
      // Another branch of the conversation (a fork, an edited turn): its decisions are replayed from the start.
      if (state.through > messages.length || (state.through > 0 && anchorOf(messages, state.through - 1) !== state.anchor)) Object.assign(state, fresh())
      // count_tokens applies what earlier turns decided but decides nothing for the newest one.
      const decides = context.purpose !== COUNT_TOKENS_PURPOSE
      const until = decides ? messages.length : messages.length - 1
      const client = clientMessagesOf(request, context)
      for (let end = state.through; end < until; end++) if (messages[end]!.role === 'user') decideAt(request, client, end, state, policy, context)
      if (until > state.through) {
        state.through = until
        state.anchor = anchorOf(messages, until - 1)
      }
      // A summary written before (by this process or before a restart) is sent again, byte for byte.
      if (state.summary === undefined && state.stored !== null) {
        state.stored ??= summaries.load(key) ?? null
        if (state.stored !== null && summaryApplies(messages, state.stored)) state.summary = state.stored
      }
      let current = state.summary === undefined ? request : applySummary(request, state.summary)
      const summarised = current !== request
      current = applyCleared(current, state.cleared)
      // The frontier's breakpoint once batches may come (a marker, not content), so even the first batch rewrites
      // only what follows it; under the trigger the prompt stays the client's, byte for byte.
      if (!summarised && policy.cache === 'breakpoints' && state.armed) current = markFrontier(current, state.frontier)
      if (decides && policy.summariseAtTokens !== undefined && estimateTokens(current) > policy.summariseAtTokens) startSummary(request, context, state, policy.keepRecentTurns, options.summarise, (summary) => { summaries.save(key, summary) })
      return current
    }
  }
}

/** `request` as the client sent it (no summary, nothing cleared): the summary's boundary and anchor refer to it. */
function startSummary (request: ChatRequest, context: StepContext, state: ConversationHistory, keepRecentTurns: number, summarise: Summarise | undefined, keep: (summary: FrozenSummary) => void): void {
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
      keep(state.summary)
      log.info({ session: context.session.id, through }, 'history compression: older turns summarised')
    })
    .catch((error: unknown) => {
      state.summaryBackoff = 5
      log.warn({ session: context.session.id, ...failureLogFields(error) }, 'history compression: summarising older turns failed; the conversation goes on unsummarised')
    })
    .finally(() => { state.summarising = false })
}
