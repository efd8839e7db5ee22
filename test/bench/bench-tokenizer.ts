// `pnpm bench:tokenizer`: what counting tokens costs and how close each option counts. Memory: every option
// runs in a fresh process (test/bench/tokenizer-probe.cjs) and counts the texts of the largest Claude Code
// request of the corpus; RSS and heap before loading, once counting, and 2 s after the tokenizer is released,
// under glibc's defaults and with the malloc variables that return freed memory sooner. Accuracy: each
// option's count_tokens answer against the o200k answer (today's) on every Claude Code request of the corpus.
// Speed: counting a whole session as the gateway does (piece cache) against tokenizing every piece again.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as o200k from 'gpt-tokenizer/encoding/o200k_base'
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base'
import { countRequestTokens, requestPieces, stopTokenizer, withSafetyFactor } from '../../packages/core/src/tokens/count-tokens.ts'
import { claudeCodeRequests } from '../token-corpus/countable-requests.ts'

const probe = fileURLToPath(new URL('./tokenizer-probe.cjs', import.meta.url))
const coreDir = fileURLToPath(new URL('../../packages/core/', import.meta.url))
const requests = claudeCodeRequests()

// Accuracy.
const counters: Record<string, (text: string) => number> = {
  cl100k_base: (text) => cl100k.countTokens(text, { disallowedSpecial: new Set() }),
  'chars / 4': (text) => Math.ceil(text.length / 4),
  'chars / 3.5': (text) => Math.ceil(text.length / 3.5)
}
const reference = requests.map(({ request }) => {
  const { texts, fixed } = requestPieces(request)
  return withSafetyFactor(texts.reduce((sum, text) => sum + o200k.countTokens(text, { disallowedSpecial: new Set() }), 0), fixed)
})
console.log(`accuracy: count_tokens answer / o200k answer on ${requests.length} Claude Code requests (${new Set(requests.map((r) => r.session)).size} sessions)`)
console.log('option          min     mean    max     beyond ±10 %')
for (const [name, count] of Object.entries(counters)) {
  const ratios = requests.map(({ request }, i) => {
    const { texts, fixed } = requestPieces(request)
    return withSafetyFactor(texts.reduce((sum, text) => sum + count(text), 0), fixed) / reference[i]!
  })
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length
  const beyond = ratios.filter((ratio) => Math.abs(ratio - 1) > 0.1).length
  console.log(`${name.padEnd(16)}${Math.min(...ratios).toFixed(3)}   ${mean.toFixed(3)}   ${Math.max(...ratios).toFixed(3)}   ${beyond}`)
}

// Speed of the piece cache: one session counted request by request, as Claude Code's resends arrive (the
// gateway's counter, cl100k in this thread), against the same tokenizer on every piece of every request.
const longest = requests.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.session]: (acc[r.session] ?? 0) + 1 }), {})
const session = Object.entries(longest).sort((a, b) => b[1] - a[1])[0]![0]
const sessionRequests = requests.filter((r) => r.session === session).map((r) => r.request)
await countRequestTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'warm up' }] }] })
let began = performance.now()
for (const request of sessionRequests) await countRequestTokens(request)
const cachedMs = performance.now() - began
began = performance.now()
for (const request of sessionRequests) for (const text of requestPieces(request).texts) cl100k.countTokens(text, { disallowedSpecial: new Set() })
const uncachedMs = performance.now() - began
await stopTokenizer()
console.log(`\nspeed: session ${session} (${sessionRequests.length} requests) counted with the piece cache ${Math.round(cachedMs)} ms, every piece tokenized again ${Math.round(uncachedMs)} ms`)

// Memory.
const largest = requests.map(({ request }) => requestPieces(request).texts).sort((a, b) => b.join('').length - a.join('').length)[0]!
const dir = mkdtempSync(join(tmpdir(), 'lynkr-tokenizer-'))
const textFile = join(dir, 'pieces.json')
writeFileSync(textFile, JSON.stringify(largest))
const envs: Record<string, Record<string, string>> = {
  'glibc defaults': {},
  MALLOC_ARENA_MAX: { MALLOC_ARENA_MAX: '2' },
  'MALLOC_TRIM_THRESHOLD_': { MALLOC_TRIM_THRESHOLD_: '131072', MALLOC_ARENA_MAX: '2' }
}
const options: Array<[string, string]> = [['none', 'main'], ['o200k_base', 'worker'], ['o200k_base', 'main'], ['cl100k_base', 'worker'], ['cl100k_base', 'main']]
console.log(`\nmemory: counting the largest request (${largest.join('').length.toLocaleString('en')} characters) in a fresh Node ${process.versions.node} process, MB`)
console.log('option               malloc env               RSS before  loaded  released   heap loaded  load ms  count ms')
try {
  for (const [envName, env] of Object.entries(envs)) {
    for (const [encoding, place] of options) {
      const run = spawnSync(process.execPath, ['--expose-gc', probe, encoding, place, textFile], { cwd: coreDir, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' })
      if (run.status !== 0) throw new Error(run.stderr)
      const r = JSON.parse(run.stdout) as { loadMs: number, countMs: number, before: { rss: number }, loaded: { rss: number, heap: number }, released: { rss: number } }
      const name = encoding === 'none' ? 'no tokenizer (chars)' : `${encoding} ${place}`
      console.log(`${name.padEnd(21)}${envName.padEnd(25)}${String(r.before.rss).padStart(10)}${String(r.loaded.rss).padStart(8)}${String(r.released.rss).padStart(10)}${String(r.loaded.heap).padStart(14)}${String(r.loadMs).padStart(9)}${String(r.countMs).padStart(10)}`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
