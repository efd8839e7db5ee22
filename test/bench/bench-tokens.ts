/**
 * `pnpm bench:tokens [--markdown] [--sessions a,b] [--profiles anthropic,openai] [--phases history-compression] [--no-overhead]`:
 * replays every corpus session through a real lynkr, once without token phases (passthrough: the client's
 * own cache breakpoints), once per phase alone, once with LYNKR_TOKEN_PHASES=all, against a fake upstream
 * per provider profile, and prices what the upstream received with the cache model
 * (token-cost-model.ts). Prints per session × run × profile the input tokens, cost against the cached
 * passthrough, cache-hit ratio, cache breaks attributed to phases, tool-loop integrity and information
 * retention, then the targets as PASS/FAIL, then the per-request overhead of all phases together.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { catalog } from 'lynkr'
import { readSession, type CorpusSession } from '../token-corpus/corpus-format.ts'
import { corpusDir } from '../token-corpus/paths.ts'
import { AnthropicPromptCache, AutomaticPrefixCache, anthropicBlocks, chatBlocks, hitRatio, isLong, LONG_PEAK_TOKENS, totals, type RunTotals } from './token-cost-model.ts'
import { needlesOf, unpairedToolCalls, visible } from './token-checks.ts'
import { PROFILES, replay, tokens, type Profile, type ReplayResult } from './token-replay.ts'
import { addToMix, emptyMix, whyCost, whyInput, type PromptMix } from './token-why.ts'
import { measureOverhead, overheadRows, overheadTable, overheadVerdict } from './phase-overhead.ts'

interface Phase { id: string, stage: string, variable: string, env: Record<string, string>, baseline?: Record<string, string> }

/** The six phases of issue 14: the plugin that implements each, and how the bench turns it on alone. */
const PHASES: Phase[] = [
  { id: 'tool-selection', stage: 'tool-selection', variable: 'SMART_TOOL_SELECTION_MODE', env: { LYNKR_TOKEN_PHASES: 'tool-selection' } },
  { id: 'tool-result-compression', stage: 'tool-result-truncation', variable: 'TOOL_RESULT_COMPRESSION_ENABLED', env: { LYNKR_TOKEN_PHASES: 'tool-result-compression' } },
  { id: 'system-prompt', stage: 'system-prompt', variable: 'SYSTEM_PROMPT_MODE', env: { LYNKR_TOKEN_PHASES: 'system-prompt' } },
  { id: 'history-compression', stage: 'history-compression', variable: 'HISTORY_COMPRESSION_ENABLED', env: { LYNKR_TOKEN_PHASES: 'history-compression' } },
  { id: 'prompt-cache', stage: 'prompt-cache', variable: 'PROMPT_CACHE_ENABLED', env: { LYNKR_TOKEN_PHASES: 'prompt-cache' } },
  // Dedup lives in the memory plugin: measured as memory on with dedup against memory on without it.
  { id: 'memory', stage: 'memory-dedup', variable: 'MEMORY_DEDUP_ENABLED', env: { MEMORY_ENABLED: 'true', MEMORY_DEDUP_ENABLED: 'true' }, baseline: { MEMORY_ENABLED: 'true', MEMORY_DEDUP_ENABLED: 'false' } }
]

/** A phase is built when its plugin is in the catalog and (for memory) its manifest reads the phase's variable. */
async function built (phase: Phase): Promise<boolean> {
  const entry = catalog.find((candidate) => candidate.id === phase.id)
  if (entry === undefined) return false
  if (phase.baseline === undefined) return true
  const env = (await entry.load()).manifest.env as { properties?: Record<string, unknown> }
  return env.properties?.[phase.variable] !== undefined
}

interface RunReport {
  run: string
  profile: Profile['id']
  totals: RunTotals
  /** Client requests lynkr did not answer with a success. */
  failed: Array<{ seq: number, status: number, error?: string }>
  unpaired: number
  needles: { checked: number, kept: number, lost: string[] }
  /** Local profiles: requests whose prompt plus asked output exceed the window (or that lynkr refused as too long). */
  overflow?: number
  maxPrompt: number
  requests: number
  /** What this run's tokens and cost are compared with: passthrough, or the phase's own baseline (memory without dedup). */
  baseTotals?: RunTotals
  /** The input tokens it sent, per part of the prompt (tools, system, tool results…), summed over its requests. */
  mix: PromptMix
}

