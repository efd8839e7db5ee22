import { setFlagsFromString } from 'node:v8'

/**
 * V8 settings for the CLI's long-running gateway (bench:footprint measures each, README "Footprint"). V8's
 * defaults suit a throughput-bound batch job: the young generation grows to 2 × 16 MB under load and stays
 * there, and the old generation may grow to several times what is live before it is collected again.
 * The bin's shebang gives the first two to node at start (`#!/usr/bin/env -S node --max-semi-space-size=1
 * --heap-growing-percent=100`): V8 fixes the main isolate's young-generation limit when it is created, and
 * NODE_OPTIONS refuses --heap-growing-percent. npm's and pnpm's cmd-shims copy `env -S` arguments into their
 * Windows and shell shims; `npx lynkr` and a .bin symlink run the shebang. Flags on node's command line win
 * over NODE_OPTIONS, so a user's NODE_OPTIONS heap flag of the same family loses to the shebang's: run
 * `node --max-semi-space-size=16 path/to/bin/lynkr.js` to choose otherwise. This list is what the bin still
 * applies at run time when started as `node bin/lynkr.js` (the Docker image, tests), skipping what is set:
 * - max-semi-space-size: from here on, only isolates created later (the usage ledger's worker thread).
 * - semi-space-growth-factor=1: the main isolate's young generation keeps its initial size through boot (Node
 *   20's V8; newer V8s raise a factor below 2 to 2).
 * - heap-growing-percent=100: the old generation is collected once it doubles what was live (V8 lets it reach
 *   up to 4x). 10,000 requests in bench:footprint at load ~16: RSS 2 s after 236-251 MB with V8's own choice,
 *   206 MB at 100 %, 195 MB at 30 %; the burst took 14 s, 17 s and 18-21 s.
 * With the young generation capped from the start (the shebang), bench:footprint at load ~6: RSS 2 s after
 * 10,000 mixed requests 165 -> 146 MB (main young generation 32 -> 2 MB), idle unchanged.
 * Set from the CLI only: a host that embeds lynkr keeps its own process settings.
 */
export const HEAP_FLAGS = ['--max-semi-space-size=1', '--semi-space-growth-factor=1', '--heap-growing-percent=100']

/** Which flags a user's own setting replaces: the young generation's, or the old generation's. */
const FAMILIES: Array<{ ours: RegExp, theirs: RegExp }> = [
  { ours: /semi-space/, theirs: /^--(max|min)[-_]semi[-_]space|^--semi[-_]space/ },
  { ours: /heap-growing/, theirs: /^--max[-_]old[-_]space|^--heap[-_]growing/ }
]

/** The flags to apply: those of a family the user set on the command line or in NODE_OPTIONS are theirs. */
export function heapFlags (execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)]
  return HEAP_FLAGS.filter((flag) => {
    const family = FAMILIES.find(({ ours }) => ours.test(flag))!
    return !given.some((option) => family.theirs.test(option))
  })
}

export function applyHeapFlags (): void {
  for (const flag of heapFlags(process.execArgv, process.env.NODE_OPTIONS)) setFlagsFromString(flag)
}
