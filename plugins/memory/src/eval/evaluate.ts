import { migrate, openStore } from '@lynkr/storage'
import { migrations } from '../schema.ts'
import { MemoryStore } from '../store.ts'
import { MemoryService } from '../memory.ts'
import type { MemorySettings, Remembered } from '../memory.ts'
import { questions, sessions } from './conversations.ts'

export interface EvaluationReport {
  stored: number
  /** Stored memories that match a labelled fact of their turn. */
  correct: number
  labelled: number
  found: number
  precision: number
  recall: number
  chitChatStored: string[]
  /** Questions whose expected memory was in the top 5. */
  recallAt5: number
  misses: string[]
  /** Superseded memories that came back anyway. */
  stale: string[]
  wrong: string[]
  /** Labelled facts nothing was stored for. */
  notFound: string[]
}

const HOUR = 3_600_000

/** Plays the conversations into a fresh in-memory store, then asks the questions. */
export async function evaluate (settings: Partial<MemorySettings> = {}): Promise<EvaluationReport> {
  const { db, handle } = openStore(':memory:')
  try {
    await migrate(db, 'memory', migrations)
    const memory = new MemoryService(new MemoryStore(db, handle), { retrievalLimit: 5, surpriseThreshold: 0.3, includeGlobal: true, halfLifeDays: 30, ...settings })
    let now = Date.UTC(2026, 0, 1)
    let stored = 0; let correct = 0; let labelled = 0; let found = 0
    const chitChatStored: string[] = []
    const wrong: string[] = []
    const notFound: string[] = []
    for (const session of sessions) {
      now += 24 * HOUR
      for (const turn of session.turns) {
        now += HOUR / 10
        const kept: Remembered[] = await memory.learn(turn.text, session.workspace, now)
        stored += kept.length
        labelled += turn.facts.length
        for (const fact of turn.facts) {
          if (kept.some((item) => fact.test(item.content))) found++
          else notFound.push(turn.text)
        }
        for (const item of kept) {
          if (turn.facts.some((fact) => fact.test(item.content))) correct++
          else wrong.push(item.content)
        }
        if (turn.chitChat === true && kept.length > 0) chitChatStored.push(turn.text)
      }
    }
    let hits = 0
    const misses: string[] = []
    const stale: string[] = []
    for (const question of questions) {
      const top = await memory.recall(question.text, question.workspace, new Set(), 5, now + HOUR)
      if (top.some((item) => question.expect.test(item.content))) hits++
      else misses.push(`${question.text} → ${top.map((item) => item.content).join(' | ') || '(nothing)'}`)
      const old = question.stale
      if (old !== undefined && top.some((item) => old.test(item.content))) stale.push(question.text)
    }
    return {
      stored, correct, labelled, found, wrong, notFound, misses, stale, chitChatStored,
      precision: stored === 0 ? 0 : correct / stored,
      recall: labelled === 0 ? 0 : found / labelled,
      recallAt5: hits / questions.length
    }
  } finally {
    await db.destroy()
  }
}
