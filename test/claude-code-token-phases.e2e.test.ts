/**
 * The real Claude Code (2.1.332) through lynkr with LYNKR_TOKEN_PHASES=all, against a fake Anthropic
 * upstream that models Anthropic's prefix cache (its usage reports cache reads as the real API would), on a
 * recorded corpus task: fix a bug in a copy of semver with reads, greps, test runs and edits. Meaningful
 * with whatever phases this build has: the task must finish with every tool call answered in every request
 * the upstream saw; each phase plugin in the catalog must show its effect on /metrics.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { catalog, tokenPhases } from 'lynkr'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startGateway } from './helpers/gateway.ts'
import { sampleValue, scrape } from './helpers/prometheus.ts'
import { AnthropicPromptCache, anthropicBlocks, hitRatio, totals, type RequestCharge } from './bench/token-cost-model.ts'
import { unpairedToolCalls } from './bench/token-checks.ts'
import { tokens } from './bench/token-replay.ts'
import { isMain, runScriptedClient, scriptedResponder, workDirOf } from './token-corpus/run-session.ts'
import { sessions } from './token-corpus/sessions.ts'
import { casesFile, product } from './token-corpus/test-files.ts'
import type { SessionScript } from './token-corpus/script-dsl.ts'

/**
 * The corpus task fix-inc-prerelease plus, early on, one run of a large test table (a few hundred cases of
 * TAP output, as a real suite prints): the kind of tool result a phase cuts even on a cache-capable cloud
 * upstream, where small outputs are left alone.
 */
function liveScript (): SessionScript {
  const base = sessions.find((session) => session.id === 'fix-inc-prerelease')!
  const versions = ['0.0.0', '0.1.2', '1.0.0', '1.2.3', '1.2.3-alpha.1', '2.0.0-rc.0', '3.4.5-beta', '10.20.30']
  const table = casesFile('compare table', 'compare', product(versions, versions).flatMap(([a, b]) => [[a, b], [b, a], [a, b, true]]))
  return {
    ...base,
    id: 'live-token-phases',
    seed: { ...base.seed, 'test/compare.test.js': table },
    turns: (dir) => {
      const turns = base.turns(dir)
      return [turns[0]!, { calls: [{ name: 'Bash', arguments: { command: 'node --test --test-reporter=tap test/compare.test.js', description: 'Run the compare table' } }] }, ...turns.slice(1)]
    }
  }
}

/** The stage each phase plugin reports its savings under, and what it must do on a cache-capable cloud upstream. */
const STAGES: Record<string, { stage: string, onAnthropic: 'saves' | 'keeps' | 'any' }> = {
  // Each new tool result is cut once when it arrives: the large test run must be cut.
  'tool-result-compression': { stage: 'tool-result-truncation', onAnthropic: 'saves' },
  // Cloud cache-capable providers keep Claude Code's tool list and system prompt (issue 14, phases 1 and 5).
  'tool-selection': { stage: 'tool-selection', onAnthropic: 'keeps' },
  'system-prompt': { stage: 'system-prompt', onAnthropic: 'keeps' },
  // Batched clearing only past its trigger: it may or may not fire in a 30-request session.
  'history-compression': { stage: 'history-compression', onAnthropic: 'any' },
  // Places breakpoints: nothing to save.
  'prompt-cache': { stage: 'prompt-cache', onAnthropic: 'any' }
}

test('Claude Code finishes a multi-step corpus task through lynkr with all token phases on; tool pairing intact; savings per stage on /metrics', { timeout: 600_000 }, async (t) => {
  const script = liveScript()
  const cache = new AnthropicPromptCache()
  const charges: Array<RequestCharge & { seq: number }> = []
  const fake = await startFakeAnthropic({
    apiKey: 'azure-key',
    adaptiveThinking: true,
    responder: scriptedResponder(script, 'anthropic', (request, reply) => {
      // Usage as Anthropic reports it for this prompt given what earlier requests cached.
      const charge = cache.charge(anthropicBlocks(request.body, tokens))
      charges.push({ ...charge, seq: charges.length })
      return { ...reply, usage: { input: charge.input, output: 50, cached: charge.cacheRead } }
    })
  })
  t.after(() => fake.close())
  const gateway = await startGateway(anthropicEnv(fake.url, { LYNKR_TOKEN_PHASES: 'all' }))
  t.after(() => gateway.close())

  const run = await runScriptedClient(script, 'anthropic', gateway.url)
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json).slice(0, 2000))
  assert.equal(run.json?.result, script.answer, 'the scripted task ran to its last step')

  const main = fake.requests.filter((request) => isMain(request.body, 'anthropic'))
  const turns = script.turns(workDirOf(script)).length
  assert.ok(main.length >= turns + 1, `${main.length} main-loop requests for ${turns} scripted turns`)
  for (const [i, request] of fake.requests.entries()) assert.deepEqual(unpairedToolCalls(request.body), [], `upstream request ${i}: tool calls without results`)

  const built = tokenPhases.filter((id) => catalog.some((entry) => entry.id === id))
  const { families } = await scrape(gateway.url)
  const run_ = totals(charges)
  t.diagnostic(`phases built: ${built.join(', ') || 'none'}; upstream requests ${charges.length}; input tokens ${run_.input}; cache-hit ratio ${hitRatio(run_).toFixed(3)}; breaks at ${run_.breaks.join(', ') || 'none'}`)
  for (const id of built) {
    const { stage, onAnthropic } = STAGES[id]!
    const saved = sampleValue(families, 'lynkr_tokens_saved_total', { stage }) ?? 0
    t.diagnostic(`${id} (${stage}): ${saved} tokens saved`)
    if (onAnthropic === 'saves') assert.ok(saved > 0, `${id} is built but lynkr_tokens_saved_total{stage="${stage}"} is ${saved}`)
    if (onAnthropic === 'keeps') assert.equal(saved, 0, `${id} must keep Claude Code's prompt on a cache-capable cloud upstream, yet saved ${saved}`)
    assert.ok(saved >= 0, `${stage} added tokens`)
  }
})
