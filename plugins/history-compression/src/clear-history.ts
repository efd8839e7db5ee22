import type { ChatMessage, ChatRequest, ContentBlock } from '@lynkr/protocol'
import { rewriteToolResults } from '@lynkr/protocol'
import { breakpointAllowed, hasBreakpoint } from '@lynkr/core'
import type { HistoryPolicy } from './policy.ts'
import { CHARS_PER_TOKEN, contentChars, recentStart } from './result-kinds.ts'
import type { ResultEntry, ToolCall } from './result-kinds.ts'
import { placeholderFor } from './stubs.ts'
import { editStubs, inputKey } from './edit-inputs.ts'
import { readRoles } from './working-set.ts'
import type { ReadRoles } from './working-set.ts'

/** A result smaller than this is not worth clearing: its placeholder would be about as long. */
const MIN_CLEAR_TOKENS = 150
/** A listing (Glob, `ls`…) up to this size stays: it is the map later reads and edits come from. */
const KEEP_LISTING_TOKENS = 1_000

/**
 * A block's size in characters as a tokenizer sees it: its text plus the structure around it (type, ids) —
 * which is what dominates small blocks, so a run of short turns is not counted as nearly free — and a
 * thinking block's signature, which is dense (base64).
 */
function blockChars (block: ContentBlock): number {
  switch (block.type) {
    case 'text': return block.text.length + 30
    case 'tool_result': return contentChars(block.content) + 80
    case 'tool_use': return JSON.stringify(block.input ?? {}).length + block.name.length + 80
    case 'thinking': return block.thinking.length + (block.signature?.length ?? 0) * 2 + 30
    default: return JSON.stringify(block).length
  }
}

/**
 * A tool list's serialised size, once per list: a request's tools pass through the step's turn decisions and
 * its summary check as the same array, and serialising Claude Code's ~12K tokens of tools is most of an estimate.
 */
const toolListChars = new WeakMap<NonNullable<ChatRequest['tools']>, number>()
function toolsChars (tools: NonNullable<ChatRequest['tools']>): number {
  let chars = toolListChars.get(tools)
  if (chars === undefined) {
    chars = 0
    for (const tool of tools) chars += JSON.stringify(tool).length
    toolListChars.set(tools, chars)
  }
  return chars
}

