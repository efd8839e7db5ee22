import type { ChatRequest, Logger } from '@lynkr/protocol'
import { failureLogFields } from '@lynkr/core'
import type { MessageOutcome, InternalCall } from '@lynkr/core'
import type { Candidate } from './extract.ts'
import { isChange } from './extract.ts'
import type { Extracted, Extractor, TurnText } from './extractor.ts'
import type { MemoryKind } from './schema.ts'

/** What the extractor asks the model (kept short: it runs once per finished turn). */
export const EXTRACTION_PROMPT = `You extract long-term memories for a coding assistant from one finished turn of a conversation.
Keep only what will still matter in a later session: the user's preferences and standing instructions, decisions taken, facts about the project (its stack, services, versions, ports, paths, conventions), and notes the user asked to remember.
Skip greetings, thanks, questions, requests for work, what was done in this turn, guesses and anything about the moment (test results, errors).
From the assistant's text keep only facts about the project it states plainly; never its plans, advice or preferences.
Write each memory as one short self-contained sentence. Scope is "global" only for a personal preference that applies to every project.
Answer with JSON only: {"memories":[{"kind":"preference|decision|fact|note","content":"…","scope":"project|global","from":"user|assistant"}]} (an empty list when nothing qualifies).`

const KINDS: ReadonlySet<string> = new Set<MemoryKind>(['preference', 'decision', 'fact', 'note'])
/** More than this from one turn is a model that lost the plot: the rest is dropped. */
const MAX_MEMORIES = 8
const MAX_CONTENT = 400
/** Text sent for one turn: a very long prompt or answer is cut (its start says what it is about). */
const MAX_TURN_TEXT = 8000

/** The subset of the chat service the extractor needs (`app.lynkr.chat`). */
export interface InternalChat { internal: (call: InternalCall) => Promise<MessageOutcome> }

export interface ModelExtractorOptions {
  chat: InternalChat
  /** The model as a client would name it (`provider:model` picks a provider); empty: routed like a client request. */
  model: string
  timeoutMs: number
  /** Used when the call fails or its answer is not the JSON asked for. */
  fallback: Extractor
  log: Logger
}

/** Reads the model's answer: the first JSON object in it (models like to wrap it in a code fence). */
export function parseExtraction (text: string): Extracted {
  const start = text.indexOf('{')
  const end = text.lastIndexOf('}')
  if (start === -1 || end < start) throw new Error('the extractor model answered without JSON')
  const parsed = JSON.parse(text.slice(start, end + 1)) as { memories?: unknown }
  if (!Array.isArray(parsed.memories)) throw new Error('the extractor model\'s JSON has no "memories" list')
  const out: Extracted = { prompt: [], answer: [] }
  for (const item of parsed.memories.slice(0, MAX_MEMORIES)) {
    if (item === null || typeof item !== 'object') continue
    const { kind, content, scope, from } = item as Record<string, unknown>
    if (typeof kind !== 'string' || !KINDS.has(kind) || typeof content !== 'string') continue
    const text = content.trim()
    if (text === '' || text.length > MAX_CONTENT) continue
    const fromAnswer = from === 'assistant'
    const candidate: Candidate = {
      kind: kind as MemoryKind,
      content: text,
      // The assistant's word never makes a global preference, and is never explicit.
      scope: scope === 'global' && !fromAnswer && kind === 'preference' ? 'global' : 'project',
      explicit: !fromAnswer && (kind === 'preference' || kind === 'note'),
      change: isChange(text)
    }
    if (fromAnswer) {
      if (kind === 'fact' || kind === 'decision') out.answer.push(candidate)
    } else out.prompt.push(candidate)
  }
  return out
}

const cut = (text: string): string => text.length > MAX_TURN_TEXT ? `${text.slice(0, MAX_TURN_TEXT)}\n[…]` : text

/**
 * MEMORY_EXTRACTOR=model: one internal call per finished turn (purpose `internal:memory-extract`, so it is
 * labelled apart from client traffic) to a cheap model that answers with the memories as JSON. When the call
 * fails or the answer is not that JSON, the built-in extractor does the turn instead (one warning per
 * failure kind and five minutes, so a model that is down does not flood the log).
 */
export function modelExtractor (options: ModelExtractorOptions): Extractor {
  const warned = new Map<string, number>()
  const warn = (error: unknown): void => {
    const message = (error as Error)?.message ?? String(error)
    const key = message.slice(0, 80)
    const last = warned.get(key)
    if (last !== undefined && Date.now() - last < 300_000) return
    if (warned.size > 100) warned.clear()
    warned.set(key, Date.now())
    options.log.warn(failureLogFields(error), 'memory: the extractor model failed; the built-in extractor was used for this turn')
  }
  return {
    name: 'model',
    extract: async (turn: TurnText): Promise<Extracted> => {
      const parts: string[] = []
      if (turn.prompt !== undefined) parts.push(`<user>\n${cut(turn.prompt)}\n</user>`)
      if (turn.answer !== undefined) parts.push(`<assistant>\n${cut(turn.answer)}\n</assistant>`)
      const request: ChatRequest = {
        model: options.model,
        clientModel: options.model === '' ? 'memory-extractor' : options.model,
        system: [{ type: 'text', text: EXTRACTION_PROMPT }],
        messages: [{ role: 'user', content: [{ type: 'text', text: parts.join('\n') }] }],
        max_tokens: 1024,
        temperature: 0,
        stream: false
      }
      try {
        const { message } = await options.chat.internal({ purpose: 'memory-extract', request, signal: AbortSignal.timeout(options.timeoutMs), log: options.log })
        const text = message.content.flatMap((block) => block.type === 'text' ? [block.text] : []).join('')
        return parseExtraction(text)
      } catch (error) {
        warn(error)
        return await options.fallback.extract(turn)
      }
    }
  }
}
