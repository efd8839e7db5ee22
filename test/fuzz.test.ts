/**
 * Issue 17's proof: a seeded fuzzer over every endpoint (test/helpers/fuzz.ts). 0 crashes, 0 5xx for client
 * errors, every reply in the caller's error shape, 0 invalid requests reaching the (faithful, strict) fake
 * upstream, and the provider's breaker untouched. `pnpm bench:fuzz` runs many more cases.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startGateway, openAIEnv } from './helpers/gateway.ts'
import { describeFinding, runFuzz } from './helpers/fuzz.ts'

const SEED = Number(process.env.LYNKR_FUZZ_SEED ?? 17)
const CASES = 2500

test(`fuzzing every endpoint (${CASES} cases, seed ${SEED}) finds no crash, no 5xx, no wrong shape, nothing invalid upstream`, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  // A low breaker threshold: any failure charged to the provider would open it within the run.
  const gateway = await startGateway(openAIEnv(fake.url, { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const { findings, statuses } = await runFuzz(gateway.url, SEED, CASES)
  assert.deepEqual(findings.slice(0, 5).map(describeFinding), [], `${findings.length} findings`)
  assert.ok((statuses.get(400) ?? 0) > CASES / 4, `mostly refused: ${JSON.stringify([...statuses])}`)
  assert.ok((statuses.get(200) ?? 0) > 0, 'some mutations leave a valid request, which is served')
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text()
  assert.match(metrics, /^lynkr_circuit_breaker_state\{provider="openai"\} 0$/m, 'the breaker never opened')
  assert.doesNotMatch(metrics, /outcome="(?:server_error|connection_error|stream_error|timeout)"/, 'nothing was charged to the provider')
  assert.match(metrics, /^lynkr_active_streams 0$/m)
  assert.match(metrics, /^lynkr_active_upstream_requests 0$/m)
  const live = await request(`${gateway.url}/health/live`)
  assert.equal(live.statusCode, 200, 'still up')
  await live.body.dump()
})