function price (profile: Profile, result: ReplayResult): RunTotals {
  const model = profile.cache === 'anthropic' ? new AnthropicPromptCache() : profile.cache === 'automatic' ? new AutomaticPrefixCache() : undefined
  const charges = result.upstream.map((call) => {
    const blocks = profile.cache === 'anthropic' ? anthropicBlocks(call.body, tokens) : chatBlocks(call.body, tokens)
    if (model !== undefined) return { ...model.charge(blocks), seq: call.seq }
    const input = blocks.reduce((sum, block) => sum + block.tokens, 0)
    return { input, cacheRead: 0, cacheWrite: 0, uncached: input, cost: 0, broke: false, seq: call.seq }
  })
  return totals(charges)
}

function analyse (session: CorpusSession, profile: Profile, run: string, result: ReplayResult, baseline: ReplayResult | undefined): RunReport {
  const failed = result.statuses.filter((status) => status.error !== undefined)
  const unpaired = result.upstream.reduce((sum, call) => sum + unpairedToolCalls(call.body).length, 0)
  const needles = { checked: 0, kept: 0, lost: [] as string[] }
  if (baseline !== undefined) {
    const lastBody = (r: ReplayResult, seq: number): string | undefined => r.upstream.filter((call) => call.seq === seq && !call.internal).at(-1)?.rawBody
    for (const request of session.requests) {
      const before = lastBody(baseline, request.seq)
      if (before === undefined) continue
      const after = lastBody(result, request.seq) ?? ''
      for (const needle of needlesOf(request, session.header.workDir)) {
        if (!visible(needle, before)) continue
        needles.checked++
        if (visible(needle, after)) needles.kept++
        else needles.lost.push(`#${request.seq} ${needle.label}`)
      }
    }
  }
  let overflow: number | undefined
  let maxPrompt = 0
  const mix = emptyMix()
  for (const call of result.upstream) if (!call.internal) addToMix(mix, profile.cache === 'anthropic' ? anthropicBlocks(call.body, tokens) : chatBlocks(call.body, tokens))
  for (const call of result.upstream) maxPrompt = Math.max(maxPrompt, chatBlocks(call.body, tokens).reduce((sum, block) => sum + block.tokens, 0))
  // lynkr refuses a prompt that does not fit a local window (the client then compacts): not an integrity failure.
  const refused = failed.filter((status) => /prompt is too long/.test(status.error ?? ''))
  if (profile.window !== undefined) {
    // Per client request: lynkr sent it on with room for an answer. lynkr's own count decides (it refuses a
    // prompt that leaves no room, and asks Ollama for the rest of the window as num_predict); the o200k count
    // of the JSON here is higher than any tokenizer's count of the prompt, so it would not be a fair judge.
    const fits = result.statuses.filter((status) => {
      const sent = result.upstream.filter((call) => call.seq === status.seq && !call.internal).at(-1)
      return status.error === undefined && sent !== undefined && Number(sent.body?.options?.num_predict ?? sent.body?.max_tokens ?? 0) > 0
    }).length
    overflow = result.statuses.length - fits
  }
  return { run, profile: profile.id, totals: price(profile, result), failed: failed.filter((status) => !refused.includes(status)), unpaired, needles, overflow, maxPrompt, requests: result.statuses.length, mix }
}

const pct = (value: number): string => `${(value * 100).toFixed(1)} %`
const ratio = (value: number): string => value.toFixed(3)

interface SessionReport { session: CorpusSession, reports: RunReport[], notBuilt: string[] }

async function benchSession (session: CorpusSession, profiles: Profile[], phases: Phase[], notBuilt: string[]): Promise<SessionReport> {
  const reports: RunReport[] = []
  for (const profile of profiles) {
    const passthrough = await replay({ session, profile, env: {} })
    reports.push(analyse(session, profile, 'passthrough', passthrough, undefined))
    for (const phase of phases) {
      const base = phase.baseline === undefined ? passthrough : await replay({ session, profile, env: phase.baseline })
      const result = await replay({ session, profile, env: phase.env })
      const report = analyse(session, profile, phase.id, result, base)
      // Memory adds what it recalls: dedup is judged against memory without dedup, not against passthrough.
      if (phase.baseline !== undefined) report.baseTotals = price(profile, base)
      reports.push(report)
    }
    const all = await replay({ session, profile, env: { LYNKR_TOKEN_PHASES: 'all' } })
    reports.push(analyse(session, profile, 'all', all, passthrough))
  }
  return { session, reports, notBuilt }
}

