/**
 * The per-request time the token phases add (issue 14: under 2 ms p50 on a 100-request session), measured so
 * that it survives a busy machine. Each round boots a fresh pair of gateways in this process — passthrough and
 * LYNKR_TOKEN_PHASES=all, each on its own fake upstream of the profile — and sends every request of the
 * session to both, one after the other, alternating which goes first. A request's time is from sending it to
 * lynkr until the fake upstream is asked (parse, steps, translation, send). The paired difference (all −
 * passthrough: the same request, a millisecond apart) is taken per request and round, its median over the
 * rounds per request is that request's overhead, and p50/p90 over the session are the result. Alongside, the
 * time inside each gateway's pipeline until the request goes on, each step's own, which no network noise
 * reaches, and how long the savings count the metrics hear takes after that, off the request's path. Fresh gateways each round: every round sees the session as new.
 */
import { availableParallelism, loadavg } from 'node:os'
import type { ChatRequest, PipelineStep, StepContext, StepReport } from 'lynkr'
import type { CorpusSession } from '../token-corpus/corpus-format.ts'
import { startGateway, type TestGateway } from '../helpers/gateway.ts'
import type { FakeReply, FakeUpstream } from '../helpers/fake-script.ts'
import type { Profile } from './token-replay.ts'

const SUMMARY: FakeReply = { text: 'Summary of the earlier conversation.' }

type SideName = 'passthrough' | 'all'
const SIDES: Array<[SideName, Record<string, string>]> = [['passthrough', {}], ['all', { LYNKR_TOKEN_PHASES: 'all' }]]

/** One gateway of the pair and what was measured on it this round, per request of the session. */
interface Side {
  name: SideName
  gateway: TestGateway
  fake: FakeUpstream
  /** ms from sending until the upstream was asked; NaN when lynkr did not ask it (a refused request). */
  reached: number[]
  pipeline: number[]
  /** ms from the pipeline's return until its savings were counted and reported (off the request's path). */
  counting: number[]
  steps: Map<string, number[]>
  /** Step reports (a step changed the request, so its savings were counted), per request. */
  reports: number[]
  pending: { sentAt: number, at: number | undefined, reply: FakeReply }
}

type Prepared = { request: ChatRequest, reported?: Promise<void> }
type Pipeline = { prepare: (request: ChatRequest, context: StepContext, report?: (report: StepReport) => void) => Promise<Prepared>, list: () => readonly PipelineStep[] }

/** Wraps the gateway's pipeline and each step with a clock — measuring only: what they return is unchanged. */
function instrument (s: Side, current: () => number): void {
  const pipeline = s.gateway.app.lynkr.pipeline as unknown as Pipeline
  const add = (times: number[], index: number, started: number): void => { times[index] = (times[index] ?? 0) + performance.now() - started }
  for (const step of pipeline.list()) {
    const run = step.run.bind(step)
    const times: number[] = []
    s.steps.set(step.name, times)
    ;(step as { run: PipelineStep['run'] }).run = async (request, context) => {
      const started = performance.now()
      try { return await run(request, context) } finally { add(times, current(), started) }
    }
  }
  // A build from before prepare() (the savings were counted inside run, before the request went on).
  if (typeof pipeline.prepare !== 'function') {
    const legacy = pipeline as unknown as { run: (request: ChatRequest, context: StepContext, report?: (report: StepReport) => void) => Promise<ChatRequest> }
    const run = legacy.run.bind(legacy)
    legacy.run = async (request, context, report) => {
      const started = performance.now()
      const index = current()
      try { return await run(request, context, report) } finally { add(s.pipeline, index, started) }
    }
    return
  }
  const prepare = pipeline.prepare.bind(pipeline)
  pipeline.prepare = async (request, context, report) => {
    const started = performance.now()
    const index = current()
    const prepared = await prepare(request, context, report)
    add(s.pipeline, index, started)
    // Off the request's path: from the request's return until the savings were reported.
    const returned = performance.now()
    void prepared.reported?.then(() => { add(s.counting, index, returned) })
    return prepared
  }
}

