/**
 * The pure cost and cache model of the token replay (`pnpm bench:tokens`): what a request costs on a
 * provider with prompt caching, in units of one fresh input token, given what the provider already cached.
 * No I/O and no clock: a replayed session is treated as one warm sitting (every request within the
 * 5-minute TTL of the one before, as an agent loop is). Token counts come from the caller's counter.
 */
import { createHash } from 'node:crypto'

/** One cacheable unit in provider order; `key` is its content (without any cache marker). */
export interface PromptBlock { key: string, tokens: number, breakpoint: boolean }

export type TokenCounter = (text: string) => number

export interface RequestCharge {
  /** All prompt tokens of the request. */
  input: number
  cacheRead: number
  cacheWrite: number
  /** Neither read nor written: billed as fresh input. */
  uncached: number
  /** In fresh-input-token units. */
  cost: number
  /** The prefix the previous request cached (or read) was not read back in full. */
  broke: boolean
}

type Json = Record<string, any>

function withoutCacheControl (value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const { cache_control: _ignored, ...rest } = value as Json
  return rest
}

/**
 * Anthropic's cache order: tools, then system, then messages, each content block a unit. A block with
 * `cache_control` is a breakpoint. A message boundary is part of the next block's key, so the same text
 * under another role or in another message is other content.
 */
export function anthropicBlocks (body: Json, count: TokenCounter): PromptBlock[] {
  const blocks: PromptBlock[] = []
  const push = (key: string, marked: boolean): void => { blocks.push({ key, tokens: count(key), breakpoint: marked }) }
  for (const tool of Array.isArray(body.tools) ? body.tools : []) push(`tool:${JSON.stringify(withoutCacheControl(tool))}`, tool?.cache_control !== undefined)
  const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : Array.isArray(body.system) ? body.system : []
  for (const block of system) push(`system:${JSON.stringify(withoutCacheControl(block))}`, block?.cache_control !== undefined)
  for (const [i, message] of (Array.isArray(body.messages) ? body.messages as Json[] : []).entries()) {
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content : []
    for (const [j, block] of content.entries()) push(`${j === 0 ? `${i}:${String(message.role)}:` : ''}${JSON.stringify(withoutCacheControl(block))}`, block?.cache_control !== undefined)
  }
  return blocks
}

/** OpenAI Chat (and Ollama) prompts: tools first (they are rendered ahead of the messages), then each message. */
export function chatBlocks (body: Json, count: TokenCounter): PromptBlock[] {
  const blocks: PromptBlock[] = []
  for (const tool of Array.isArray(body.tools) ? body.tools : []) { const key = `tool:${JSON.stringify(tool)}`; blocks.push({ key, tokens: count(key), breakpoint: false }) }
  for (const message of Array.isArray(body.messages) ? body.messages : []) { const key = JSON.stringify(message); blocks.push({ key, tokens: count(key), breakpoint: false }) }
  return blocks
}

/** Running hash of each prefix: entry p is the hash of blocks [0, p). */
function prefixHashes (blocks: PromptBlock[]): string[] {
  const hashes = ['']
  let hash = ''
  for (const block of blocks) {
    hash = createHash('sha256').update(hash).update('\u0000').update(block.key).digest('hex')
    hashes.push(hash)
  }
  return hashes
}

function prefixTokens (blocks: PromptBlock[]): number[] {
  const sums = [0]
  for (const block of blocks) sums.push(sums.at(-1)! + block.tokens)
  return sums
}

export interface AnthropicPricing {
  /** Cache write price per token, relative to fresh input (5-minute TTL: 1.25). */
  write: number
  /** Cache read price per token (0.1). */
  read: number
  /** A breakpoint caches nothing below this many prompt tokens (1024 for Sonnet/Opus). */
  minCacheable: number
  /** How many block boundaries before a breakpoint the API checks for an earlier entry (about 20). */
  lookback: number
}

export const ANTHROPIC_PRICING: AnthropicPricing = { write: 1.25, read: 0.1, minCacheable: 1024, lookback: 20 }

/**
 * Anthropic's explicit prompt cache: a breakpoint writes the prefix ending at its block; a later request
 * reads the longest cached prefix that ends at one of its breakpoints or up to `lookback` boundaries before
 * one, writes the rest up to its last breakpoint, and pays full price after it. Identity is exact: one byte
 * changed anywhere before a boundary makes that prefix a different entry.
 */
export class AnthropicPromptCache {
  private readonly entries = new Set<string>()
  private lastPrefix = 0
  private readonly pricing: AnthropicPricing

  constructor (pricing: AnthropicPricing = ANTHROPIC_PRICING) { this.pricing = pricing }