/** Breaks a run has that passthrough has not; for `all`, named after the phase whose solo run has the same break. */
function attribution (report: RunReport, reports: RunReport[]): string {
  const base = new Set(reports.find((r) => r.run === 'passthrough' && r.profile === report.profile)?.totals.breaks ?? [])
  const added = report.totals.breaks.filter((seq) => !base.has(seq))
  if (added.length === 0) return report.totals.breaks.length === 0 ? '0' : `${report.totals.breaks.length} (as passthrough)`
  if (report.run !== 'all') return `${report.totals.breaks.length}: +${added.length} by ${report.run}`
  const by = new Map<string, number>()
  for (const seq of added) {
    const owners = reports.filter((r) => r.profile === report.profile && r.run !== 'all' && r.run !== 'passthrough' && r.totals.breaks.includes(seq) && !base.has(seq)).map((r) => r.run)
    const name = owners.length === 0 ? 'combination' : owners.join('+')
    by.set(name, (by.get(name) ?? 0) + 1)
  }
  return `${report.totals.breaks.length}: ` + [...by].map(([name, count]) => `+${count} by ${name}`).join(', ')
}

interface Row { session: string, requests: number, run: string, profile: string, input: string, saved: string, cost: string, hit: string, breaks: string, integrity: string, retention: string, window: string }

function rows (report: SessionReport): Row[] {
  return report.reports.map((r) => {
    const base = { totals: r.baseTotals ?? report.reports.find((candidate) => candidate.run === 'passthrough' && candidate.profile === r.profile)!.totals }
    const cached = r.profile === 'anthropic' || r.profile === 'openai'
    return {
      session: report.session.header.id,
      requests: report.session.requests.length,
      run: r.run,
      profile: r.profile,
      input: String(r.totals.input),
      // Local runs send different requests (those that fit): their gain is the fit, not a token total.
      saved: r.run === 'passthrough' || !cached ? '—' : pct(1 - r.totals.input / base.totals.input),
      cost: cached ? (r.run === 'passthrough' ? '1.000' : ratio(r.totals.cost / base.totals.cost)) : 'free',
      hit: cached ? ratio(hitRatio(r.totals)) : '—',
      breaks: cached ? attribution(r, report.reports) : '—',
      integrity: r.unpaired === 0 && r.failed.length === 0 ? '100 %' : `${r.unpaired} unpaired, ${r.failed.length} failed`,
      retention: r.run === 'passthrough' ? '—' : r.needles.checked === 0 ? 'n/a' : pct(r.needles.kept / r.needles.checked),
      window: r.overflow === undefined ? '—' : `${r.requests - r.overflow}/${r.requests} fit (largest sent ≈ ${r.maxPrompt} o200k tokens of JSON)`
    }
  })
}

/**
 * The README's view: per run (each phase alone, all together), every session summed — tokens and cost
 * against passthrough on the cached profiles, Anthropic's cache-hit ratio, how many requests fit each local
 * window, and whether integrity and retention held everywhere.
 */
