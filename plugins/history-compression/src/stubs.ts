import type { ResultEntry } from './result-kinds.ts'
import { filePathOf, numberedLines } from './result-kinds.ts'

/** A stub names at most this many files (the rest are counted), so it stays a fraction of what it replaces. */
const MAX_NAMED_FILES = 40

/**
 * Paths a result names, in order of first appearance: tokens with a directory and an extension
 * (`classes/range.js`, `/repo/src/a.ts:12:3`) or a file name that starts a line (grep's `README.md:396:`).
 * The paths are what a session navigates by; the content can be fetched again, the paths it would not know.
 */
export function pathsNamed (text: string): string[] {
  const found = new Set<string>()
  const pathToken = /(?:^|[\s'"`(=[:,])((?:\.{0,2}\/)?(?:[\w@.+-]+\/)+[\w@+-][\w@.+-]*\.[A-Za-z][A-Za-z0-9]{0,9})(?=$|[\s'"`):,\]]|[:-]\d)/gm
  const lineStart = /^([\w@+-][\w@.+-]*\.[A-Za-z][A-Za-z0-9]{0,9})(?=[:-]\d+[:-])/gm
  for (const pattern of [pathToken, lineStart]) {
    for (const match of text.matchAll(pattern)) found.add(match[1]!)
  }
  // Keep the order of appearance across both patterns.
  return [...found].sort((a, b) => text.indexOf(a) - text.indexOf(b))
}

function quoted (value: string, max = 120): string {
  const short = value.length > max ? `${value.slice(0, max - 3)}...` : value
  return `\`${short.replace(/`/g, "'").replace(/\n/g, ' ')}\``
}

const lineCount = (text: string): number => text === '' ? 0 : text.split('\n').length

function namedFiles (text: string, except: string | undefined): string {
  const paths = pathsNamed(text).filter((path) => path !== except)
  if (paths.length === 0) return ''
  const shown = paths.slice(0, MAX_NAMED_FILES)
  return ` Files it named: ${shown.join(', ')}${paths.length > shown.length ? ` and ${paths.length - shown.length} more` : ''}.`
}

/**
 * What a cleared result says instead: what it was, how big, the files it named, and how to get it back.
 * `superseded` marks a read whose content a later read or Write of the same file shows.
 */
export function placeholderFor (entry: ResultEntry, superseded = false): string {
  const call = entry.call
  const input = (call?.input ?? {}) as Record<string, unknown>
  const name = call?.name ?? 'a tool'
  const size = `${lineCount(entry.text).toLocaleString('en-US')} lines, ~${entry.tokens.toLocaleString('en-US')} tokens`
  if (entry.kind === 'read' && entry.path !== undefined) {
    // Only a read that ends with the file's lines names its range (a stub's bytes are part of batch decisions).
    const lines = numberedLines(entry.text, false)
    const where = lines === undefined ? '' : ` (lines ${lines[0]}–${lines[1]})`
    if (superseded) return `[lynkr: an older ${name} of ${entry.path}${where} was cleared from the history: a later read or Write of that file below shows its content.]`
    const again = lines === undefined ? 'Read the file again' : `Read it again (offset ${lines[0]}, limit ${lines[1] - lines[0] + 1})`
    return `[lynkr: the content of ${entry.path}${where} read by ${name} (${size}) was cleared from the history to save context. ${again} if you need it.]`
  }
  if (typeof input.command === 'string') {
    return `[lynkr: the output of ${name} ${quoted(input.command)} (${size}) was cleared from the history to save context.${namedFiles(entry.text, undefined)} Re-run the command if you need it again.]`
  }
  const detail = [input.pattern, input.query, input.url].find((value) => typeof value === 'string') as string | undefined
  const path = filePathOf(call)
  const what = `${name}${detail === undefined ? '' : ` ${quoted(detail)}`}${path === undefined ? '' : ` in ${path}`}`
  return `[lynkr: the result of ${what} (${size}) was cleared from the history to save context.${namedFiles(entry.text, path)} Call the tool again if you need it.]`
}