  charge (blocks: PromptBlock[]): RequestCharge {
    const hashes = prefixHashes(blocks)
    const sums = prefixTokens(blocks)
    const input = sums.at(-1)!
    // Prefix lengths (in blocks) that end right after a breakpoint block.
    const ends = blocks.flatMap((block, i) => block.breakpoint ? [i + 1] : [])
    let hit = 0
    for (const end of ends) {
      for (let p = end; p >= Math.max(1, end - this.pricing.lookback); p--) {
        if (p > hit && this.entries.has(hashes[p]!)) { hit = p; break }
      }
    }
    const last = ends.at(-1) ?? 0
    const cacheRead = sums[hit]!
    const cacheWrite = last > hit && sums[last]! >= this.pricing.minCacheable ? sums[last]! - sums[hit]! : 0
    for (const end of ends) if (sums[end]! >= this.pricing.minCacheable) this.entries.add(hashes[end]!)
    const uncached = input - cacheRead - cacheWrite
    const broke = this.lastPrefix > 0 && cacheRead < this.lastPrefix
    this.lastPrefix = sums[Math.max(hit, cacheWrite > 0 ? last : 0)]!
    return { input, cacheRead, cacheWrite, uncached, cost: uncached + cacheWrite * this.pricing.write + cacheRead * this.pricing.read, broke }
  }
}

export interface AutomaticPricing {
  /** Cached input price relative to fresh input (OpenAI gpt-4o: 0.5). */
  read: number
  /** No cache below this many tokens (1024). */
  minCacheable: number
  /** Cached prefixes grow in steps of this many tokens past the minimum (128). */
  increment: number
}

export const OPENAI_PRICING: AutomaticPricing = { read: 0.5, minCacheable: 1024, increment: 128 }

/**
 * OpenAI's automatic prefix cache: the longest prefix this prompt shares with any earlier one is read at
 * `read`, rounded down to the cache's granularity; there is no write surcharge and no marker. Block
 * granularity: a message that changed is a miss from its start.
 */
export class AutomaticPrefixCache {
  private readonly seen = new Set<string>()
  /** The previous prompt's hash, when it was long enough to be cached. */
  private lastPrompt: string | undefined
  private readonly pricing: AutomaticPricing

  constructor (pricing: AutomaticPricing = OPENAI_PRICING) { this.pricing = pricing }

  charge (blocks: PromptBlock[]): RequestCharge {
    const hashes = prefixHashes(blocks)
    const sums = prefixTokens(blocks)
    const input = sums.at(-1)!
    let shared = 0
    for (let p = blocks.length; p > 0; p--) if (this.seen.has(hashes[p]!)) { shared = sums[p]!; break }
    // The whole prompt is never served from cache: at least the last token is computed.
    shared = Math.min(shared, input - 1)
    const cacheRead = shared < this.pricing.minCacheable ? 0 : this.pricing.minCacheable + Math.floor((shared - this.pricing.minCacheable) / this.pricing.increment) * this.pricing.increment
    for (const hash of hashes.slice(1)) this.seen.add(hash)
    // A break: the previous prompt is no longer a prefix of this one.
    const broke = this.lastPrompt !== undefined && !hashes.includes(this.lastPrompt)
    this.lastPrompt = input >= this.pricing.minCacheable ? hashes.at(-1) : undefined
    return { input, cacheRead, cacheWrite: 0, uncached: input - cacheRead, cost: input - cacheRead + cacheRead * this.pricing.read, broke }
  }
}

/** `peak`: the largest single prompt (input tokens of one request). */
export interface RunTotals { requests: number, input: number, peak: number, cacheRead: number, cacheWrite: number, cost: number, breaks: number[] }

export function totals (charges: Array<RequestCharge & { seq: number }>): RunTotals {
  return {
    requests: charges.length,
    input: charges.reduce((sum, charge) => sum + charge.input, 0),
    peak: charges.reduce((max, charge) => Math.max(max, charge.input), 0),
    cacheRead: charges.reduce((sum, charge) => sum + charge.cacheRead, 0),
    cacheWrite: charges.reduce((sum, charge) => sum + charge.cacheWrite, 0),
    cost: charges.reduce((sum, charge) => sum + charge.cost, 0),
    breaks: charges.filter((charge) => charge.broke).map((charge) => charge.seq)
  }
}

/** Cache-hit ratio: the share of prompt tokens read from cache. */
/**
 * A session is "long" for the ≥ 60 % / ≤ 0.5 targets when its largest prompt, as Claude Code sent it
 * (passthrough, Anthropic profile, counted as above), reaches half of Claude's 200K context window.
 * Claude Code resends its fixed system prompt and tools (≈ 12K tokens here) on every request; only once
 * the conversation is many times that can phases that work on history and tool results cut most of what
 * is sent. Request count alone does not say this: the 61-request debug-satisfies session peaks at 75K.
 */
export const LONG_PEAK_TOKENS = 100_000
export const isLong = (passthrough: RunTotals): boolean => passthrough.peak >= LONG_PEAK_TOKENS

export function hitRatio (run: RunTotals): number {
  return run.input === 0 ? 0 : run.cacheRead / run.input
}