function summary (reports: SessionReport[], runs: string[]): string[][] {
  const sum = (run: string, profile: string, pick: (r: RunReport) => number): number => reports.reduce((total, { reports: rs }) => total + pick(rs.find((r) => r.run === run && r.profile === profile) ?? ({ totals: { input: 0, cacheRead: 0, cacheWrite: 0, cost: 0, breaks: [], requests: 0 }, requests: 0, overflow: 0 } as unknown as RunReport)), 0)
  const has = (profile: string): boolean => reports.some(({ reports: rs }) => rs.some((r) => r.profile === profile))
  return runs.map((run) => {
    const cell = (profile: string, f: () => string): string => has(profile) ? f() : '—'
    // Each run against its own baseline (passthrough, or memory without dedup), summed over the sessions.
    const baseOf = (profile: string, pick: (totals: RunTotals) => number): number => reports.reduce((total, { reports: rs }) => {
      const r = rs.find((candidate) => candidate.run === run && candidate.profile === profile)
      const base = r?.baseTotals ?? rs.find((candidate) => candidate.run === 'passthrough' && candidate.profile === profile)?.totals
      return total + (base === undefined ? 0 : pick(base))
    }, 0)
    const cut = (profile: string): string => pct(1 - sum(run, profile, (r) => r.totals.input) / baseOf(profile, (t) => t.input))
    const cost = (profile: string): string => ratio(sum(run, profile, (r) => r.totals.cost) / baseOf(profile, (t) => t.cost))
    const hit = (profile: string): string => ratio(sum(run, profile, (r) => r.totals.cacheRead) / sum(run, profile, (r) => r.totals.input))
    // Cache breaks this run adds to passthrough's, over every session (each one's phase named in the per-session table).
    const added = (profile: string): string => String(reports.reduce((total, { reports: rs }) => {
      const base = new Set(rs.find((r) => r.run === 'passthrough' && r.profile === profile)?.totals.breaks ?? [])
      return total + (rs.find((r) => r.run === run && r.profile === profile)?.totals.breaks.filter((seq) => !base.has(seq)).length ?? 0)
    }, 0))
    const fit = (profile: string): string => `${sum(run, profile, (r) => r.requests - (r.overflow ?? 0))}/${sum(run, profile, (r) => r.requests)}`
    const runsOf = reports.flatMap(({ reports: rs }) => rs.filter((r) => r.run === run))
    const checked = runsOf.reduce((total, r) => total + r.needles.checked, 0)
    return [
      run,
      cell('anthropic', () => run === 'passthrough' ? '—' : cut('anthropic')),
      cell('anthropic', () => cost('anthropic')),
      cell('anthropic', () => hit('anthropic')),
      cell('anthropic', () => run === 'passthrough' ? '—' : added('anthropic')),
      cell('openai', () => run === 'passthrough' ? '—' : cut('openai')),
      cell('openai', () => cost('openai')),
      cell('openai', () => hit('openai')),
      cell('local-16k', () => fit('local-16k')),
      cell('local-32k', () => fit('local-32k')),
      runsOf.every((r) => r.unpaired === 0 && r.failed.length === 0) ? '100 %' : 'broken',
      run === 'passthrough' ? '—' : checked === 0 ? 'n/a' : pct(runsOf.reduce((total, r) => total + r.needles.kept, 0) / checked)
    ]
  })
}

const SUMMARY_HEADER = ['run', 'input tokens saved (Anthropic)', 'cost vs cached passthrough (Anthropic)', 'cache-hit ratio (Anthropic)', 'cache breaks added (Anthropic)', 'input tokens saved (OpenAI)', 'cost vs cached passthrough (OpenAI)', 'cache-hit ratio (OpenAI)', 'requests that fit 16K', 'requests that fit 32K', 'tool-loop integrity', 'retention']

interface Verdict { target: string, pass: boolean, detail: string }

