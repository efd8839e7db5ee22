import type { ChatMessage, ChatRequest, PipelineStep, StepContext } from '@lynkr/protocol'
import { splitSentences } from './extract.ts'
import { formatMemories, promptText } from './inject.ts'
import type { InjectionFormat } from './inject.ts'
import type { InjectionRecords } from './sessions.ts'
import type { Ranked } from './store.ts'
import { similarity, termSet } from './text.ts'

/** Above this word overlap with a sentence the user wrote, a memory says what the conversation already says. */
const STATED = 0.8

/** A new prompt's recall, handed from the recall step to the dedup step of the same pipeline run. */
export interface PendingRecall {
  session: string
  anchor: string
  /** Index of the new user message, whose first block is `text`. */
  index: number
  text: string
  found: Ranked[]
}

/** Per pipeline run (its step context): the recall the dedup step is to decide on. */
export const pendingRecalls = new WeakMap<StepContext, PendingRecall>()

const normalise = (text: string): string => text.toLowerCase().replace(/[`*_"'.,;:!?()]+/g, ' ').replace(/\s+/g, ' ').trim()

/**
 * Whether the conversation already states a memory: a user message among the last `lookback` (0 = all)
 * holds its text, or a sentence with nearly the same words. The client's own reminders count too.
 */
export function statedIn (messages: readonly ChatMessage[], content: string, lookback: number): boolean {
  const users = messages.filter((message) => message.role === 'user')
  const recent = lookback > 0 ? users.slice(-lookback) : users
  const wanted = normalise(content)
  const words = termSet(content)
  for (const message of recent) {
    const text = typeof message.content === 'string' ? message.content : message.content.flatMap((block) => block.type === 'text' ? [block.text] : []).join('\n')
    if (text === '') continue
    if (normalise(text).includes(wanted)) return true
    if (splitSentences(text).some((sentence) => similarity(words, termSet(sentence)) >= STATED)) return true
  }
  return false
}

export interface DedupStepOptions {
  records: InjectionRecords
  format: InjectionFormat
  /** User messages looked back through (MEMORY_DEDUP_LOOKBACK); 0 = the whole conversation. */
  lookback: number
}

/**
 * The `memory-dedup` step (MEMORY_DEDUP_ENABLED): for a new prompt, drops from the recalled block every memory
 * the conversation already has — one injected into an earlier turn of the session (tracked by memory id,
 * across restarts) or stated by the user in a recent message — then records the block. The decision is made
 * once, for the request that brought the prompt; later requests re-apply the recorded bytes, so the prefix
 * never moves.
 */
export function dedupStep (options: DedupStepOptions): PipelineStep {
  return {
    name: 'memory-dedup',
    stage: 'memory-dedup',
    run: async (request: ChatRequest, context: StepContext): Promise<ChatRequest> => {
      const pending = pendingRecalls.get(context)
      if (pending === undefined) return request
      pendingRecalls.delete(context)
      const shown = options.records.shownIn(pending.session)
      // The new message itself, without the block: the user may state the memory in this very prompt.
      const message = request.messages[pending.index]
      const own = message === undefined ? '' : promptText({ ...message, content: message.content.slice(1) })
      const earlier = request.messages.slice(0, pending.index)
      const kept = pending.found.filter((memory) => !shown.has(memory.id) &&
        !statedIn([...earlier, { role: 'user', content: [{ type: 'text', text: own }] }], memory.content, options.lookback))
      const text = formatMemories(kept, options.format)
      await options.records.record(pending.session, pending.anchor, text, kept.map((memory) => memory.id))
      if (kept.length === pending.found.length || message === undefined || message.content[0]?.type !== 'text' || message.content[0].text !== pending.text) return request
      const content = text === '' ? message.content.slice(1) : [{ type: 'text' as const, text }, ...message.content.slice(1)]
      const messages = request.messages.slice()
      messages[pending.index] = { ...message, content }
      return { ...request, messages }
    }
  }
}
