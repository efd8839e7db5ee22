import type { TurnCompletedEvent } from '@lynkr/core'
import { isCompactionRequest } from '@lynkr/core'
import type { Extractor } from './extractor.ts'
import { anchorOf, latestPrompt } from './inject.ts'
import type { MemoryService, Outcome } from './memory.ts'
import { DEFAULT_WORKSPACE } from './recall-step.ts'
import type { InjectionRecords } from './sessions.ts'

/** The surprise a candidate from the assistant's answer needs at least: the model's word is weaker than the user's. */
export const ANSWER_THRESHOLD = 0.5

/** Prompts remembered as learned from, so a retried request is not read twice. */
const SEEN_PROMPTS = 10_000

export interface LearnObserverOptions {
  memory: MemoryService
  records: InjectionRecords
  extractor: Extractor
  onError: (error: unknown) => void
}

/**
 * A `turn-completed` observer: once a client call is answered (it never delays the answer), learns from
 * the user's new prompt and, conservatively, from the assistant's final answer. What it stores or finds
 * already stored counts as shown in the session: the conversation states it, recall need not repeat it.
 */
export function learnObserver (options: LearnObserverOptions): (turn: TurnCompletedEvent) => Promise<void> {
  const { memory, records } = options
  const seen = new Set<string>()
  return async (turn) => {
    // Claude Code's compaction and title requests: an instruction and a summary of what was already learned from.
    if (turn.purpose !== 'client' || turn.outcome !== 'success' || isCompactionRequest(turn.request)) return
    try {
      const session = turn.session.id
      const found = latestPrompt(turn.request)
      let prompt: string | undefined
      if (found !== undefined) {
        const key = `${session}\u0000${anchorOf(turn.request.messages[found.index]!)}`
        if (!seen.has(key)) {
          if (seen.size >= SEEN_PROMPTS) seen.clear()
          seen.add(key)
          prompt = found.text
        }
      }
      // Only an answer that ended the turn: a turn that stops for the client's tools is work in progress.
      const message = turn.message
      const answer = message?.stop_reason === 'end_turn'
        ? message.content.flatMap((block) => block.type === 'text' ? [block.text] : []).join('\n').trim() || undefined
        : undefined
      if (prompt === undefined && answer === undefined) return
      const workspace = turn.workspace?.id ?? DEFAULT_WORKSPACE
      const candidates = await options.extractor.extract({ prompt, answer })
      const now = Date.now()
      const outcomes: Outcome[] = [
        ...await memory.learnAll(candidates.prompt, workspace, now, 'extracted'),
        ...await memory.learnAll(candidates.answer, workspace, now, 'assistant', Math.max(memory.settings.surpriseThreshold, ANSWER_THRESHOLD))
      ]
      const shown = records.shownIn(session)
      for (const outcome of outcomes) {
        if (outcome.status === 'stored') shown.add(outcome.memory.id)
        else if (outcome.status === 'duplicate') shown.add(outcome.id)
      }
    } catch (error) {
      options.onError(error)
    }
  }
}