/** The prompt's size in estimated tokens: system, tools and messages. Pure and cheap (no tokenizer). */
export function estimateTokens (request: ChatRequest): number {
  let chars = 0
  for (const block of request.system ?? []) chars += block.text.length
  if (request.tools !== undefined) chars += toolsChars(request.tools)
  for (const message of request.messages) for (const block of message.content) chars += blockChars(block)
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

/**
 * The request with each cleared result's content replaced by its placeholder and each shortened edit's input
 * by its shortened form (edit-inputs.ts); tool_use/tool_result pairs and ids stay.
 */
export function applyCleared (request: ChatRequest, cleared: ReadonlyMap<string, string>): ChatRequest {
  if (cleared.size === 0) return request
  const results = rewriteToolResults(request, (block) => cleared.get(block.tool_use_id) ?? block.content)
  let changed = false
  const messages = results.messages.map((message) => {
    if (message.role !== 'assistant' || !message.content.some((block) => block.type === 'tool_use' && cleared.has(inputKey(block.id)))) return message
    changed = true
    return { ...message, content: message.content.map((block) => block.type === 'tool_use' && cleared.has(inputKey(block.id)) ? { ...block, input: JSON.parse(cleared.get(inputKey(block.id))!) as Record<string, unknown> } : block) }
  })
  return changed ? { ...results, messages } : results
}

export interface Batch {
  /** Results to clear, oldest first, with what each says instead. */
  stubs: Array<{ id: string, stub: string }>
  /** Estimated tokens the batch removes (content minus placeholders). */
  tokens: number
  /** The first message the batch changes. */
  firstMessage: number
}


/** Whether a result may go in a batch at all (see chooseBatch). */
export function clearable (entry: ResultEntry, roles: ReadRoles): boolean {
  if (roles.superseded.has(entry.id)) return true
  if (entry.tokens < MIN_CLEAR_TOKENS) return false
  if (entry.kind === 'listing') return entry.tokens > KEEP_LISTING_TOKENS
  return !roles.protectedIds.has(entry.id)
}

/**
 * The next batch once the prompt is over the trigger: every result outside the recent turns that is not
 * cleared yet and not worth keeping, all at once (one large rewrite pays better than several small ones),
 * provided they add up to `clearAtLeastTokens` (hysteresis: until then, no rewrite). Kept: small listings
 * (the map of the code base), reads of files the session edited or was asked about (an edit needs the lines
 * it replaces), results too small to be worth a placeholder. Superseded reads go whatever the file.
 */
export function chooseBatch (request: ChatRequest, promptTokens: number, cleared: ReadonlyMap<string, string>, entries: ResultEntry[], calls: ReadonlyMap<string, ToolCall>, policy: HistoryPolicy): Batch | undefined {
  if (promptTokens <= policy.triggerTokens) return undefined
  const recent = recentStart(request.messages, policy.keepRecentTurns)
  const roles = readRoles(request.messages, entries, calls, policy.keepReads)
  const stubs: Batch['stubs'] = []
  let tokens = 0
  let firstMessage = Infinity
  for (const entry of entries) {
    if (entry.message >= recent || cleared.has(entry.id) || !clearable(entry, roles)) continue
    const stub = placeholderFor(entry, roles.superseded.has(entry.id))
    const saved = entry.tokens - Math.ceil(stub.length / CHARS_PER_TOKEN)
    if (saved < MIN_CLEAR_TOKENS / 2) continue
    stubs.push({ id: entry.id, stub })
    tokens += saved
    firstMessage = Math.min(firstMessage, entry.message)
  }
  if (stubs.length === 0) return undefined
  // Old edits' bodies ride on the batch's rewrite: only those after the first result it clears.
  const clearing = new Set(stubs.map(({ id }) => id))
  for (const edit of editStubs(request.messages, firstMessage, recent, entries, (id) => cleared.has(id) || clearing.has(id))) {
    stubs.push({ id: edit.id, stub: edit.stub })
    tokens += edit.tokens
  }
  if (tokens < policy.clearAtLeastTokens) return undefined
  return { stubs, tokens, firstMessage }
}

/**
 * The message on whose last block lynkr keeps its own breakpoint: the last one before the first result that a
 * later batch may still clear. Everything before it is final (cleared, or kept), so every later request reads
 * it from the cache and the next batch rewrites only what follows it.
 */
export function frontierOf (messages: ChatMessage[], entries: ResultEntry[], cleared: ReadonlyMap<string, string>, calls: ReadonlyMap<string, ToolCall>, policy: HistoryPolicy): number | undefined {
  const roles = readRoles(messages, entries, calls, policy.keepReads)
  const open = entries.find((entry) => !cleared.has(entry.id) && clearable(entry, roles))
  // The message before the assistant turn that called the tool (results follow their call).
  const at = (open?.message ?? messages.length) - 2
  return at >= 0 ? at : undefined
}

/**
 * The first message a batch that changes `firstMessage` on makes the provider write again: with an automatic
 * prefix cache, that message; with breakpoints, the one after the last breakpoint before it — lynkr's
 * breakpoint at the frontier when the earlier requests had one there, else the system prompt's (message 0).
 */
export function rewriteFrom (firstMessage: number, frontier: number | undefined, policy: HistoryPolicy): number {
  if (policy.cache === 'prefix') return firstMessage
  return frontier !== undefined && frontier < firstMessage ? frontier + 1 : 0
}

/** Estimated tokens of messages [from, end) (the part a batch rewrites), counted directly rather than as a difference of two large estimates. */
export function messageTokens (messages: ChatMessage[], from: number): number {
  let chars = 0
  for (const message of messages.slice(from)) for (const block of message.content) chars += blockChars(block)
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

/**
 * Whether a batch pays for itself on a provider with a prompt cache: it rewrites `rewriteTokens` once (at the
 * write price instead of the read price) and saves reading the cleared tokens on every later turn. Later turns
 * are estimated as a share of the turns so far (a session that ran N turns tends to run about N more; a share,
 * so a wrong guess costs little). Without a cache, or locally, every cleared token is a saving; near the end of
 * the window, clearing is a must.
 */
export function batchPaysOff (batch: Batch, promptTokens: number, rewriteTokens: number, turnsSoFar: number, policy: HistoryPolicy): boolean {
  if (policy.readRatio === undefined) return true
  if (promptTokens >= policy.contextWindow * 0.9) return true
  const rewrite = rewriteTokens * (policy.writeRatio - policy.readRatio)
  const savedPerTurn = batch.tokens * policy.readRatio
  return savedPerTurn * Math.max(1, turnsSoFar * policy.remainingShare) > rewrite
}

/** How many cache breakpoints a request carries, counting automatic caching (a breakpoint on its last block). */
export function breakpointsIn (request: ChatRequest): number {
  return (request.cacheControl === undefined ? 0 : 1) + (request.tools ?? []).filter(hasBreakpoint).length + (request.system ?? []).filter(hasBreakpoint).length +
    request.messages.reduce((sum, message) => sum + message.content.filter(hasBreakpoint).length, 0)
}

/**
 * The request with lynkr's breakpoint on the last block of message `frontier` (see frontierOf), beside the
 * client's own (Claude Code places three), when one of the four is free. A client that places none is left to
 * the prompt-cache step, which places all four where they pay.
 */
export function markFrontier (request: ChatRequest, frontier: number | undefined): ChatRequest {
  const placed = breakpointsIn(request)
  if (frontier === undefined || frontier >= request.messages.length - 1 || placed === 0 || placed >= 4) return request
  const message = request.messages[frontier]!
  const at = message.content.length - 1
  const block = message.content[at]
  if (block === undefined || !breakpointAllowed(block) || hasBreakpoint(block)) return request
  const messages = [...request.messages]
  messages[frontier] = { ...message, content: [...message.content.slice(0, at), { ...block, cache_control: { type: 'ephemeral' } } as ContentBlock] }
  return { ...request, messages }
}
