// `pnpm bench:fuzz`: the issue-17 fuzzer (test/helpers/fuzz.ts) with many more cases than the test suite runs,
// over several seeds, against the gateway in front of a faithful fake OpenAI upstream. FUZZ_CASES (default
// 20000) per seed, FUZZ_SEEDS (default 17,1,2,3), FUZZ_CONCURRENCY (default 8). Exits 1 on any finding:
// a 5xx for a client's request, a reply not in the caller's error shape, an invalid request reaching the
// upstream, a charged or opened breaker, or a call slot still held at the end.
import { request } from 'undici'
import { startFakeOpenAI } from '../helpers/fake-openai.ts'
import { startGateway, openAIEnv } from '../helpers/gateway.ts'
import { describeFinding, runFuzz } from '../helpers/fuzz.ts'

const cases = Number(process.env.FUZZ_CASES ?? 20_000)
const seeds = (process.env.FUZZ_SEEDS ?? '17,1,2,3').split(',').map(Number)
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 8)

const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
const gateway = await startGateway(openAIEnv(fake.url, { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' }))
let failed = false
try {
  for (const seed of seeds) {
    const started = Date.now()
    const { findings, statuses } = await runFuzz(gateway.url, seed, cases, concurrency)
    const seconds = (Date.now() - started) / 1000
    console.log(`seed ${seed}: ${cases} cases in ${seconds.toFixed(1)} s (${Math.round(cases / seconds)}/s); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ${findings.length} findings`)
    for (const finding of findings.slice(0, 10)) console.log(describeFinding(finding))
    if (findings.length > 0) failed = true
  }
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text()
  const held = /^lynkr_active_(?:streams|upstream_requests) [1-9]/m.test(metrics)
  const breaker = !/^lynkr_circuit_breaker_state\{provider="openai"\} 0$/m.test(metrics)
  const charged = /outcome="(?:server_error|connection_error|stream_error|timeout)"/.test(metrics)
  console.log(`call slots held: ${held}; breaker moved: ${breaker}; failures charged to the provider: ${charged}`)
  if (held || breaker || charged) failed = true
} finally {
  await gateway.close()
  await fake.close()
}
process.exit(failed ? 1 : 0)
