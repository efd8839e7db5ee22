import { createHash } from 'node:crypto'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { createEncoding } from './cl100k.ts'
import type { Encoding } from './cl100k.ts'
import type { ChatMessage, ContentBlock, TextBlock, ToolDefinition } from '@lynkr/protocol'

/**
 * Claude 3+ tokenizers are not public, so counts are estimated with a real BPE (cl100k_base, within 1 % of
 * o200k_base on Claude Code's requests; cl100k.ts) times a safety factor: under-counting would let Claude Code
 * overflow the window before it compacts, over-counting only compacts a little early (protocols.md §8).
 */
const SAFETY_FACTOR = 1.1
/** Anthropic bills roughly (w*h)/750 tokens per image, capped near 1600. */
const IMAGE_TOKENS = 1600
/** Per-message framing (role markers) the rendered text does not show. */
const MESSAGE_OVERHEAD = 4
const TOOL_OVERHEAD = 8

/**
 * One encoding per process, shared by every gateway in it. It loads with the first count (most requests
 * never need one: the prompt-fit check counts only near the window) and is dropped when the last gateway
 * holding it closes, so a closed host gets its memory back. It is not dropped when idle: in the main thread
 * that frees a few MB of heap but no RSS (bench:tokenizer), and reloading would block the loop again.
 */
let encoding: Encoding | null = null
let holders = 0

/** Loads the tokenizer if it is not loaded (idempotent). Blocks the event loop once (about 90 ms on an idle core). */
export async function loadTokenizer (): Promise<void> {
  encoding ??= createEncoding()
}

/** Drops the tokenizer; a later count loads it again. Counts under way finish with the encoding they hold. */
export async function stopTokenizer (): Promise<void> {
  encoding = null
}

/** Whether the tables are in memory (for tests and diagnostics). */
export function tokenizerLoaded (): boolean {
  return encoding !== null
}

/** A gateway holds the tokenizer while it is open; the returned release drops it when the last holder lets go. */
export function holdTokenizer (): () => Promise<void> {
  holders++
  let released = false
  return async () => {
    if (released) return
    released = true
    holders--
    if (holders === 0) await stopTokenizer()
  }
}

/** Counting gives the loop back this often, and cuts longer texts into slices (a 200 KB text is ~40 ms). */
const SLICE_MS = 5
const SLICE_CHARS = 16_384

/**
 * Cuts a long text after a newline that a non-space character follows: the pre-tokenizer never joins
 * across such a point, so the slices count exactly like the whole text.
 */
function slices (text: string): string[] {
  if (text.length <= SLICE_CHARS) return [text]
  const parts: string[] = []
  let start = 0
  while (text.length - start > SLICE_CHARS) {
    let cut = -1
    for (let at = text.indexOf('\n', start + SLICE_CHARS); at !== -1 && at < text.length - 1; at = text.indexOf('\n', at + 1)) {
      if (!/\s/.test(text[at + 1]!)) { cut = at + 1; break }
    }
    if (cut === -1) break
    parts.push(text.slice(start, cut))
    start = cut
  }
  parts.push(text.slice(start))
  return parts
}

async function encodeLengths (pieces: string[]): Promise<number[]> {
  await loadTokenizer()
  const current = encoding!
  const plainText = { disallowedSpecial: new Set<string>() }
  let since = performance.now()
  const counts: number[] = []
  for (const piece of pieces) {
    let count = 0
    for (const slice of slices(piece)) {
      count += current.countTokens(slice, plainText)
      if (performance.now() - since > SLICE_MS) {
        await yieldToLoop()
        since = performance.now()
      }
    }
    counts.push(count)
  }
  return counts
}

/**
 * Counts of large pieces by content hash. An agent resends its whole conversation every turn, so all but the
 * newest pieces were counted before: without this, a 250 KB prompt costs ~100 ms of tokenizing per request.
 */
const pieceCounts = new Map<string, number>()
const CACHED_PIECE_CHARS = 512
const MAX_CACHED_PIECES = 4096

/**
 * Counts of short pieces by the text itself (tool names, inputs, short messages): they repeat in every request
 * too, and the tokenizer need not run again for a few short texts on every count.
 */
const shortCounts = new Map<string, number>()
const MAX_SHORT_PIECES = 16_384

