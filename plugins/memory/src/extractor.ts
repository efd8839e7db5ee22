import type { Candidate } from './extract.ts'
import { extractCandidates, extractFromAnswer } from './extract.ts'

/** What one finished turn said: the user's new prompt (if the turn had one) and the assistant's final answer. */
export interface TurnText { prompt?: string, answer?: string }

/** Candidates from each side of a turn: the user's are stronger evidence than the answer's. */
export interface Extracted { prompt: Candidate[], answer: Candidate[] }

/** Turns a finished turn into memory candidates (surprise then decides what is stored). */
export interface Extractor {
  name: string
  extract: (turn: TurnText) => Promise<Extracted>
}

/** The built-in extractor: patterns, no model call. */
export const heuristicExtractor: Extractor = {
  name: 'heuristic',
  extract: async ({ prompt, answer }) => ({
    prompt: prompt === undefined ? [] : extractCandidates(prompt),
    answer: answer === undefined ? [] : extractFromAnswer(answer)
  })
}
