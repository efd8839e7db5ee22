import { setFlagsFromString } from 'node:v8'

/**
 * V8 settings for the CLI's long-running gateway (bench:footprint measures each, README "Footprint"). V8's
 * defaults suit a throughput-bound batch job: the young generation grows to 2 × 16 MB during boot and stays
 * there, and the old generation may grow to several times what is live before it is collected again.
 * - max-semi-space-size: caps the young generation of every isolate created from now on (the usage ledger's
 *   worker thread; the tokenizer now runs in the main thread); the main isolate already exists, its limit is fixed at creation.
 * - semi-space-growth-factor=1: the main isolate's young generation keeps its initial size through boot (Node
 *   20's V8: idle RSS 116 -> 91 MB; more scavenges at boot, lost in the noise of start times at load ~17). It
 *   can still grow under load, and newer V8s raise a factor below 2 to 2: NODE_OPTIONS=--max-semi-space-size=1
 *   is the complete setting (the Docker image has it). A full collection does not shrink it back.
 * - heap-growing-percent=100: the old generation is collected once it doubles what was live (V8 lets it reach
 *   up to 4x). 10,000 requests in bench:footprint at load ~16: RSS 2 s after 236-251 MB with V8's own choice,
 *   206 MB at 100 %, 195 MB at 30 %; the burst took 14 s, 17 s and 18-21 s.
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
