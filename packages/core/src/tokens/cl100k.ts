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
 * A fresh encoding. The rank table is taken out of require's cache at once, so once the caller drops the
 * encoding nothing else holds the table and the garbage collector frees it (a closed host gets it back).
 */
export function createEncoding (): Encoding {
  const { GptEncoding } = require('gpt-tokenizer/GptEncoding') as {
    GptEncoding: { getEncodingApi: (name: string, ranks: () => unknown) => Encoding & { setMergeCacheSize: (size: number) => void } }
  }
  const ranksPath = require.resolve('gpt-tokenizer/bpeRanks/cl100k_base')
  try {
    const ranks = (require(ranksPath) as { default: unknown }).default
    const encoding = GptEncoding.getEncodingApi('cl100k_base', () => ranks)
    // Its default (100,000 merged words) grows the heap by tens of MB on a long-lived gateway.
    encoding.setMergeCacheSize(10_000)
    return encoding
  } finally {
    delete require.cache[ranksPath]
  }
}
