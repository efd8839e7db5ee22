import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { request } from 'undici'
import { readPluginEnv } from '../packages/core/src/read-plugin-env.ts'
import { loadTokenizer } from '../packages/core/src/tokens/count-tokens.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'

before(async () => { await loadTokenizer() })

const anthropic = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi' }] })

function blockEventLoop (ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) { /* an artificial event-loop block */ }
}

test('an event-loop block sheds model requests with the dialect\'s overloaded error and Retry-After; health stays up', async (t) => {
  const ollama = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(ollama.url, {
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '20', LOAD_SHED_SAMPLE_INTERVAL_MS: '300', LOAD_SHED_RETRY_AFTER_S: '7'
  }))
  t.after(async () => { await gateway.close(); await ollama.close() })
  // A 20 ms threshold: on a busy machine boot alone can exceed it, so wait for a quiet sample first.
  let shedBeforeBlock = 0
  for (let tries = 0; ; tries++) {
    const before = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
    await before.body.dump()
    if (before.statusCode === 200) break
    shedBeforeBlock++
    if (tries === 40) assert.fail('still shedding 10 s after boot')
    await delay(250)
  }

  blockEventLoop(700)
  await delay(5) // let the sampler see the block
  const [shedAnthropic, shedOpenAI, live] = await Promise.all([
    request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body }),
    request(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) }),
    request(`${gateway.url}/health/live`)
  ])
  const anthropicError = await shedAnthropic.body.json() as any
  assert.equal(shedAnthropic.statusCode, 503)
  assert.equal(shedAnthropic.headers['retry-after'], '7')
  assert.equal(anthropicError.type, 'error')
  assert.equal(anthropicError.error.type, 'overloaded_error')
  assert.match(anthropicError.error.message, /overloaded \(event loop delay\)/)
  const openAIError = await shedOpenAI.body.json() as any
  assert.equal(shedOpenAI.statusCode, 503)
  assert.equal(shedOpenAI.headers['retry-after'], '7')
  assert.equal(typeof openAIError.error.message, 'string', 'OpenAI error shape')
  assert.equal(anthropicError.error.message, openAIError.error.message)
  assert.equal(live.statusCode, 200, 'health is never shed')
  await live.body.dump()

  // The pressure passes with the next quiet sample (polled: on a busy machine a sample may still be late).
  await delay(700)
  let shedWhileRecovering = 0
  for (let tries = 0; ; tries++) {
    const after = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
    await after.body.dump()
    if (after.statusCode === 200) break
    assert.equal(after.statusCode, 503)
    shedWhileRecovering++
    if (tries === 20) assert.fail('still shedding 10 s after the block')
    await delay(500)
  }
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text()
  assert.match(metrics, new RegExp(`lynkr_requests_shed_total\\{reason="eventLoopDelay"\\} ${2 + shedWhileRecovering + shedBeforeBlock}\\b`))
})

test('a cap on concurrent upstream requests sheds the excess until a slot frees', async (t) => {
  const ollama = await startFakeOllama()
  ollama.respondWith({ text: 'a slow stream of several words', chunkDelayMs: 80 })
  const gateway = await startGateway(ollamaEnv(ollama.url, { LOAD_SHED_MAX_CONCURRENT_UPSTREAM: '1', LOAD_SHED_RETRY_AFTER_S: '3' }))
  t.after(async () => { await gateway.close(); await ollama.close() })

  const first = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  assert.equal(first.statusCode, 200)
  const second = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  const error = await second.body.json() as any
  assert.equal(second.statusCode, 503)
  assert.equal(second.headers['retry-after'], '3')
  assert.equal(error.error.type, 'overloaded_error')
  assert.match(error.error.message, /1 upstream calls in flight/)
  assert.match(await first.body.text(), /message_stop/, 'the admitted stream is unaffected')
  const third = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  await third.body.dump()
  assert.equal(third.statusCode, 200)
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text()
  assert.match(metrics, /lynkr_requests_shed_total\{reason="concurrentUpstream"\} 1/)
  assert.match(metrics, /lynkr_errors_total\{type="overloaded",phase="request"\} 1/)
})

/** Keeps the loop busy for `ms` in slices of `sliceMs`, yielding between them (timers and I/O run in the gaps). */
async function busyFor (ms: number, sliceMs: number): Promise<void> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    blockEventLoop(sliceMs)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('the default signal: a loop that is busy but answers promptly is not shed; one that is busy and slow for several samples is', async (t) => {
  const ollama = await startFakeOllama()
  // The default signal (utilisation and lag, sustained) with small numbers: 3 samples of 250 ms, late by ≥ 150 ms.
  const gateway = await startGateway({
    ...ollamaEnv(ollama.url),
    LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: undefined,
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: undefined,
    LOAD_SHED_MAX_EVENT_LOOP_LAG_MS: '150',
    LOAD_SHED_SUSTAINED_MS: '750',
    LOAD_SHED_SAMPLE_INTERVAL_MS: '250'
  })
  t.after(async () => { await gateway.close(); await ollama.close() })
  const ready = await (await request(`${gateway.url}/health/ready`)).body.json() as any
  assert.ok(ready.plugins.includes('health'))

  // Saturated by work in small slices (a gateway at full throughput): utilisation near 1, short delays.
  await busyFor(1500, 2)
  const busy = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  await busy.body.dump()
  assert.equal(busy.statusCode, 200, 'a busy loop that still turns quickly is not overloaded')

  // One long stall is a moment, not overload.
  blockEventLoop(400)
  await delay(5)
  const moment = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  await moment.body.dump()
  assert.equal(moment.statusCode, 200)

  // Busy and slow to turn (500 ms per turn of the loop, so the sampling timer fires ≥ 150 ms late) for several samples in a row.
  await busyFor(2500, 500)
  const shed = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
  const error = await shed.body.json() as any
  assert.equal(shed.statusCode, 503)
  assert.equal(error.error.type, 'overloaded_error')
  assert.match(error.error.message, /overloaded \(event loop saturated\)/)
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text()
  assert.match(metrics, /lynkr_requests_shed_total\{reason="eventLoopSaturation"\} [1-9]/)

  for (let tries = 0; ; tries++) {
    const after = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: anthropic, body })
    await after.body.dump()
    if (after.statusCode === 200) break
    if (tries === 40) assert.fail('still shedding 10 s after the stalls')
    await delay(250)
  }
})

test('the shedding defaults: utilisation ≥ 0.9 with the loop late by ≥ 0.5 s for 5 s; mean event-loop delay off (it also rises when other processes load the machine)', async () => {
  const { manifest } = await import('../plugins/health/src/index.ts')
  const options = manifest.toOptions(readPluginEnv(manifest.env, {}, 'health'), { env: {} })
  assert.equal(options.shedding.maxEventLoopUtilization, 0.9)
  assert.equal(options.shedding.maxEventLoopLagMs, 500)
  assert.equal(options.shedding.sustainedMs, 5000)
  assert.equal(options.shedding.maxEventLoopDelayMs, 0)
})
