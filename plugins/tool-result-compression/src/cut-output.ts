import type { OutputKind } from './classify-output.ts'
import { countOmitted } from './listing-counts.ts'

export interface CutOptions {
  kind: OutputKind
  /** Outputs longer than this (in characters) are cut to about this size. */
  maxChars: number
  /** The tool that produced the output (Claude Code's Bash, Grep…), for the notice's re-run hint. */
  tool: string
  /** Cut file reads too (off by default: the model asked for that content). */
  cutFileReads: boolean
}

/**
 * Per kind, as shares of `maxChars`: the size above which an output is cut, and how what is kept is shared
 * between the first lines, the last lines and the lines that matter in between. A test run's passing lines
 * carry nothing, so it is cut early but keeps its failures generously; a listing keeps less than other output
 * (the model can narrow the search).
 */
const SHARES: Record<Exclude<OutputKind, 'file-read'>, { threshold: number, head: number, tail: number, important: number }> = {
  'test-run': { threshold: 0.25, head: 0.04, tail: 0.16, important: 0.7 },
  listing: { threshold: 0.5, head: 0.3, tail: 0.15, important: 0 },
  generic: { threshold: 1, head: 0.5, tail: 0.3, important: 0.2 }
}

const FAILURE_START = /^\s*(?:not ok \d+|✖|✕|×|●\s|FAIL\b|FAILED\b|--- FAIL|\d+\) \S|_{3,} .+ _{3,}$|ERROR\b|Error:|AssertionError|thread '.*' panicked)/
const TEST_BOUNDARY = /^\s*(?:ok \d+|not ok \d+|✔|✓|√|PASS\b|✖|✕|×|●\s|--- (?:PASS|FAIL)|# Subtest:|▶)/
const ERROR_LINE = /\b(?:error|errors|exception|traceback|panic(?:ked)?|fatal|failed|failure|denied|not found|cannot|unable)\b/i
const MAX_BLOCK_LINES = 60
/** One line longer than this share of the budget is itself cut in the middle. */
const LONG_LINE_SHARE = 0.25

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`

/** The range hint: how to get omitted lines back, in the tool's own terms. */
function rerunHint (tool: string, from: number, to: number): string {
  const range = `sed -n '${from},${to}p'`
  if (tool === 'Bash' || tool === 'bash' || tool === 'shell') return `re-run the command with \`| ${range}\` appended`
  if (tool === 'Grep' || tool === 'Glob') return `search again with a narrower pattern, path or glob, or run the search in Bash piped through \`${range}\``
  return 'call the tool again with a narrower request'
}

function marksFailures (lines: string[], keep: Uint8Array, budget: number): number {
  let used = 0
  for (let i = 0; i < lines.length && used < budget; i++) {
    if (!FAILURE_START.test(lines[i]!)) continue
    const indent = /^\s*/.exec(lines[i]!)![0].length
    let end = i + 1
    // A failure's block: its indented details (TAP YAML, stack, diff) until the next test at its level.
    while (end < lines.length && end - i < MAX_BLOCK_LINES) {
      const line = lines[end]!
      const lineIndent = /^\s*/.exec(line)![0].length
      if (line.trim() !== '' && lineIndent <= indent && TEST_BOUNDARY.test(line)) break
      end++
    }
    for (let j = i; j < end && used < budget; j++) {
      if (keep[j] === 0) { keep[j] = 1; used += lines[j]!.length + 1 }
    }
    i = end - 1
  }
  return used
}

function marksErrors (lines: string[], keep: Uint8Array, budget: number): void {
  let used = 0
  for (let i = 0; i < lines.length && used < budget; i++) {
    if (keep[i] === 0 && ERROR_LINE.test(lines[i]!)) { keep[i] = 1; used += lines[i]!.length + 1 }
  }
}

/** Characters `from`–`to` (1-based, inclusive) of a line cut in the middle. */
type LineCut = readonly [from: number, to: number]

function shortenLine (line: string, max: number): { text: string, cut?: LineCut } {
  if (line.length <= max) return { text: line }
  const head = Math.floor(max * 0.6)
  const tail = Math.floor(max * 0.3)
  const cut: LineCut = [head + 1, line.length - tail]
  return { text: `${line.slice(0, head)} … [lynkr: characters ${cut[0].toLocaleString('en-US')}–${cut[1].toLocaleString('en-US')} of this line omitted] … ${line.slice(line.length - tail)}`, cut }
}

/**
 * How to see the middle of a long line: re-running for its line number alone gives the same long line, cut the
 * same way, so the hint names the character range too.
 */