async function boot (name: SideName, env: Record<string, string>, profile: Profile, current: () => number): Promise<Side> {
  const fake = await profile.start()
  const gateway = await startGateway({ ...profile.env(fake.url), ...env })
  const s: Side = { name, gateway, fake, reached: [], pipeline: [], counting: [], steps: new Map(), reports: [], pending: { sentAt: 0, at: undefined, reply: SUMMARY } }
  // Only the first upstream request of a client request is timed (an internal summary call may follow).
  fake.respondWith(() => {
    s.pending.at ??= performance.now() - s.pending.sentAt
    return s.pending.reply
  })
  instrument(s, current)
  gateway.app.lynkr.events.on('step-completed', () => { s.reports[current()] = (s.reports[current()] ?? 0) + 1 })
  return s
}

async function send (s: Side, request: CorpusSession['requests'][number], index: number): Promise<void> {
  s.pending = { sentAt: performance.now(), at: undefined, reply: request.reply }
  const response = await fetch(`${s.gateway.url}${request.path}`, {
    method: request.method,
    headers: { ...request.headers, 'x-api-key': 'client-key', authorization: 'Bearer client-key' },
    body: request.rawBody
  })
  const text = await response.text()
  s.reached[index] = s.pending.at ?? NaN
  if (process.env.BENCH_DEBUG !== undefined && s.pending.at === undefined) process.stderr.write(`${s.name} #${request.seq}: ${response.status} ${text.slice(0, 200)}\n`)
}

export interface Spread { p50: number, p90: number, max: number, n: number }

export function spread (values: number[]): Spread {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((x, y) => x - y)
  const at = (q: number): number => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { p50: at(0.5), p90: at(0.9), max: sorted.at(-1) ?? NaN, n: sorted.length }
}

export interface OverheadResult {
  profile: Profile['id']
  requests: number
  rounds: number
  /** Per side: ms until the upstream was asked, per request (median over rounds) and over the session. */
  reached: Partial<Record<SideName, Spread>>
  /** all − passthrough, paired per request and round, median over rounds per request; undefined with `only`. */
  added: Spread | undefined
  /** The same for the pipeline's in-process time (steps only, no network, no scheduling between processes). */
  addedInProcess: Spread | undefined
  /** The machine's 1-minute load average at the start and end (on a machine this busy, end-to-end times stretch). */
  load: [number, number]
  /** Per side, measured in process: the whole pipeline (steps and savings counting) and each step. */
  pipeline: Partial<Record<SideName, Spread>>
  /** After the pipeline returned, until the savings were reported (off the request's path), over the requests that counted. */
  counting: Partial<Record<SideName, Spread & { requests: number }>>
  steps: Partial<Record<SideName, Array<[string, Spread]>>>
}

export interface OverheadOptions { rounds: number, only?: SideName, progress?: (text: string) => void }

