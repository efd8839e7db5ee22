// `pnpm bench:memory`: recall latency (p50/p99) at 10k and 100k memories (and 1M with BENCH_MEMORY_1M=1) on a
// file store in WAL mode, as the gateway runs it: the rarest terms of a Claude-Code-sized prompt, bm25 inside
// the project's scope plus global memories, then the finer ranking. Target: p99 ≤ 10 ms at 100k.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrate, openStore } from '@lynkr/storage'
import { migrations } from '../src/schema.ts'
import { MemoryStore } from '../src/store.ts'
import { seededRandom } from '@lynkr/core/testing'
import { GLOBAL_SCOPE, workspaceScope } from '../src/text.ts'

const QUERIES = Number(process.env.BENCH_MEMORY_QUERIES ?? 2000)
const sizes = [10_000, 100_000, ...(process.env.BENCH_MEMORY_1M === '1' ? [1_000_000] : [])]
const WORKSPACES = 50

// Deterministic pseudo-random numbers, so every run measures the same data.
const random = seededRandom(42)
const syllables = ['ka', 'lo', 'mi', 'ra', 'ten', 'vo', 'sul', 'pre', 'dan', 'xi', 'bor', 'qu', 'el', 'fin', 'gra', 'ho', 'jun', 'nex', 'op', 'wy']
const vocabulary = Array.from({ length: 30_000 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''))
const common = 'the app uses we prefer decided service database test build deploy config file function api server client queue cache user project'.split(' ')
/** Zipf-like: a few words are everywhere, most are rare (as in real notes). */
const word = (): string => random() < 0.35 ? common[Math.floor(random() * common.length)]! : vocabulary[Math.floor(vocabulary.length * Math.pow(random(), 2.2))]!
const sentence = (length: number): string => Array.from({ length }, word).join(' ')

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

const dir = mkdtempSync(join(tmpdir(), 'lynkr-bench-memory-'))
try {
  const { db, handle } = openStore(dir)
  await migrate(db, 'memory', migrations)
  const store = new MemoryStore(db, handle)
  const scopes = Array.from({ length: WORKSPACES }, (_, i) => workspaceScope(`/home/dev/project-${i}`))
  let loaded = 0
  console.log(`memory recall benchmark: ${QUERIES} queries of ~60 words, ${WORKSPACES} projects + global, limit 5`)
  for (const size of sizes) {
    const started = performance.now()
    while (loaded < size) {
      const batch = Math.min(20_000, size - loaded)
      await store.addMany(Array.from({ length: batch }, () => ({
        scope: random() < 0.1 ? GLOBAL_SCOPE : scopes[Math.floor(random() * WORKSPACES)]!,
        kind: 'fact' as const,
        content: sentence(8 + Math.floor(random() * 16)),
        importance: random(),
        source: 'bench',
        created_at: Date.now() - Math.floor(random() * 200 * 86_400_000)
      })))
      loaded += batch
    }
    const loadSeconds = (performance.now() - started) / 1000
    const times: number[] = []
    const cpu: number[] = []
    let hits = 0
    for (let i = 0; i < QUERIES + 100; i++) {
      const query = sentence(40 + Math.floor(random() * 40))
      const scope = scopes[Math.floor(random() * WORKSPACES)]!
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const found = store.search(query, [scope, GLOBAL_SCOPE], 5, { halfLifeDays: 30 })
      const elapsed = performance.now() - t0
      const used = process.cpuUsage(c0)
      // The first 100 warm the caches.
      if (i >= 100) { times.push(elapsed); cpu.push((used.user + used.system) / 1000); if (found.length > 0) hits++ }
    }
    times.sort((a, b) => a - b)
    cpu.sort((a, b) => a - b)
    // CPU time is reported too: on a shared machine the wall-clock tail measures the neighbours.
    console.log(`${String(size).padStart(9)} memories: p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms` +
      ` | CPU p50 ${percentile(cpu, 0.5).toFixed(2)} ms, p99 ${percentile(cpu, 0.99).toFixed(2)} ms (queries with results: ${hits}/${QUERIES}; loaded in ${loadSeconds.toFixed(1)} s)`)
  }
  await db.destroy()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