function verdicts (reports: SessionReport[]): Verdict[] {
  const out: Verdict[] = []
  for (const { session, reports: runs } of reports) {
    const id = session.header.id
    const base = (profile: string): RunReport => runs.find((r) => r.run === 'passthrough' && r.profile === profile)!
    const all = runs.find((r) => r.run === 'all' && r.profile === 'anthropic')
    if (all !== undefined && isLong(base('anthropic').totals)) {
      const saved = 1 - all.totals.input / base('anthropic').totals.input
      const cost = all.totals.cost / base('anthropic').totals.cost
      out.push({ target: `${id} (long: peak ${base('anthropic').totals.peak} tokens): ≥ 60 % fewer input tokens (all, anthropic)`, pass: saved >= 0.6, detail: pct(saved) + (saved >= 0.6 ? '' : ` — short by ${pct(0.6 - saved)}; ${whyInput(all.mix, base('anthropic').mix)}`) })
      out.push({ target: `${id} (long): cost ≤ 0.5 of cached passthrough (all, anthropic)`, pass: cost <= 0.5, detail: ratio(cost) + (cost <= 0.5 ? '' : ` — over by ${ratio(cost - 0.5)}; ${whyCost(all.totals, base('anthropic').totals)} (a cached token costs 0.1 of a fresh one and each turn's new content is written once at 1.25×: cutting cached prefix saves little, cutting what is new in each request saves most)`) })
    }
    // The cache-hit target on both cached profiles; a miss names the breaks and the phases that caused them.
    for (const r of runs.filter((candidate) => candidate.run === 'all' && (candidate.profile === 'anthropic' || candidate.profile === 'openai'))) {
      const hit = hitRatio(r.totals)
      out.push({ target: `${id}: cache-hit ratio ≥ 0.90 (all, ${r.profile})`, pass: hit >= 0.9, detail: ratio(hit) + (hit >= 0.9 ? '' : ` — short by ${ratio(0.9 - hit)}; passthrough ${ratio(hitRatio(base(r.profile).totals))}; cache breaks ${attribution(r, runs)}`) })
    }
    for (const r of runs) {
      if (r.run === 'passthrough') continue
      if (r.profile === 'anthropic' || r.profile === 'openai') {
        const cost = r.totals.cost / (r.baseTotals ?? base(r.profile).totals).cost
        if (cost > 1) out.push({ target: `${id}: cost never above 1.0 (${r.run}, ${r.profile})`, pass: false, detail: ratio(cost) })
      }
      if (r.unpaired > 0 || r.failed.length > 0) out.push({ target: `${id}: tool-loop integrity (${r.run}, ${r.profile})`, pass: false, detail: `${r.unpaired} unpaired tool calls, ${r.failed.length} failed requests${r.failed[0] === undefined ? '' : `: ${r.failed[0].status} ${r.failed[0].error ?? ''}`}` })
      if (r.needles.kept < r.needles.checked) out.push({ target: `${id}: retention (${r.run}, ${r.profile})`, pass: false, detail: `${r.needles.checked - r.needles.kept} of ${r.needles.checked} lost, e.g. ${r.needles.lost.slice(0, 2).join('; ')}` })
    }
  }
  const costRuns = reports.flatMap(({ reports: runs }) => runs.filter((r) => r.run !== 'passthrough' && (r.profile === 'anthropic' || r.profile === 'openai')))
  out.push({ target: 'cost never above 1.0 on any profile/session/run', pass: !out.some((v) => v.target.includes('never above') && !v.pass), detail: `${costRuns.length} runs` })
  const allRuns = reports.flatMap(({ reports: runs }) => runs.filter((r) => r.run !== 'passthrough'))
  out.push({ target: 'integrity 100 % (every tool call answered, no failed request)', pass: !out.some((v) => v.target.includes('integrity (') && !v.pass), detail: `${allRuns.length} runs` })
  out.push({ target: 'retention 100 %', pass: !out.some((v) => v.target.includes('retention (') && !v.pass), detail: `${allRuns.reduce((sum, r) => sum + r.needles.checked, 0)} checks` })
  return out
}

