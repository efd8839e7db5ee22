import type { ChatMessage, ChatRequest, ContentBlock, ToolResultBlock } from '@lynkr/protocol'
import { rewriteToolResults, toolCallsOf } from '@lynkr/protocol'
import type { HistoryPolicy } from './policy.ts'

/** Characters per token, roughly: a deterministic estimate (a budget, not a count; no tokenizer on this path). */
const CHARS_PER_TOKEN = 4
/** A result smaller than this is not worth clearing: its placeholder would be about as long. */
const MIN_CLEAR_TOKENS = 150
/** Later turns expected, as a share of the turns so far: cautious, since a batch that does not pay raises the bill. */
const REMAINING_SHARE = 0.5

export interface ToolCall { name: string, input: unknown }

/** One tool result in the conversation: where it is and what it costs. */
export interface ResultEntry {
  id: string
  message: number
  tokens: number
}

function contentChars (content: ToolResultBlock['content']): number {
  if (content === undefined) return 0
  if (typeof content === 'string') return content.length
  return content.reduce((sum, block) => sum + (block.type === 'text' && typeof block.text === 'string' ? block.text.length : JSON.stringify(block).length), 0)
}

function blockChars (block: ContentBlock): number {
  switch (block.type) {
    case 'text': return block.text.length
    case 'tool_result': return contentChars(block.content) + 40
    case 'tool_use': return JSON.stringify(block.input ?? {}).length + block.name.length + 40
    case 'thinking': return block.thinking.length
    default: return JSON.stringify(block).length
  }
}

/** The prompt's size in estimated tokens: system, tools and messages. Pure and cheap (no tokenizer). */
export function estimateTokens (request: ChatRequest): number {
  let chars = 0
  for (const block of request.system ?? []) chars += block.text.length
  for (const tool of request.tools ?? []) chars += JSON.stringify(tool).length
  for (const message of request.messages) for (const block of message.content) chars += blockChars(block)
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

export const callsOf = toolCallsOf

/** Every tool result, oldest first. */
export function resultsOf (messages: ChatMessage[]): ResultEntry[] {
  const entries: ResultEntry[] = []
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user') continue
    for (const block of message.content) {
      if (block.type === 'tool_result') entries.push({ id: block.tool_use_id, message: index, tokens: Math.ceil(contentChars(block.content) / CHARS_PER_TOKEN) })
    }
  }
  return entries
}

/** The index of the first message of the last `turns` assistant turns (results from there on are recent). */
export function recentStart (messages: ChatMessage[], turns: number): number {
  if (turns <= 0) return messages.length
  let seen = 0
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'assistant' && ++seen === turns) return i
  }
  return 0
}

/** What a cleared result says instead: what it was and how to get it back. */
export function placeholderFor (call: ToolCall | undefined, tokens: number): string {
  const input = (call?.input ?? {}) as Record<string, unknown>
  const name = call?.name ?? 'a tool'
  const size = `~${tokens.toLocaleString('en-US')} tokens`
  if (typeof input.command === 'string') {
    const command = input.command.length > 120 ? `${input.command.slice(0, 117)}...` : input.command
    return `[lynkr: the output of ${name} \`${command.replace(/`/g, "'")}\` (${size}) was cleared from the history to save context. Re-run the command if you need it again.]`
  }
  if (typeof input.file_path === 'string') return `[lynkr: the content of ${input.file_path} read by ${name} (${size}) was cleared from the history to save context. Read the file again if you need it.]`
  const detail = [input.pattern, input.path, input.url, input.query].find((value) => typeof value === 'string') as string | undefined
  return `[lynkr: the result of ${name}${detail === undefined ? '' : ` \`${detail.slice(0, 120).replace(/`/g, "'")}\``} (${size}) was cleared from the history to save context. Call the tool again if you need it.]`
}

/** The request with each cleared result's content replaced by its placeholder (tool_use/tool_result pairs stay). */
export function applyCleared (request: ChatRequest, cleared: ReadonlyMap<string, string>): ChatRequest {
  if (cleared.size === 0) return request
  return rewriteToolResults(request, (block) => cleared.get(block.tool_use_id) ?? block.content)
}

export interface Batch {
  /** Results to clear, oldest first. */
  ids: string[]
  /** Estimated tokens the batch removes. */
  tokens: number
  /** Estimated tokens before the first cleared result: the part of the prefix that stays cached. */
  unchangedHead: number
}

/**
 * The next batch of old results to clear once the prompt is over the trigger: every result outside the recent
 * turns not yet cleared — all of them at once, since one large rewrite pays better than several small ones —
 * provided they add up to `clearAtLeastTokens` (hysteresis: until then, no rewrite). Undefined otherwise.
 */
export function chooseBatch (request: ChatRequest, promptTokens: number, cleared: ReadonlyMap<string, string>, policy: HistoryPolicy): Batch | undefined {
  if (promptTokens <= policy.triggerTokens) return undefined
  const recent = recentStart(request.messages, policy.keepRecentTurns)
  const candidates = resultsOf(request.messages).filter((entry) => entry.message < recent && !cleared.has(entry.id) && entry.tokens >= MIN_CLEAR_TOKENS)
  const tokens = candidates.reduce((sum, entry) => sum + entry.tokens, 0)
  if (candidates.length === 0 || tokens < policy.clearAtLeastTokens) return undefined
  const unchangedHead = estimateTokens({ ...request, messages: request.messages.slice(0, candidates[0]!.message) })
  return { ids: candidates.map((entry) => entry.id), tokens, unchangedHead }
}

/**
 * Whether a batch pays for itself on a provider with a prompt cache: it rewrites the cached prefix after the
 * first cleared result once (at the write price instead of the read price) and saves reading the cleared
 * tokens on every later turn. Later turns are estimated as many as the session had so far (a session that
 * ran N turns tends to run about N more). Without a cache, or locally, every cleared token is a saving.
 */
export function batchPaysOff (batch: Batch, promptTokens: number, turnsSoFar: number, policy: HistoryPolicy): boolean {
  if (policy.readRatio === undefined) return true
  if (promptTokens >= policy.contextWindow * 0.9) return true
  const after = promptTokens - batch.tokens
  const rewrite = Math.max(0, after - batch.unchangedHead) * (policy.writeRatio - policy.readRatio)
  const savedPerTurn = batch.tokens * policy.readRatio
  return savedPerTurn * Math.max(1, turnsSoFar * REMAINING_SHARE) > rewrite
}