export async function measureOverhead (session: CorpusSession, profile: Profile, options: OverheadOptions): Promise<OverheadResult> {
  const sides = SIDES.filter(([name]) => options.only === undefined || name === options.only)
  const loadAtStart = loadavg()[0]!
  const rounds: Side[][] = []
  for (let round = 0; round < options.rounds; round++) {
    let index = 0
    const pair: Side[] = []
    try {
      for (const [name, env] of sides) pair.push(await boot(name, env, profile, () => index))
      for (index = 0; index < session.requests.length; index++) {
        // Alternate who goes first, so what the first of two requests pays (a cold cache, a GC) is shared.
        const order = (index + round) % 2 === 0 ? pair : [...pair].reverse()
        for (const s of order) await send(s, session.requests[index]!, index)
      }
    } finally {
      for (const s of pair) { await s.gateway.close(); await s.fake.close() }
    }
    rounds.push(pair)
    options.progress?.(`${profile.id}: round ${round + 1}/${options.rounds} done`)
  }
  const perRequest = (pick: (pair: Side[], request: number) => number): number[] =>
    Array.from({ length: session.requests.length }, (_, request) => spread(rounds.map((pair) => pick(pair, request))).p50)
  const of = (pair: Side[], name: SideName): Side | undefined => pair.find((s) => s.name === name)
  const result: OverheadResult = { profile: profile.id, requests: session.requests.length, rounds: options.rounds, reached: {}, added: undefined, addedInProcess: undefined, load: [loadAtStart, loadavg()[0]!], pipeline: {}, counting: {}, steps: {} }
  for (const [name] of sides) {
    result.reached[name] = spread(perRequest((pair, i) => of(pair, name)!.reached[i]!))
    result.pipeline[name] = spread(perRequest((pair, i) => of(pair, name)!.pipeline[i] ?? NaN))
    const outside = perRequest((pair, i) => {
      const s = of(pair, name)!
      return (s.reports[i] ?? 0) === 0 ? NaN : s.counting[i] ?? NaN
    })
    result.counting[name] = { ...spread(outside), requests: outside.filter(Number.isFinite).length }
    result.steps[name] = [...of(rounds[0]!, name)!.steps.keys()].map((step) => [step, spread(perRequest((pair, i) => of(pair, name)!.steps.get(step)![i] ?? NaN))])
  }
  if (sides.length === 2) {
    result.added = spread(perRequest((pair, i) => of(pair, 'all')!.reached[i]! - of(pair, 'passthrough')!.reached[i]!))
    result.addedInProcess = spread(perRequest((pair, i) => (of(pair, 'all')!.pipeline[i] ?? NaN) - (of(pair, 'passthrough')!.pipeline[i] ?? NaN)))
  }
  return result
}

/** Label, p50, p90, max (ms) per line; `steps` adds each step's own time. */
export function overheadRows (result: OverheadResult, steps: boolean): string[][] {
  const ms = (value: number): string => Number.isFinite(value) ? value.toFixed(2) : '—'
  const line = (label: string, s: Spread): string[] => [label, ms(s.p50), ms(s.p90), ms(s.max)]
  const rows: string[][] = []
  for (const [name, s] of Object.entries(result.reached)) rows.push(line(`${name}: sent → upstream asked`, s))
  // Requests both gateways sent upstream (on a small local window, passthrough refuses most as too long).
  if (result.added !== undefined) rows.push(line(`all − passthrough, paired per request (${result.added.n} requests)`, result.added))
  if (result.addedInProcess !== undefined) rows.push(line('all − passthrough, pipeline in process, paired', result.addedInProcess))
  for (const [name, s] of Object.entries(result.pipeline)) {
    rows.push(line(`${name}: pipeline, in process (until the request goes on)`, s))
    const counting = result.counting[name as SideName]
    if (steps && counting !== undefined && counting.requests > 0) rows.push(line(`  ${name}: then savings count, off the path (${counting.requests} requests)`, counting))
    if (steps) for (const [step, t] of result.steps[name as SideName] ?? []) rows.push(line(`  ${name}: step ${step}`, t))
  }
  return rows
}

export function overheadTable (rows: string[][], markdown = false): string {
  const header = ['ms per request', 'p50', 'p90', 'max']
  if (markdown) return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n')
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)))
  const line = (row: string[]): string => row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join('  ')
  return [line(header), ...rows.map(line)].join('\n')
}

/** The verdict lines: end to end and in process, with the machine's load, since a busy machine stretches the first. */
export function overheadVerdict (result: OverheadResult): string[] {
  if (result.added === undefined || result.addedInProcess === undefined) return []
  const verdict = (value: number): string => `${value.toFixed(2)} ms p50 — ${value < 2 ? 'PASS' : 'FAIL'} (target < 2 ms)`
  return [
    `all phases' per-request overhead, end to end (sent → upstream asked, paired over ${result.added.n} requests): ${verdict(result.added.p50)}, p90 ${result.added.p90.toFixed(2)} ms`,
    `all phases' per-request overhead, in process (the pipeline, paired): ${verdict(result.addedInProcess.p50)}, p90 ${result.addedInProcess.p90.toFixed(2)} ms`,
    `(load average ${result.load[0].toFixed(1)} → ${result.load[1].toFixed(1)} on ${availableParallelism()} cores)`
  ]
}