function table (header: string[], body: string[][], markdown: boolean): string {
  if (markdown) return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n')
  const widths = header.map((name, i) => Math.max(name.length, ...body.map((row) => row[i]!.length)))
  const line = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')
  return [line(header), ...body.map(line)].join('\n')
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const markdown = args.includes('--markdown') || args.includes('--write-readme')
  const option = (name: string): string[] | undefined => { const at = args.indexOf(name); return at === -1 ? undefined : args[at + 1]!.split(',') }
  const onlySessions = option('--sessions')
  const profiles = PROFILES.filter((profile) => option('--profiles')?.includes(profile.id) ?? true)
  const phases: Phase[] = []
  const notBuilt: Phase[] = []
  // --phases: only these phases alone (all together and passthrough always run), for tuning one phase.
  const onlyPhases = option('--phases')
  for (const phase of PHASES.filter((candidate) => onlyPhases?.includes(candidate.id) ?? true)) {
    if (await built(phase)) phases.push(phase)
    else notBuilt.push(phase)
  }
  const files = readdirSync(corpusDir).filter((name) => name.endsWith('.jsonl.gz')).sort()
  const sessions = files.map((name) => readSession(join(corpusDir, name))).filter((session) => session.header.id !== 'overhead-100' && (onlySessions?.includes(session.header.id) ?? true))

  const out: string[] = []
  const log = (text: string): void => { out.push(text); process.stdout.write(`${text}\n`) }
  log(`token replay: ${sessions.length} sessions × ${profiles.length} profiles; phases built: ${phases.map((p) => p.id).join(', ') || 'none'}; not built: ${notBuilt.map((p) => `${p.id} (${p.variable})`).join(', ') || 'none'}`)
  const reports: SessionReport[] = []
  for (const session of sessions) {
    process.stderr.write(`replaying ${session.header.id} (${session.requests.length} requests)…\n`)
    reports.push(await benchSession(session, profiles, phases, notBuilt.map((p) => p.id)))
  }
  const header = ['session', 'req', 'run', 'profile', 'input tok', 'saved', 'cost vs cached', 'hit', 'breaks', 'integrity', 'retention', 'local window']
  const body = reports.flatMap(rows).map((row) => [row.session, String(row.requests), row.run, row.profile, row.input, row.saved, row.cost, row.hit, row.breaks, row.integrity, row.retention, row.window])
  log('')
  log(`All ${sessions.length} sessions together (${sessions.reduce((total, session) => total + session.requests.length, 0)} requests):`)
  log('')
  log(table(SUMMARY_HEADER,
    summary(reports, ['passthrough', ...phases.map((phase) => phase.id), 'all']), markdown))
  // The targets are for long sessions: their own sum, when the run mixes long and short ones.
  const long = reports.filter(({ reports: rs }) => rs.some((r) => r.run === 'passthrough' && r.profile === 'anthropic' && isLong(r.totals)))
  if (long.length > 0 && long.length < reports.length) {
    log('')
    log(`The ${long.length} long sessions (largest prompt ≥ ${LONG_PEAK_TOKENS} tokens: ${long.map(({ session }) => session.header.id).join(', ')}) together:`)
    log('')
    log(table(SUMMARY_HEADER,
      summary(long, ['passthrough', ...phases.map((phase) => phase.id), 'all']), markdown))
  }
  const compared = phases.filter((phase) => phase.baseline !== undefined)
  if (compared.length > 0) log(`\n${compared.map((phase) => phase.id).join(', ')}: compared with ${compared.map((phase) => Object.entries(phase.baseline!).map(([name, value]) => `${name}=${value}`).join(' ')).join('; ')} (what the phase changes), not with passthrough.`)
  log('')
  log(table(header, body.filter((row) => !markdown || row[2] === 'all'), markdown))
  log('')
  log(table(['target', 'result', 'detail'], verdicts(reports).map((v) => [v.target, v.pass ? 'PASS' : 'FAIL', v.detail]), markdown))
  if (notBuilt.length > 0) log('')
  for (const phase of notBuilt) log(`${markdown ? '- ' : ''}${phase.id}: not built (no ${phase.id} plugin${phase.baseline === undefined ? '' : ` reading ${phase.variable}`} in this build's catalog)`)
  if (!args.includes('--no-overhead')) {
    // Paired per request against passthrough on a gateway pair, over rounds (phase-overhead.ts; more in `pnpm bench:phases`).
    const result = await measureOverhead(readSession(join(corpusDir, 'overhead-100.jsonl.gz')), PROFILES[0]!, { rounds: 5 })
    log('')
    log(`Per-request time in lynkr before the upstream is asked (${result.requests}-request session, ${result.profile} profile, ${result.rounds} rounds; per request the median over rounds, then p50/p90 over the session):`)
    log('')
    log(overheadTable(overheadRows(result, false), markdown))
    log('')
    for (const line of overheadVerdict(result)) log(`${markdown ? '- ' : ''}${line}`)
  }
  // --write-readme: the same output replaces what is between the README's bench:tokens markers.
  if (args.includes('--write-readme')) {
    const readme = fileURLToPath(new URL('../../README.md', import.meta.url))
    const text = readFileSync(readme, 'utf8')
    const [start, end] = ['<!-- bench:tokens -->', '<!-- /bench:tokens -->']
    if (!text.includes(start) || !text.includes(end)) throw new Error('README.md has no bench:tokens markers')
    const generated = [`Generated by \`pnpm bench:tokens --markdown\` on ${new Date().toISOString().slice(0, 10)}.`, ...out.slice(1)].join('\n')
    writeFileSync(readme, `${text.slice(0, text.indexOf(start) + start.length)}\n${generated}\n${text.slice(text.indexOf(end))}`)
  }
}

await main()
