import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { tokenizerWorkerData, tokenizerWorkerSource } from './tokenizer-worker.ts'
import type { ChatMessage, ContentBlock, TextBlock, ToolDefinition } from '@lynkr/protocol'

/**
 * Claude 3+ tokenizers are not public, so counts are estimated with o200k_base (a real BPE, exact for
 * current OpenAI models) times a safety factor: under-counting would let Claude Code overflow the window
 * before it compacts, over-counting only compacts a little early (protocols.md §8).
 */
const SAFETY_FACTOR = 1.1
/** Anthropic bills roughly (w*h)/750 tokens per image, capped near 1600. */
const IMAGE_TOKENS = 1600
/** Per-message framing (role markers) the rendered text does not show. */
const MESSAGE_OVERHEAD = 4
const TOOL_OVERHEAD = 8

interface Pending { resolve: (counts: number[]) => void, reject: (error: Error) => void }

/**
 * One tokenizer worker per process, shared by every gateway in it. It starts with the first count (most
 * requests never need one: the prompt-fit check counts only near the window), stops after IDLE_STOP_MS
 * without counts, and stops when the last gateway holding it closes, so a closed host exits at once.
 */
const IDLE_STOP_MS = 60_000

let worker: Worker | null = null
let ready: Promise<void> | null = null
let nextId = 0
const pending = new Map<number, Pending>()
let holders = 0
let idleTimer: NodeJS.Timeout | undefined

function failPending (error: Error): void {
  for (const waiter of pending.values()) waiter.reject(error)
  pending.clear()
}

/** Starts the tokenizer worker if it is not running (idempotent); resolves once it can count. */
export async function loadTokenizer (): Promise<void> {
  if (ready !== null) return await ready
  const current = new Worker(tokenizerWorkerSource, { eval: true, workerData: tokenizerWorkerData() })
  // Referenced only while counts are outstanding (encodeLengths refs it): loading alone keeps no process alive.
  current.unref()
  worker = current
  ready = new Promise<void>((resolve, reject) => {
    current.on('message', (message: { ready?: boolean, id?: number, counts?: number[] }) => {
      if (message.ready === true) { resolve(); return }
      const waiter = pending.get(message.id!)
      pending.delete(message.id!)
      if (pending.size === 0) { current.unref(); scheduleIdleStop() }
      waiter?.resolve(message.counts!)
    })
    const gone = (error: Error): void => {
      reject(error)
      if (worker !== current) return
      worker = null
      ready = null
      failPending(error)
    }
    current.once('error', gone)
    current.once('exit', () => { gone(new Error('the tokenizer worker stopped')) })
  })
  return await ready
}

/** Stops the worker now; a later count starts it again. Outstanding counts fall back to an estimate. */
export async function stopTokenizer (): Promise<void> {
  clearTimeout(idleTimer)
  idleTimer = undefined
  const current = worker
  if (current === null) return
  worker = null
  ready = null
  failPending(new Error('the tokenizer was stopped'))
  await current.terminate()
}

function scheduleIdleStop (): void {
  clearTimeout(idleTimer)
  idleTimer = setTimeout(() => { if (pending.size === 0) void stopTokenizer() }, IDLE_STOP_MS)
  idleTimer.unref()
}

/**
 * A gateway holds the tokenizer while it is open; the returned release stops the worker when the last
 * holder lets go (Fastify's close must leave nothing running behind it).
 */
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

/** The worker keeps the process alive only while a count is outstanding. */
async function encodeLengths (pieces: string[]): Promise<number[]> {
  const id = nextId++
  const result = new Promise<number[]>((resolve, reject) => { pending.set(id, { resolve, reject }) })
  // A stop while the worker loads fails both `result` and `loading`: only the latter is awaited then.
  result.catch(() => {})
  clearTimeout(idleTimer)
  const loading = loadTokenizer()
  const current = worker!
  current.ref()
  try {
    await loading
  } catch (error) {
    pending.delete(id)
    throw error
  }
  // Stopped while it loaded: the pending count was already failed.
  if (worker === current) current.postMessage({ id, pieces })
  return await result
}

/**
 * Counts of large pieces by content hash. An agent resends its whole conversation every turn, so all but the
 * newest pieces were counted before: without this, a 250 KB prompt costs ~100 ms of tokenizing per request.
 */
const pieceCounts = new Map<string, number>()
const CACHED_PIECE_CHARS = 512
const MAX_CACHED_PIECES = 4096

async function encodeLength (pieces: string[]): Promise<number> {
  let tokens = 0
  const missing: string[] = []
  const missingKeys: Array<string | undefined> = []
  for (const piece of pieces) {
    const key = piece.length >= CACHED_PIECE_CHARS ? createHash('sha1').update(piece).digest('base64') : undefined
    const known = key === undefined ? undefined : pieceCounts.get(key)
    if (known !== undefined) {
      tokens += known
      pieceCounts.delete(key!)
      pieceCounts.set(key!, known) // most recently used last: eviction takes the oldest
    } else {
      missing.push(piece)
      missingKeys.push(key)
    }
  }
  if (missing.length === 0) return tokens
  const counts = await encodeLengths(missing)
  counts.forEach((count, i) => {
    tokens += count
    const key = missingKeys[i]
    if (key === undefined) return
    if (pieceCounts.size >= MAX_CACHED_PIECES) pieceCounts.delete(pieceCounts.keys().next().value!)
    pieceCounts.set(key, count)
  })
  return tokens
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
  let fixed = 0
  for (const block of request.system ?? []) pieces.push(block.text)
  for (const message of request.messages) {
    fixed += MESSAGE_OVERHEAD
    for (const block of message.content) fixed += collectBlock(block, pieces)
  }
  for (const tool of request.tools ?? []) {
    fixed += TOOL_OVERHEAD
    pieces.push(tool.name, tool.description ?? '', JSON.stringify(tool.input_schema ?? {}))
  }
  return { texts: pieces.filter((piece) => piece !== ''), fixed }
}

/** The count reported for `tokens` of text and `fixed` other tokens: with the safety factor, never 0. */
export function withSafetyFactor (tokens: number, fixed: number): number {
  return Math.max(1, Math.ceil((tokens + fixed) * SAFETY_FACTOR))
}

/** Counts system + messages + tools. Never returns 0 for a request with any content. */
export async function countRequestTokens (request: CountableRequest): Promise<number> {
  const { texts, fixed } = requestPieces(request)
  let tokens: number
  try {
    tokens = await encodeLength(texts)
  } catch {
    // Never answer 0 or fail the call: a conservative character estimate if the tokenizer is unavailable.
    tokens = Math.ceil(texts.reduce((sum, piece) => sum + piece.length, 0) / 3)
  }
  return withSafetyFactor(tokens, fixed)
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
