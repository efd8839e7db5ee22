import { createHash } from 'node:crypto'

/** Words that carry no topic: left out of queries and similarity. */
const STOP = new Set(('a an the and or but if then else of to in on at by for with from as is are was were be been being it its this that these those ' +
  'i me my we our us you your he she they them their there here what which who whom when where why how do does did done doing have has had ' +
  'not no yes so too very can could should would will shall may might must just also only about into over under again more most some any all ' +
  'each other such than up down out off own same few both now please let lets ok okay thanks thank hi hello hey use using used want need like ' +
  'get got make made one two new way thing things sure yeah yep well really actually').split(' '))

/** Lower-case word tokens (identifiers keep `_`, `.` splits), without stop words or one-letter tokens. */
export function terms (text: string): string[] {
  const out: string[] = []
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}_]+/u)) {
    if (raw.length < 2 || STOP.has(raw)) continue
    out.push(raw)
  }
  return out
}

/** A crude suffix stripper for similarity only (the index stems with Porter itself). */
export function stem (word: string): string {
  return word.replace(/(ing|ed|es|s|ly)$/, '').slice(0, 8)
}

export function termSet (text: string): Set<string> {
  return new Set(terms(text).map(stem))
}

/** Jaccard overlap of two term sets (1 = same words). */
export function similarity (a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0
  let shared = 0
  for (const term of a) if (b.has(term)) shared++
  return shared / (a.size + b.size - shared)
}

/** The scope token of a workspace: a letter-led hash, so it is one FTS5 token and leaks no path. */
export function workspaceScope (workspace: string): string {
  return 'w' + createHash('sha256').update(workspace).digest('hex').slice(0, 20)
}

export const GLOBAL_SCOPE = 'global'

/** An FTS5 string literal: the term quoted, inner quotes doubled (no query syntax from user text). */
export function ftsLiteral (term: string): string {
  return `"${term.replace(/"/g, '""')}"`
}
