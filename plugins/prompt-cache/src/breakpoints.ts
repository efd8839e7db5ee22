/**
 * Anthropic-style cache breakpoints for clients that send none (Cursor, OpenAI SDKs, Anthropic SDK users who
 * forget): at most four, where they pay — the end of the tools, the end of the system prompt, and a rolling
 * pair on the conversation (the newest turn, which writes the cache for the next request, and the turn that
 * ended the previous request, which reads what it wrote even when more than Anthropic's ~20-block lookback was
 * added since). Pure: the same request always gets the same markers, so retries and forks send identical bytes.
 */
import type { CacheControl, ChatMessage, ChatRequest, ContentBlock, ToolDefinition } from '@lynkr/protocol'
import { breakpointAllowed as cacheable, hasBreakpoint as marked } from '@lynkr/core'

export const MAX_BREAKPOINTS = 4
const MARKER: CacheControl = Object.freeze({ type: 'ephemeral' }) as CacheControl


/**
 * The shortest prefix Anthropic caches for a model (a shorter one is billed in full, silently): 4096 tokens
 * for Opus 4.5/4.6 and Haiku 4.5, 2048 for Opus 4.7 and the Haiku 3 family, 1024 otherwise (Sonnet, Opus 4.x,
 * and what is not Claude: Nova on Bedrock caches from 1K). Names are matched with dots or dashes
 * (`anthropic/claude-opus-4.5` on OpenRouter, `us.anthropic.claude-haiku-4-5-…` on Bedrock).
 */
export function minimumCacheableTokens (model: string): number {
  const name = model.toLowerCase().replace(/\./g, '-')
  if (/opus-4-[56](?!\d)|haiku-4-5(?!\d)/.test(name)) return 4096
  if (/opus-4-7(?!\d)|claude-3-(?:5-)?haiku|haiku-3/.test(name)) return 2048
  return 1024
}

/** A cheap token estimate (characters of the JSON / 4): good enough to tell 500 tokens from 5,000. */
export function estimateTokens (value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / 4)
}

/** Whether the client placed breakpoints of its own (Claude Code does), or asked for automatic caching. */
export function hasClientBreakpoints (request: ChatRequest): boolean {
  if (request.cacheControl !== undefined) return true
  if (request.system?.some(marked) === true || request.tools?.some(marked) === true) return true
  return request.messages.some((message) => message.content.some(marked))
}

function lastCacheable (message: ChatMessage): number {
  for (let b = message.content.length - 1; b >= 0; b--) if (cacheable(message.content[b]!)) return b
  return -1
}

function markBlock (message: ChatMessage, at: number): ChatMessage {
  const content = [...message.content]
  content[at] = { ...content[at]!, cache_control: MARKER } as ContentBlock
  return { ...message, content }
}

/**
 * The request with breakpoints placed, or the same object when the client placed its own, or no prefix is
 * long enough to be cached (a breakpoint there would only use up one of the four).
 */
export function placeBreakpoints (request: ChatRequest, estimate: (value: unknown) => number = estimateTokens): ChatRequest {
  if (hasClientBreakpoints(request)) return request
  const minimum = minimumCacheableTokens(request.model)
  let prefix = 0
  let tools: ToolDefinition[] | undefined
  if (request.tools !== undefined && request.tools.length > 0) {
    prefix += estimate(request.tools)
    if (prefix >= minimum) {
      tools = [...request.tools]
      tools[tools.length - 1] = { ...tools[tools.length - 1]!, cache_control: MARKER }
    }
  }
  let system = request.system
  if (system !== undefined && system.length > 0) {
    prefix += estimate(system)
    const last = system.findLastIndex((block) => block.text !== '')
    if (prefix >= minimum && last !== -1) {
      system = [...system]
      system[last] = { ...system[last]!, cache_control: MARKER }
    }
  }
  // Prefix length at the end of each message.
  const ends: number[] = []
  for (const message of request.messages) {
    prefix += estimate(message.content)
    ends.push(prefix)
  }
  const newest = request.messages.findLastIndex((message) => lastCacheable(message) !== -1)
  // The user turn the previous request ended with: the last one before the assistant's latest answer.
  let previous = -1
  if (newest !== -1) {
    const answer = request.messages.findLastIndex((message, index) => index < newest && message.role === 'assistant')
    if (answer !== -1) previous = request.messages.findLastIndex((message, index) => index < answer && message.role === 'user' && lastCacheable(message) !== -1)
  }
  let messages = request.messages
  for (const index of [previous, newest]) {
    if (index === -1 || ends[index]! < minimum) continue
    if (messages === request.messages) messages = [...request.messages]
    messages[index] = markBlock(messages[index]!, lastCacheable(messages[index]!))
  }
  if (tools === undefined && system === request.system && messages === request.messages) return request
  const placed: ChatRequest = { ...request, messages }
  if (tools !== undefined) placed.tools = tools
  if (system !== undefined) placed.system = system
  return placed
}
