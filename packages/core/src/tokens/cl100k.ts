import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/**
 * The BPE that counts tokens: gpt-tokenizer's cl100k_base, in the gateway's own thread.
 *
 * Why cl100k and not o200k, and why no worker (`pnpm bench:tokenizer` measures both): on every Claude Code
 * request of the token corpus, cl100k's count_tokens answer is within 1 % of o200k's (0.991–1.001), with half
 * the rank table: about 8 MB of heap and 40 MB of RSS once loaded in the main thread, against about 80 MB for
 * o200k in a worker (a second V8 isolate with its own heap and malloc arena, 25–40 MB of which glibc keeps
 * after the worker stops). Loading blocks the loop once per process (about 90 ms on an idle core, a few hundred
 * on a busy one); counting a 200 KB prompt takes about 40 ms, in slices that yield to the event loop
 * (count-tokens.ts), so streams in flight are not stalled by it.
 */
const require = createRequire(import.meta.url)

export interface Encoding { countTokens: (text: string, options: { disallowedSpecial: Set<string> }) => number }

/**
 * A fresh encoding. Nothing else holds the rank table, so once the caller drops the encoding the garbage
 * collector frees it (a closed host gets it back).
 */
export function createEncoding (): Encoding {
  const { GptEncoding } = require('gpt-tokenizer/GptEncoding') as {
    GptEncoding: { getEncodingApi: (name: string, ranks: () => unknown) => Encoding & { setMergeCacheSize: (size: number) => void } }
  }
  const ranks = readRanks(require.resolve('gpt-tokenizer/bpeRanks/cl100k_base'))
  const encoding = GptEncoding.getEncodingApi('cl100k_base', () => ranks)
  // Its default (100,000 merged words) grows the heap by tens of MB on a long-lived gateway.
  encoding.setMergeCacheSize(10_000)
  return encoding
}

/** JavaScript escapes JSON does not have, as JSON spells them. */
const JS_ESCAPES: Record<string, string> = { v: '\\u000b', 0: '\\u0000', "'": "'" }

/**
 * The rank table, read as data. The package ships it as a 1.2 MB JavaScript module (two array literals of
 * 100,256 strings); compiling that left ~25 MB of RSS and ~3.5 MB of heap behind even after the table was
 * dropped, against ~10 MB and nothing for JSON.parse of the same literals (measured on Node 20: RSS +35 -> +21 MB
 * loaded). The literals become JSON: indentation goes, JavaScript-only escapes and raw control characters
 * are spelled as JSON escapes. Should the file's layout change (gpt-tokenizer is pinned), require() reads it.
 */
export function readRanks (path: string): Array<string | number[]> {
  const literals = [...readFileSync(path, 'utf8').matchAll(/^const c\d+ = (\[[\s\S]*?\n\]);$/gm)].map((match) => match[1]!)
  if (literals.length > 0) {
    try {
      return literals.flatMap((literal) => JSON.parse(asJson(literal)) as Array<string | number[]>)
    } catch { /* not the layout this reads */ }
  }
  try {
    return (require(path) as { default: Array<string | number[]> }).default
  } finally {
    delete require.cache[path]
  }
}

function asJson (literal: string): string {
  return literal
    .replace(/^\t+/gm, '')
    .replace(/\\(x[0-9a-fA-F]{2}|.)/g, (escape, code: string) => code.length === 3 ? `\\u00${code.slice(1)}` : JS_ESCAPES[code] ?? escape)
    .replace(/[\u0000-\u0009\u000b-\u001f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
