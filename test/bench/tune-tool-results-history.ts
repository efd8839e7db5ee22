/**
 * Replays the token corpus (test/fixtures/token-corpus) through phases 4 (tool-result truncation) and 6
 * (history compression) alone, for tuning them: input tokens and cost against a cached passthrough, with a
 * block-level model of Anthropic's prefix cache (a request reads from cache what it shares with the previous
 * one, block for block, at 0.1×, and writes the rest at 1.25×). `pnpm bench:tokens` is the full report.
 *
 *   node --import tsx --conditions=lynkr-src test/bench/tune-tool-results-history.ts [window=200000] [local]
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ChatRequest, ModelCapabilities, PipelineStep, StepContext } from '../../packages/protocol/src/index.ts'
import { parseMessagesRequest } from '../../plugins/api-anthropic/src/parse-messages-request.ts'
import { toolResultCompressionStep } from '../../plugins/tool-result-compression/src/compress-step.ts'
import { historyCompressionStep } from '../../plugins/history-compression/src/history-step.ts'
import { readSession } from '../token-corpus/corpus-format.ts'

const dir = new URL('../fixtures/token-corpus/', import.meta.url).pathname
const window = Number(process.argv[2] ?? 200_000)
const local = process.argv.includes('local')
const capabilities: ModelCapabilities = local ? { promptCache: 'automatic-prefix', contextWindow: window, local: true } : { promptCache: 'anthropic-breakpoints', cacheReadPriceRatio: 0.1, contextWindow: window, local: false }
const silent = { debug () {}, info () {}, warn () {}, error () {} }

/** The request as the cache sees it: one string per block, in order. */
function segments (request: ChatRequest): string[] {
  const out: string[] = []
  for (const tool of request.tools ?? []) out.push(JSON.stringify(tool))
  for (const block of request.system ?? []) out.push(block.text)
  for (const message of request.messages) for (const block of message.content) { const { cache_control: _c, ...rest } = block as unknown as Record<string, unknown>; out.push(message.role + JSON.stringify(rest)) }
  return out
}

interface Totals { tokens: number, cost: number, cached: number }

function account (previous: string[] | undefined, current: string[], totals: Totals): void {
  let shared = 0
  if (previous !== undefined) while (shared < previous.length && shared < current.length && previous[shared] === current[shared]) shared++
  const chars = (list: string[]): number => list.reduce((sum, text) => sum + text.length, 0)
  const cached = chars(current.slice(0, shared)) / 4
  const fresh = chars(current.slice(shared)) / 4
  totals.tokens += cached + fresh
  totals.cached += cached
  totals.cost += cached * 0.1 + fresh * 1.25
}

// Overrides for tuning: TRIGGER (tokens), KEEP (turns), MAXCHARS (phase 4).
const history = { summariseOlder: false, warningTokens: process.env.TRIGGER === undefined ? undefined : Number(process.env.TRIGGER), keepRecentTurns: process.env.KEEP === undefined ? undefined : Number(process.env.KEEP) }
const truncation = { cutFileReads: false, maxChars: process.env.MAXCHARS === undefined ? undefined : Number(process.env.MAXCHARS) }
const variants: Record<string, () => PipelineStep[]> = {
  passthrough: () => [],
  'phase 4': () => [toolResultCompressionStep(truncation)],
  'phase 6': () => [historyCompressionStep(history)],
  'phases 4+6': () => [toolResultCompressionStep(truncation), historyCompressionStep(history)]
}

const rows: string[] = []
const sum: Record<string, Totals> = {}
for (const file of readdirSync(dir).filter((name) => name.endsWith('.jsonl.gz')).sort()) {
  const session = readSession(join(dir, file))
  if (session.header.front !== 'anthropic') continue
  const results: Record<string, Totals> = {}
  for (const [name, make] of Object.entries(variants)) {
    const steps = make()
    const totals: Totals = { tokens: 0, cost: 0, cached: 0 }
    let previous: string[] | undefined
    let peak = 0
    for (const recorded of session.requests.filter((request) => request.main)) {
      let request = parseMessagesRequest(JSON.parse(recorded.rawBody))
      const context: StepContext = { decision: { provider: 'anthropic', model: request.model, reason: 'default' }, capabilities, session: { id: session.header.id, source: 'header' }, workspace: undefined, requestId: String(recorded.seq), log: silent, signal: new AbortController().signal, purpose: 'client' }
      for (const step of steps) request = await step.run(request, context)
      const current = segments(request)
      peak = Math.max(peak, current.reduce((total, text) => total + text.length, 0) / 4)
      account(previous, current, totals)
      previous = current
    }
    results[name] = totals
    const all = (sum[name] ??= { tokens: 0, cost: 0, cached: 0 })
    all.tokens += totals.tokens; all.cost += totals.cost; all.cached += totals.cached
    if (name !== 'passthrough') rows.push(`| ${session.header.id} | ${name} | ${(1 - totals.tokens / results.passthrough!.tokens).toFixed(3)} | ${(totals.cost / results.passthrough!.cost).toFixed(3)} | ${(totals.cached / totals.tokens).toFixed(3)} | ${Math.round(peak)} |`)
  }
}
console.log(`window ${window}${local ? ' (local)' : ' (Anthropic prices, prefix cache)'}\n`)
console.log('| session | phases | tokens saved | cost vs cached passthrough | cache-hit ratio | peak prompt (est.) |\n| --- | --- | --- | --- | --- | --- |')
console.log(rows.join('\n'))
for (const [name, totals] of Object.entries(sum)) console.log(`| all | ${name} | ${(1 - totals.tokens / sum.passthrough!.tokens).toFixed(3)} | ${(totals.cost / sum.passthrough!.cost).toFixed(3)} | ${(totals.cached / totals.tokens).toFixed(3)} | |`)
