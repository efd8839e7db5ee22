/**
 * `pnpm bench:phases [--rounds N] [--profiles anthropic,local-16k] [--only all|passthrough] [--session id]`:
 * the per-request time the token phases add (issue 14: under 2 ms p50 on a 100-request session), measured by
 * phase-overhead.ts so that it survives a busy machine — paired per request against passthrough, many rounds,
 * with the pipeline's and each step's own time measured inside the gateway alongside. `--only all` replays the
 * all-phases gateway alone (for `node --cpu-prof`).
 */
import { join } from 'node:path'
import { readSession } from '../token-corpus/corpus-format.ts'
import { corpusDir } from '../token-corpus/paths.ts'
import { PROFILES } from './token-replay.ts'
import { measureOverhead, overheadRows, overheadTable, overheadVerdict } from './phase-overhead.ts'

const args = process.argv.slice(2)
const option = (name: string): string | undefined => { const at = args.indexOf(name); return at === -1 ? undefined : args[at + 1] }
const rounds = Number(option('--rounds') ?? 5)
const only = option('--only') as 'all' | 'passthrough' | undefined
const profiles = PROFILES.filter((profile) => (option('--profiles') ?? 'anthropic,local-16k').split(',').includes(profile.id))
const session = readSession(join(corpusDir, `${option('--session') ?? 'overhead-100'}.jsonl.gz`))
for (const profile of profiles) {
  const result = await measureOverhead(session, profile, { rounds, only, progress: (text) => process.stderr.write(`${text}\n`) })
  process.stdout.write(`\n${session.header.id}: ${result.requests} requests × ${rounds} rounds, ${profile.id} profile (fake upstream); per-request medians over rounds, then p50/p90 over the session\n\n`)
  process.stdout.write(`${overheadTable(overheadRows(result, true))}\n`)
  const verdict = overheadVerdict(result)
  if (verdict.length > 0) process.stdout.write(`\n${profile.id}: ${verdict.join('\n')}\n`)
}
