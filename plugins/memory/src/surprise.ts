import type { Candidate } from './extract.ts'
import { entities } from './extract.ts'
import { similarity, termSet, terms } from './text.ts'

export interface Neighbour { id: number, kind: string, content: string }

export interface Verdict {
  /** 0..1: how much this would add to what is stored. */
  surprise: number
  /** Store it (surprise at or above the threshold, or an explicit statement that is not a repeat). */
  store: boolean
  /** A near-copy of this stored memory: nothing new (the stored one is reinforced instead). */
  duplicateOf?: number
  /** Stored memories this one supersedes (they are retired). */
  supersedes: number[]
  importance: number
}

/** Above this overlap the candidate says what a stored memory already says. */
const DUPLICATE = 0.8
const EMPHASIS = /\b(?:always|never|must|important|critical|remember|do not|don'?t|under no circumstances|make sure)\b|!/i
const NEGATED = /\b(?:not|no longer|instead of|rather than|never|don'?t|do not|stop using|away from|replaced|from)\s+(?:use\s+|using\s+)?([\w.+#-]+)/gi

/** Share of the words that are specific: numbers, versions, paths, identifiers, proper names. */
export function specificity (content: string): number {
  const words = content.split(/\s+/).filter(Boolean)
  if (words.length === 0) return 0
  const specific = words.filter((word) => /\d|[/_.]\w|[a-z][A-Z]|^[A-Z][a-zA-Z]+/.test(word.replace(/^[`'"(]+|[`'",.;:)!?]+$/g, ''))).length
  return Math.min(1, (specific + entities(content).length) / Math.max(4, words.length * 0.6))
}

/**
 * Whether `candidate` replaces `old`: it names a change, or negates something only the old memory names,
 * while talking about the same thing (enough shared words).
 */
export function contradicts (candidate: Candidate, old: Neighbour): boolean {
  const a = termSet(candidate.content)
  const b = termSet(old.content)
  const overlap = similarity(a, b)
  if (overlap >= DUPLICATE) return false
  const negated = [...candidate.content.matchAll(NEGATED)].map((match) => match[1]!.toLowerCase().replace(/[.]+$/, ''))
  const oldWords = new Set(terms(old.content))
  if (negated.some((word) => oldWords.has(word))) return true
  const sameTopic = overlap >= 0.2 || (old.kind === candidate.kind && overlap >= 0.12)
  return candidate.change && sameTopic
}

/**
 * Surprise against the nearest stored memories: novelty (1 − the highest overlap), emphasis,
 * specificity and contradiction. Ranks and dedupes candidates and sets their importance. An explicit
 * statement is kept whatever the threshold (a high threshold wiped recall in our own study); only a
 * repeat of a stored memory is dropped.
 */
export function judge (candidate: Candidate, neighbours: Neighbour[], threshold: number): Verdict {
  const words = termSet(candidate.content)
  let closest = 0
  let closestId: number | undefined
  for (const neighbour of neighbours) {
    const overlap = similarity(words, termSet(neighbour.content))
    if (overlap > closest) { closest = overlap; closestId = neighbour.id }
  }
  const supersedes = neighbours.filter((neighbour) => contradicts(candidate, neighbour)).map((neighbour) => neighbour.id)
  if (closest >= DUPLICATE && supersedes.length === 0) {
    return { surprise: 0, store: false, duplicateOf: closestId, supersedes: [], importance: 0 }
  }
  const novelty = 1 - closest
  const emphasis = EMPHASIS.test(candidate.content) ? 1 : 0
  const specific = specificity(candidate.content)
  const contradiction = supersedes.length > 0 ? 1 : 0
  const surprise = Math.min(1, 0.55 * novelty + 0.15 * emphasis + 0.2 * specific + 0.3 * contradiction)
  const kindWeight = candidate.kind === 'entity' ? 0 : candidate.kind === 'note' ? 0.15 : 0.2
  const importance = Math.min(1, 0.2 + 0.5 * surprise + kindWeight + (candidate.explicit ? 0.1 : 0))
  // Entities are the weakest signal: they must clear the threshold on their own.
  return { surprise, store: surprise >= threshold || (candidate.explicit && candidate.kind !== 'entity'), supersedes, importance }
}
