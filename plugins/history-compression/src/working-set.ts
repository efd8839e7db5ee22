import type { ChatMessage } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'
import { filePathOf, isEdit, recentStart } from './result-kinds.ts'
import type { ResultEntry, ToolCall } from './result-kinds.ts'

/** The turns in which a file counts as being worked on (read, edited or pointed at). */
const ACTIVE_TURNS = 6
/** An older part of a file no longer worked on is kept up to this size (cheap; a larger one is read again). */
const SMALL_READ_TOKENS = 1_000

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/** Whether `text` (a user's own words) names `path`: the full path, or a path ending in it with its directory. */
function names (text: string, path: string): boolean {
  if (text.includes(path)) return true
  // `test/inc.test.js` in the prompt names `/repo/test/inc.test.js`: the last two segments, or the file name when it is distinctive.
  const segments = path.split('/').filter((segment) => segment !== '')
  const tail = segments.slice(-2).join('/')
  if (segments.length >= 2 && text.includes(tail)) return true
  const name = basename(path)
  // `coerce` in "debug coerce returning…" names `functions/coerce.js`: a module is called by its file's stem.
  const stem = name.replace(/\.\w+$/, '')
  if (stem.length >= 5 && /^[\w-]+$/.test(stem) && new RegExp(`(?:^|[^\\w/-])${stem}(?:$|[^\\w/-])`, 'i').test(text)) return true
  return name.length >= 8 && /\.\w+$/.test(name) && new RegExp(`(?:^|[\\s\`'"(/])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[\\s\`'",.:;)])`).test(text)
}