function longLineHint (tool: string, line: number, [from, to]: LineCut): string {
  const range = `sed -n '${line}p' | cut -c ${from}-${to}`
  const what = `to see the omitted characters of line ${line.toLocaleString('en-US')}, `
  if (tool === 'Bash' || tool === 'bash' || tool === 'shell') return `${what}re-run the command with \`| ${range}\` appended`
  if (tool === 'Grep' || tool === 'Glob') return `${what}run the search in Bash piped through \`${range}\``
  return `${what}call the tool again with a narrower request`
}

/**
 * Cuts one tool output when it is larger than its kind's share of `maxChars`, type-aware: test runs keep their failures and the summary,
 * listings (grep, find, git log, ls) their first and last lines, other output its head, tail and error lines.
 * Every omitted range is marked where it was and the output ends with a notice saying what was cut and how
 * to see it. Pure: the same output and options always give the same bytes. Returns `text` itself when it is
 * short enough or a file read (unless `cutFileReads`).
 */
export function cutOutput (text: string, options: CutOptions): string {
  if (options.kind === 'file-read' && !options.cutFileReads) return text
  const kind = options.kind === 'file-read' ? 'generic' : options.kind
  const share = SHARES[kind]
  if (text.length <= options.maxChars * share.threshold) return text
  const budget = Math.floor(options.maxChars * 0.9)
  const longLine = Math.max(200, Math.floor(budget * LONG_LINE_SHARE))
  const shortened = text.split('\n').map((line) => shortenLine(line, longLine))
  const lines = shortened.map((line) => line.text)
  const keep = new Uint8Array(lines.length)

  let used = 0
  const headBudget = budget * share.head
  for (let i = 0; i < lines.length && used + lines[i]!.length + 1 <= headBudget; i++) { keep[i] = 1; used += lines[i]!.length + 1 }
  let tailUsed = 0
  for (let i = lines.length - 1; i >= 0 && keep[i] === 0 && tailUsed + lines[i]!.length + 1 <= budget * share.tail; i--) {
    keep[i] = 1
    tailUsed += lines[i]!.length + 1
  }
  // What head and tail did not use goes to the lines that matter.
  const importantBudget = Math.max(0, Math.min(budget * share.important, budget - used - tailUsed))
  if (kind === 'test-run') {
    const failures = marksFailures(lines, keep, importantBudget)
    marksErrors(lines, keep, importantBudget - failures)
  } else if (kind === 'generic') {
    marksErrors(lines, keep, importantBudget)
  }
  // The first long line the model will see cut in the middle: the notice says how to get its middle back.
  const long = shortened.findIndex((line, i) => line.cut !== undefined && keep[i] === 1)
  if (keep.every((kept) => kept === 1)) {
    // Few, very long lines: shortening them was the cut.
    const joined = lines.join('\n')
    return joined.length < text.length ? `${joined}\n[lynkr: output truncated: ${(text.length - joined.length).toLocaleString('en-US')} characters omitted from long lines; ${longLineHint(options.tool, long + 1, shortened[long]!.cut!)}]` : text
  }

  const out: string[] = []
  let omitted = 0
  let firstGap: [number, number] | undefined
  for (let i = 0; i < lines.length;) {
    if (keep[i] === 1) { out.push(lines[i]!); i++; continue }
    let end = i
    while (end < lines.length && keep[end] === 0) end++
    // A listing's gap says what it held (matches per file, paths per directory, commits): where to narrow.
    const counts = kind === 'listing' ? countOmitted(lines.slice(i, end)) : undefined
    out.push(`[… lines ${(i + 1).toLocaleString('en-US')}–${end.toLocaleString('en-US')} omitted${counts === undefined ? '' : ` (${counts})`} …]`)
    omitted += end - i
    firstGap ??= [i + 1, end]
    i = end
  }
  const what = kind === 'test-run' ? 'passing tests and progress omitted; failures and the summary are kept' : kind === 'listing' ? 'the first and last lines are kept' : 'head, tail and error lines are kept'
  const longLines = long === -1 ? '' : `; long lines are cut in the middle: ${longLineHint(options.tool, long + 1, shortened[long]!.cut!)}`
  out.push(`[lynkr: output truncated: ${plural(omitted, 'line')} of ${lines.length.toLocaleString('en-US')} omitted (${what}); to see lines ${firstGap![0]}–${firstGap![1]}, ${rerunHint(options.tool, firstGap![0], firstGap![1])}${longLines}]`)
  const cut = out.join('\n')
  return cut.length < text.length ? cut : text
}