/** Most recently used last, so eviction (the first key) takes the oldest. */
function remember (cache: Map<string, number>, max: number, key: string, count: number): void {
  if (cache.size >= max) cache.delete(cache.keys().next().value!)
  cache.set(key, count)
}

function cached (cache: Map<string, number>, key: string): number | undefined {
  const known = cache.get(key)
  if (known !== undefined) {
    cache.delete(key)
    cache.set(key, known)
  }
  return known
}

/** Each piece's count: from the caches, the rest tokenized here. */
async function encodeEach (pieces: string[]): Promise<number[]> {
  const counts: number[] = new Array(pieces.length)
  const missing: string[] = []
  const missingAt: number[] = []
  const missingKeys: Array<string | undefined> = []
  for (const [i, piece] of pieces.entries()) {
    const key = piece.length >= CACHED_PIECE_CHARS ? createHash('sha1').update(piece).digest('base64') : undefined
    const known = key === undefined ? cached(shortCounts, piece) : cached(pieceCounts, key)
    if (known !== undefined) counts[i] = known
    else {
      missing.push(piece)
      missingAt.push(i)
      missingKeys.push(key)
    }
  }
  if (missing.length === 0) return counts
  const fresh = await encodeLengths(missing)
  fresh.forEach((count, j) => {
    counts[missingAt[j]!] = count
    const key = missingKeys[j]
    if (key === undefined) remember(shortCounts, MAX_SHORT_PIECES, missing[j]!, count)
    else remember(pieceCounts, MAX_CACHED_PIECES, key, count)
  })
  return counts
}

async function encodeLength (pieces: string[]): Promise<number> {
  return (await encodeEach(pieces)).reduce((sum, count) => sum + count, 0)
}

export interface CountableRequest {
  system?: TextBlock[]
  messages: ChatMessage[]
  tools?: ToolDefinition[]
}

/**
 * What a request's count is made of: the texts to tokenize (system, messages, tools; none empty) and the
 * tokens that are not text (framing, images). Exported for the accuracy test and the tokenizer bench.
 */
export function requestPieces (request: CountableRequest): { texts: string[], fixed: number } {
  const pieces: string[] = []
  let unitsFixed = 0
  const framing = eachUnit(request, (_, collect) => { unitsFixed += collect(pieces) })
  return { texts: pieces.filter((piece) => piece !== ''), fixed: framing + unitsFixed }
}

/**
 * Visits a request's countable units in order (system blocks, content blocks, tools), each with a function
 * that pushes its texts and returns its tokens that are not text; returns the per-message framing.
 */
function eachUnit (request: CountableRequest, visit: (key: object, collect: (pieces: string[]) => number) => void): number {
  let framing = 0
  for (const block of request.system ?? []) visit(block, (pieces) => { pieces.push(block.text); return 0 })
  for (const message of request.messages) {
    framing += MESSAGE_OVERHEAD
    for (const block of message.content) visit(block, (pieces) => collectBlock(block, pieces))
  }
  for (const tool of request.tools ?? []) {
    visit(tool, (pieces) => { pieces.push(tool.name, tool.description ?? '', JSON.stringify(tool.input_schema ?? {})); return TOOL_OVERHEAD })
  }
  return framing
}

/** The count reported for `tokens` of text and `fixed` other tokens: with the safety factor, never 0. */
export function withSafetyFactor (tokens: number, fixed: number): number {
  return Math.max(1, Math.ceil((tokens + fixed) * SAFETY_FACTOR))
}

/**
 * Counts already made within one piece of work (a pipeline run), by object: a request, a block, a tool. Steps
 * rewrite copy-on-write, so the request before and after a step share every block the step left alone, and
 * those are not collected, hashed or looked up again. Only for objects nobody changes in place meanwhile.
 */
export type TokenMemo = WeakMap<object, number>

/** One countable unit of a request (a system block, a content block, a tool): its pieces and fixed tokens. */
interface Unit { pieces: string[], fixed: number, tokens?: number, chars?: number }

/** Counts system + messages + tools. Never returns 0 for a request with any content. */
export async function countRequestTokens (request: CountableRequest, memo?: TokenMemo): Promise<number> {
  return (await countRequestsTokens([request], memo))[0]!
}

/**
 * Counts several requests at once (a step's before and after): a unit they share is collected once, and every
 * piece not in the caches is tokenized once. The texts are collected before this returns;
 * `defer` puts the rest (hashing, cache lookups, tokenizing) after the I/O already queued.
 */
