import type { MemoryKind } from './schema.ts'
import { terms } from './text.ts'

/** Something a turn said that may be worth remembering, before surprise decides. */
export interface Candidate {
  kind: MemoryKind
  content: string
  /** Project memories stay with the workspace; `global` ones (personal preferences) follow the user everywhere. */
  scope: 'project' | 'global'
  /** The user said it outright (a preference, "remember…"): never dropped by the surprise threshold. */
  explicit: boolean
  /** A change marker ("switched to", "no longer", "instead of"): it may supersede an older memory. */
  change: boolean
}

const CHIT_CHAT = /^(?:hi|hello|hey|yo|thanks?(?: you)?|thx|ty|ok(?:ay)?|k|sure|yes|yep|yeah|no|nope|great|cool|nice|awesome|perfect|good|fine|lgtm|sounds good|got it|makes sense|go ahead|continue|do it|please do|done|right|correct|exactly|agreed|good (?:morning|night|job)|well done|bye|cheers)\b[\s!.,:)]*(?:thanks?(?: you)?|again|a lot|so much|please|that works|for that|for the help|man|mate)?[\s!.,:)]*$/i

const PREFERENCE = /\b(?:i|we)\s+(?:usually|normally|typically|tend to)\s+\w+|\b(?:i|we)\s+(?:really\s+|strongly\s+|always\s+)?(?:prefer|like to|love to|hate|dislike|want to avoid|don'?t like|do not like|would rather)\b|\b(?:always|never|don'?t ever|do not ever|please don'?t|avoid)\s+(?:use|using|add|write|run|put|commit|push|call|import|format|mock|touch|rely)\b|\bmy (?:preference|favou?rite)\b|\b(?:i|we) use\b.*\b(?:never|not|instead of|rather than|over)\b|\bprefer\b.*\b(?:over|to|instead of)\b/i
const DECISION = /\b(?:we|i|team)\s+(?:have\s+|'ve\s+)?(?:decided|chose|chosen|agreed|settled on|are going with|'re going with|will go with|went with|are going to use|will use)\b|\blet'?s (?:use|go with|switch to|stick with|move to)\b|\bdecision\s*:|\bwe(?:'ve| have)? (?:switched|moved|migrated) (?:to|from|away)\b/i
const FACT = /\b(?:this|the|our|my)\s+(?:app|application|project|repo|repository|codebase|service|api|backend|frontend|server|database|db|site|cli|library|package|monorepo|team|ci|pipeline|deployment|tests?)\b[^.?!]*?\b(?:uses|use|is|are|runs|run|lives|live|talks|stores|store|deploys|deploy|depends|needs|targets|requires|has|listens|builds|written|built|hosted)\b|\b(?:in this (?:project|repo|codebase)|here),? we (?:use|run|deploy|build|write|keep|store)\b|\bwe (?:use|run on|deploy (?:to|on)|host on|build with|test with|store)\b|\b(?:lives|is located|is defined|is stored|are stored) (?:in|at|under)\b|\bport \d{2,5}\b|\b(?:listens|runs) on\b/i
/** "Never print secrets…", "Always run the linter…": a standing instruction. */
const RULE = /^(?:please\s+)?(?:always|never|don'?t ever|do not ever)\s+\w+/i
/** A plain statement of fact: a subject, a linking verb, and something specific (a name, number or path). */
const STATEMENT_VERB = /\b(?:is|are|gets|get|uses|use|runs|run|lives|live|has|have|stores|store|reports?|ships|served|signed|built|written|deployed|hosted|listens|trains?|needs|targets|depends|requires)\b/i
const IMPERATIVE = /^(?:please|fix|add|can|could|would|let|make|create|write|update|remove|delete|run|check|look|show|tell|explain|help|try|use|implement|refactor|rename|move|change|install|open|set|build|deploy|find|give|go|do|don'?t|see|read|put|debug|test|review|now)\b/i
const SPECIFIC = /(?:^|\s)\S*(?:\d|[a-z][A-Z]|\.[a-z]{2,}|\/)\S*|\s[A-Z][a-zA-Z]+/
/** Hedged or passing remarks ("I think the bug is in x.ts") are about the moment, not the project. */
const HEDGE = /\b(?:i think|i guess|maybe|probably|perhaps|seems|might|looks like|again)\b/i
const REMEMBER = /\b(?:remember|note|keep in mind|don'?t forget|fyi|for future reference)\b(?: that)?[:,]?/i
const CHANGE = /\b(?:switched|switching|moved|moving|migrated|migrating|changed|replaced|replacing)\s+(?:to|from|over|away)?\b|\bno longer\b|\binstead of\b|\bnot anymore\b|\banymore\b|\bfrom now on\b|\bnow (?:use|uses|using|run|runs|prefer)\b|\bactually\b/i
/** The text names a change ("switched to", "no longer", "instead of"): it may supersede an older memory. */
export function isChange (text: string): boolean { return CHANGE.test(text) }
const QUESTION = /\?\s*$|^(?:what|which|how|why|where|when|who|can|could|would|should|is|are|do|does|did)\b/i
const PERSONAL = /\b(?:i|my|me)\b/i
const PROJECT_WORD = /\b(?:this|our|the) (?:project|repo|repository|codebase|app)\b|\bhere\b|\bin this\b/i

/** Files, functions and services a sentence names (first mentions are worth a memory). */
const ENTITY = /(?:^|[\s(`'"])((?:[\w.-]+\/)*[\w.-]+\.(?:ts|tsx|js|jsx|mjs|cjs|py|go|rs|java|kt|rb|php|cs|c|cc|cpp|h|hpp|swift|sql|json|ya?ml|toml|md|sh|env|proto|graphql|css|scss|html|vue|svelte))\b|`([A-Za-z_][\w.]*\(?\)?)`|\b([a-z][a-zA-Z0-9]*[A-Z][a-zA-Z0-9]*\(\))/g

export function splitSentences (text: string): string[] {
  return text
    .replace(/```[\s\S]*?```/g, ' ')            // code is evidence, not a statement
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.replace(/^[\s*>#-]+/, '').trim())
    .filter((sentence) => sentence.length > 0)
}

export function isChitChat (sentence: string): boolean {
  return CHIT_CHAT.test(sentence.trim()) || terms(sentence).length === 0
}

/** Strips the lead-in ("remember that", "FYI:") so the memory reads as the fact itself. */
function clean (sentence: string): string {
  const stripped = sentence.replace(/^(?:(?:ok(?:ay)?|so|also|btw|and|but|great|thanks)[,!.]?\s+)+/i, '')
    .replace(new RegExp('^(?:please\\s+)?' + REMEMBER.source + '\\s*', 'i'), '')
    .trim()
  const text = stripped.length > 0 ? stripped : sentence
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/**
 * The candidates in a user's turn: preferences, decisions, project facts and named entities, sentence by
 * sentence. Greetings, confirmations and questions yield nothing. Costs no model call.
 */
export function extractCandidates (text: string): Candidate[] {
  const out: Candidate[] = []
  for (const sentence of splitSentences(text)) {
    if (sentence.length > 400 || isChitChat(sentence)) continue
    const remember = REMEMBER.test(sentence)
    if (QUESTION.test(sentence) && !remember) continue
    const change = CHANGE.test(sentence)
    let kind: MemoryKind | undefined
    if (DECISION.test(sentence)) kind = 'decision'
    else if (PREFERENCE.test(sentence)) kind = 'preference'
    else if (RULE.test(sentence)) kind = 'preference'
    else if (IMPERATIVE.test(sentence) && /\b(?:in|for) (?:this|our) (?:project|repo|repository|codebase|app)\b/i.test(sentence)) kind = 'preference'
    else if (FACT.test(sentence) || (!IMPERATIVE.test(sentence) && !HEDGE.test(sentence) && STATEMENT_VERB.test(sentence) && SPECIFIC.test(sentence))) kind = 'fact'
    else if (remember) kind = 'note'
    else if (change && terms(sentence).length >= 2) kind = 'decision'
    if (kind !== undefined) {
      // A personal preference with no tie to this project goes with the user; the rest stays with the project.
      const scope = kind === 'preference' && PERSONAL.test(sentence) && !PROJECT_WORD.test(sentence) ? 'global' : 'project'
      for (const part of splitCompound(clean(sentence))) out.push({ kind, content: part, scope, explicit: remember || kind === 'preference', change })
      continue
    }
    if (entities(sentence).length > 0) out.push({ kind: 'entity', content: clean(sentence), scope: 'project', explicit: false, change: false })
  }
  return out
}

const COMPOUND = /^(.*?\b(?:uses|use|runs on|stores|store|keeps?|prefers?|chose|picked|decided to use)\s)(.+?),?\s+and\s+(.+?)([.!]?)$/i
const CLAUSE = /\s(?:for|in|on|as|to|with|under)\s/

/**
 * "This app uses PostgreSQL for invoices and Redis for the queue" is two facts: either can change on its own
 * (and a later "we switched from Redis" must not retire the PostgreSQL half).
 */
export function splitCompound (sentence: string): string[] {
  const match = COMPOUND.exec(sentence)
  if (match === null) return [sentence]
  const [, lead, first, second, end] = match as unknown as [string, string, string, string, string]
  if (!CLAUSE.test(` ${first} `) || !CLAUSE.test(` ${second} `) || STATEMENT_VERB.test(second)) return [sentence]
  return [`${lead}${first}${end || '.'}`, `${lead}${second}${end || '.'}`]
}

export function entities (sentence: string): string[] {
  const found: string[] = []
  for (const match of sentence.matchAll(ENTITY)) {
    const name = match[1] ?? match[2] ?? match[3]
    if (name !== undefined && !found.includes(name)) found.push(name)
  }
  return found
}

/** The assistant talking about what it is doing or proposes, not about the project. */
const ANSWER_NOT_FACT = /\b(?:i'?ll|i will|i'?ve|i have|i am|i'm|i can|i could|i would|i added|i changed|i updated|i fixed|i ran|let me|you (?:can|could|should|might|may)|should|could|would|consider|recommend|suggest|if|unless|try|might|may)\b/i
/** A state of the moment (a test run, an edit just made), not a lasting fact about the project. */
const TRANSIENT = /\b(?:now|currently|at the moment|passing|passes|passed|failing|fails|failed|fixed|broken|green|working|works|done|complete|completed|updated|changed|added|removed|created|succeeded|succeeds)\b/i
/** An answer yields at most this many memories: it is the model's word, not the user's. */
const ANSWER_CANDIDATES = 3

/**
 * Candidates in the assistant's final answer, kept conservative: only plain statements of project facts and
 * of decisions already taken ("this service uses Kafka 3.7", "we switched to pnpm"), never the model's
 * preferences, plans, advice, hedges or the files it mentions in passing, and none are explicit (the
 * surprise threshold applies to all). The user's own words are the stronger source.
 */
export function extractFromAnswer (text: string): Candidate[] {
  const out: Candidate[] = []
  for (const candidate of extractCandidates(text)) {
    if (candidate.kind !== 'fact' && candidate.kind !== 'decision') continue
    if (ANSWER_NOT_FACT.test(candidate.content) || HEDGE.test(candidate.content) || QUESTION.test(candidate.content)) continue
    if (TRANSIENT.test(candidate.content) && !candidate.change) continue
    // A decision from the model counts only as one already taken (a proposal is not a decision).
    if (candidate.kind === 'decision' && /^let'?s\b/i.test(candidate.content)) continue
    out.push({ ...candidate, scope: 'project', explicit: false })
    if (out.length >= ANSWER_CANDIDATES) break
  }
  return out
}