/** Whether `named` (a path as a tool's input or output gives it, often relative to the project) is the file `path`. */
function samePath (path: string, named: string): boolean {
  const relative = named.replace(/^\.\//, '')
  return path === relative || path.endsWith(`/${relative}`)
}

/** A search hit: `path:12:text` (a search over files) or `12:text` (a search in one file). */
const HIT_IN_FILES = /^([^\s:]+):(\d+):/gm
const HIT_IN_FILE = /^(\d+):/gm

/**
 * Reads a later search points into: a Grep whose match line (not a context line) falls in the lines a numbered
 * read showed. The model searched for something in those lines after reading them: what it works on.
 */
function pointedReads (reads: ResultEntry[], entries: ResultEntry[]): Set<string> {
  const pointed = new Set<string>()
  const numbered = reads.filter((read) => read.lines !== undefined)
  if (numbered.length === 0) return pointed
  for (const entry of entries) {
    if (entry.call?.name !== 'Grep') continue
    const input = entry.call.input as Record<string, unknown>
    const inFile = entry.kind === 'read' ? entry.path : undefined
    const hits: Array<[string, number]> = inFile === undefined
      ? [...entry.text.matchAll(HIT_IN_FILES)].map((match) => [match[1]!, Number(match[2])])
      : [...entry.text.matchAll(HIT_IN_FILE)].map((match) => [inFile, Number(match[1])])
    if (hits.length === 0 || (inFile === undefined && input.output_mode !== 'content')) continue
    for (const read of numbered) {
      if (read.message >= entry.message || pointed.has(read.id)) continue
      if (hits.some(([path, line]) => samePath(read.path!, path) && line >= read.lines![0] && line <= read.lines![1])) pointed.add(read.id)
    }
  }
  return pointed
}

/**
 * Whether later reads of the same file show everything `read` showed: a whole-file read, a read of the same
 * part, or numbered reads whose line ranges together cover its lines.
 */
function covered (read: ResultEntry, later: ResultEntry[], byLines: boolean): boolean {
  if (later.some((next) => next.partial !== true || next.part === read.part)) return true
  if (read.lines === undefined || !byLines) return false
  const ranges = later.flatMap((next) => next.lines === undefined ? [] : [next.lines]).sort((a, b) => a[0] - b[0])
  let reach = read.lines[0] - 1
  for (const [from, to] of ranges) {
    if (from > reach + 1) break
    reach = Math.max(reach, to)
  }
  return reach >= read.lines[1]
}

/** How many tokens of reads are kept, and how they are chosen (see readRoles). */
export interface ReadBudget {
  tokens: number
  /** Up to this many when they are reads of files the last turns touched (working-set selection only). */
  hotTokens: number
  /** false: the reads of edited or requested files, newest first, up to `tokens` (no pointers, no heat). */
  workingSet: boolean
}

export interface ReadRoles {
  /** Reads whose content a later read or Write of the same file shows: cleared first, whatever the file. */
  superseded: Set<string>
  /** Reads of the working set kept when old (see readRoles). */
  protectedIds: Set<string>
}

/**
 * Reads that keep their content when old, decided from what the conversation has shown so far (never from
 * what comes later). Plain selection: the reads of files the session edited (Edit/Write) or that the user's
 * own words name (the path, or the module: "coerce" for functions/coerce.js), newest first, up to
 * `budget.tokens`. Working-set selection (where batches come early, see policy.ts) also counts files a later
 * Grep hit points into, and keeps first the newest read of each file (the most recently touched file first),
 * then reads a search hit points into, then older parts — an older, large part of a file the last
 * ACTIVE_TURNS did not touch goes — up to `budget.tokens` for files not touched lately and `budget.hotTokens`
 * in all. A read is *superseded* when later reads of the same file show at least as much (a whole-file read,
 * the same part, or, in working-set selection, line ranges covering it) or a later Write put the whole new
 * content in the conversation.
 */
export function readRoles (messages: ChatMessage[], entries: ResultEntry[], calls: ReadonlyMap<string, ToolCall>, budget: ReadBudget = { tokens: Infinity, hotTokens: Infinity, workingSet: true }): ReadRoles {
  const { tokens: keepReadTokens, hotTokens: hotReadTokens, workingSet } = budget
  const superseded = new Set<string>()
  const protectedIds = new Set<string>()
  const reads = entries.filter((entry) => entry.kind === 'read' && entry.path !== undefined)
  const paths = [...new Set(reads.map((read) => read.path!))]
  const edited = new Set<string>()
  const written = new Map<string, number>()
  /** The last message that pointed at each read file other than by reading it. */
  const pointed = new Map<string, number>()
  const point = (named: string, at: number): void => {
    for (const path of paths) if (samePath(path, named) && (pointed.get(path) ?? -1) < at) pointed.set(path, at)
  }
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'assistant') continue
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue
      const call = calls.get(block.id)
      const path = filePathOf(call)
      if (call === undefined || path === undefined) continue
      if (isEdit(call)) {
        edited.add(path)
        if (call.name === 'Write') written.set(path, index)
      }
      // A Grep or listing in the file (a Read is a read, not a pointer).
      if (call.name !== 'Read') point(path, index)
    }
  }
  // The user's own words: the text of user turns, without the client's injected context (CLAUDE.md, reminders).
  const userText = messages.filter((message) => message.role === 'user').map((message) => joinTextBlocks(message.content.filter((block) => block.type === 'text'))).join('\n').replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '')
  const hit = workingSet ? pointedReads(reads, entries) : new Set<string>()
  const working = new Set(paths.filter((path) => edited.has(path) || names(userText, path) || reads.some((read) => read.path === path && hit.has(read.id))))
  const live: ResultEntry[] = []
  for (const [i, read] of reads.entries()) {
    const later = reads.slice(i + 1).filter((next) => next.path === read.path)
    if (covered(read, later, workingSet) || (written.get(read.path!) ?? -1) > read.message) superseded.add(read.id)
    else if (working.has(read.path!)) live.push(read)
  }
  // When each file was last touched (read, edited, pointed at): the files the session works on now come first.
  const lastTouch = new Map(pointed)
  for (const read of live) lastTouch.set(read.path!, Math.max(lastTouch.get(read.path!) ?? -1, read.message))
  const touched = (path: string): number => lastTouch.get(path) ?? -1
  // First the newest read of each file, the most recently touched file first; then older reads of other parts.
  const newest = new Map<string, ResultEntry>()
  for (const read of [...live].reverse()) if (!newest.has(read.path!)) newest.set(read.path!, read)
  const byHeat = (a: ResultEntry, b: ResultEntry): number => touched(b.path!) - touched(a.path!) || b.message - a.message
  const isNewest = (read: ResultEntry): boolean => newest.get(read.path!) === read
  const first = (read: ResultEntry): boolean => isNewest(read) || hit.has(read.id)
  const order = !workingSet ? [...live].reverse() : [...live.filter(isNewest).sort(byHeat), ...live.filter((read) => !isNewest(read) && hit.has(read.id)).sort(byHeat), ...live.filter((read) => !first(read)).sort(byHeat)]
  // An older part of a file the last few turns did not touch is kept only when small: a large one is read again if needed.
  const activeFrom = recentStart(messages, ACTIVE_TURNS)
  let kept = 0
  let keptCold = 0
  for (const read of order) {
    if (workingSet && !first(read) && touched(read.path!) < activeFrom && read.tokens > SMALL_READ_TOKENS) continue
    const hot = workingSet && touched(read.path!) >= activeFrom
    if (kept + read.tokens > hotReadTokens || (!hot && keptCold + read.tokens > keepReadTokens)) continue
    kept += read.tokens
    if (!hot) keptCold += read.tokens
    protectedIds.add(read.id)
  }
  return { superseded, protectedIds }
}