export async function countRequestsTokens (requests: CountableRequest[], memo?: TokenMemo, options: { defer?: boolean } = {}): Promise<number[]> {
  const units = new Map<object, Unit>()
  const unitsOf = requests.map((request) => {
    if (memo?.has(request) === true) return undefined
    const keys: object[] = []
    const fixed = eachUnit(request, (key, collect) => {
      keys.push(key)
      if (units.has(key)) return
      const counted = memo?.get(key)
      if (counted !== undefined) { units.set(key, { pieces: [], fixed: 0, tokens: counted }); return }
      const pieces: string[] = []
      const unitFixed = collect(pieces)
      units.set(key, { pieces: pieces.filter((piece) => piece !== ''), fixed: unitFixed })
    })
    return { keys, fixed }
  })
  const fresh = [...units.values()].filter((unit) => unit.tokens === undefined)
  const texts = fresh.flatMap((unit) => unit.pieces)
  if (options.defer === true) await new Promise((resolve) => setImmediate(resolve))
  let counts: number[] | undefined
  try {
    counts = await encodeEach(texts)
  } catch {
    // Never answer 0 or fail the call: a conservative character estimate if the tokenizer is unavailable (not memoised).
    counts = undefined
  }
  let at = 0
  for (const unit of fresh) {
    let tokens = unit.fixed
    if (counts === undefined) unit.chars = unit.pieces.reduce((sum, piece) => sum + piece.length, 0)
    else for (let i = 0; i < unit.pieces.length; i++) tokens += counts[at++]!
    unit.tokens = tokens
  }
  return requests.map((request, r) => {
    const known = memo?.get(request)
    if (known !== undefined) return known
    const { keys, fixed } = unitsOf[r]!
    let tokens = keys.reduce((sum, key) => sum + units.get(key)!.tokens!, 0)
    if (counts === undefined) tokens += Math.ceil(keys.reduce((sum, key) => sum + (units.get(key)!.chars ?? 0), 0) / 3)
    const total = withSafetyFactor(tokens, fixed)
    if (counts !== undefined && memo !== undefined) {
      for (const key of keys) memo.set(key, units.get(key)!.tokens!)
      memo.set(request, total)
    }
    return total
  })
}

function collectBlock (block: ContentBlock | { type: string }, pieces: string[]): number {
  switch (block.type) {
    case 'text': pieces.push((block as TextBlock).text); return 0
    case 'thinking': pieces.push((block as { thinking: string }).thinking); return 0
    case 'image': return IMAGE_TOKENS
    case 'tool_use': {
      const use = block as { name: string, input: unknown }
      pieces.push(use.name, JSON.stringify(use.input ?? {}))
      return 0
    }
    case 'tool_result': {
      const content = (block as { content?: unknown }).content
      if (typeof content === 'string') pieces.push(content)
      else if (Array.isArray(content)) {
        let fixed = 0
        for (const inner of content) fixed += collectBlock(inner as ContentBlock, pieces)
        return fixed
      }
      return 0
    }
    case 'document': {
      const source = (block as { source?: { data?: string, media_type?: string } }).source
      // PDFs are billed per page; their base64 size is a rough stand-in.
      if (source?.media_type === 'text/plain' && typeof source.data === 'string') pieces.push(source.data)
      else if (typeof source?.data === 'string') return Math.ceil(source.data.length / 6)
      return 0
    }
    default:
      pieces.push(JSON.stringify(block))
      return 0
  }
}

/**
 * Tokens of generated text (an answer cut short before the upstream reported its usage): what was streamed,
 * counted like prompts (same tokenizer and safety factor); a character estimate if the tokenizer is unavailable.
 */
export async function countTextTokens (pieces: string[]): Promise<number> {
  const texts = pieces.filter((piece) => piece !== '')
  if (texts.length === 0) return 0
  let tokens: number
  try {
    tokens = await encodeLength([texts.join('')])
  } catch {
    tokens = Math.ceil(texts.reduce((sum, piece) => sum + piece.length, 0) / 3)
  }
  return Math.max(1, Math.ceil(tokens * SAFETY_FACTOR))
}

/** A cheap estimate for the hot path (message_start usage): about four bytes per token. */
export function estimateTokensFromBytes (bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4))
}
