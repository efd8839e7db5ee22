/**
 * Fault injection against fake upstreams: fallback (one test per trigger), retries with backoff and
 * Retry-After, circuit breakers, first-byte and idle timeouts, and streams that break after bytes were sent.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { loadTokenizer } from '../packages/core/src/tokens/count-tokens.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeReply, FakeUpstream } from './helpers/fake-script.ts'
import { startGateway } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'

// The tokenizer's ranks load once per process and block the event loop for a moment: do it before the
// short timeouts below start counting.
before(async () => { await loadTokenizer() })

const FAST = {
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '600',
  UPSTREAM_IDLE_TIMEOUT_MS: '300',
  UPSTREAM_REQUEST_TIMEOUT_MS: '1500',
  UPSTREAM_RETRY_BASE_MS: '20',
  ANTHROPIC_PING_INTERVAL_MS: '1000',
  OPENAI_PING_INTERVAL_MS: '1000'
}

function tierEnv (ollamaUrl: string, openaiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FAST,
    MODEL_PROVIDER: 'ollama',
    OLLAMA_ENDPOINT: ollamaUrl,
    TIER_SIMPLE: 'ollama:qwen-small',
    TIER_MEDIUM: 'ollama:qwen-medium',
    TIER_COMPLEX: 'ollama:qwen-large',
    TIER_REASONING: 'openai:o3',
    FALLBACK_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_ENDPOINT: `${openaiUrl}/v1`,
    OPENAI_MODEL: 'gpt-4o-mini',
    ...extra
  }
}

const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, text: string, events: Array<{ event: string, data: any }>, ms: number }

async function messages (gateway: TestGateway, prompt: string, options: { stream?: boolean, session?: string } = {}): Promise<Reply> {
  const started = Date.now()
  const response = await request(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { ...anthropicHeaders, ...(options.session ? { 'x-claude-code-session-id': options.session } : {}) },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 200, stream: options.stream ?? true, messages: [{ role: 'user', content: prompt }] })
  })
  const text = await response.body.text()
  const events = text.split('\n\n').filter((frame) => frame.startsWith('event:')).map((frame) => {
    const [eventLine, dataLine] = frame.split('\n')
    return { event: eventLine!.slice(7), data: JSON.parse(dataLine!.slice(6)) }
  })
  return { status: response.statusCode, headers: response.headers, text, events, ms: Date.now() - started }
}

const chats = (fake: FakeUpstream): number => fake.requests.filter((r) => r.method === 'POST').length

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function metricsText (gateway: TestGateway): Promise<string> {
  return await (await request(`${gateway.url}/metrics`)).body.text()
}

describe('tier routing falls back once, before the first byte, on every provider fault', () => {
  const triggers: Array<[string, FakeReply | 'refused']> = [
    ['HTTP 503', { status: 503, error: 'model is loading' }],
    ['HTTP 429 with a long Retry-After (no waiting: the fallback is the retry)', { status: 429, error: 'too many requests', retryAfter: 30 }],
    ['connection refused', 'refused'],
    ['connection reset before the first byte', { text: 'never sent', dropConnectionAfterChunks: 0 }],
    ['no first byte within UPSTREAM_FIRST_BYTE_TIMEOUT_MS', { text: 'too late', delayMs: 3000 }],
    ['an error as the first stream event', { text: '', midStreamError: 'CUDA out of memory' }]
  ]
  for (const [name, fault] of triggers) {
    test(name, async (t) => {
      const ollama = await startFakeOllama()
      const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
      if (fault !== 'refused') ollama.respondWith(fault)
      openai.respondWith({ text: 'served by the fallback', usage: { input: 50, output: 5 } })
      const ollamaUrl = fault === 'refused' ? `http://127.0.0.1:${await closedPort()}` : ollama.url
      const gateway = await startGateway(tierEnv(ollamaUrl, openai.url))
      t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })

      const reply = await messages(gateway, 'hi')
      assert.equal(reply.status, 200, reply.text)
      assert.equal(reply.headers['x-lynkr-provider'], 'openai')
      assert.equal(reply.headers['x-lynkr-model'], 'gpt-4o-mini')
      assert.equal(reply.headers['x-lynkr-route'], 'fallback')
      assert.equal(reply.headers['x-lynkr-tier'], 'SIMPLE')
      assert.equal(reply.events.at(-1)?.event, 'message_stop', 'a clean, complete stream: the client never saw the failure')
      assert.equal(reply.events.filter((e) => e.event === 'error').length, 0)
      assert.equal(reply.events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join(''), 'served by the fallback')
      if (fault !== 'refused') assert.equal(chats(ollama), 1, 'the failing tier got one try (no retries before falling back)')
      assert.equal(chats(openai), 1)
      assert.equal(openai.requests.find((r) => r.method === 'POST')!.body.model, 'gpt-4o-mini')
      assert.ok(reply.ms < 2500, `took ${reply.ms} ms`)
      const metrics = await metricsText(gateway)
      assert.match(metrics, /lynkr_fallbacks_total\{from="ollama",to="openai",outcome="\w+"\} 1/)
    })
  }

  test('non-streaming requests fall back too', async (t) => {
    const ollama = await startFakeOllama()
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    ollama.respondWith({ status: 500, error: 'boom' })
    openai.respondWith({ text: 'whole answer' })
    const gateway = await startGateway(tierEnv(ollama.url, openai.url))
    t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })
    const reply = await messages(gateway, 'hi', { stream: false })
    assert.equal(reply.status, 200, reply.text)
    assert.equal(JSON.parse(reply.text).content[0].text, 'whole answer')
    assert.equal(reply.headers['x-lynkr-route'], 'fallback')
  })

  test('a client error (400) is not a provider fault: no fallback, the client gets it', async (t) => {
    const ollama = await startFakeOllama()
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    ollama.respondWith({ status: 400, error: 'invalid tool schema' })
    const gateway = await startGateway(tierEnv(ollama.url, openai.url))
    t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 400)
    assert.match(reply.text, /invalid tool schema/)
    assert.equal(chats(openai), 0)
  })

  test('FALLBACK_ENABLED=false: the tier retries on its own provider and the error reaches the client', async (t) => {
    const ollama = await startFakeOllama()
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    ollama.respondWith({ status: 503, error: 'busy' })
    const gateway = await startGateway(tierEnv(ollama.url, openai.url, { FALLBACK_ENABLED: 'false', UPSTREAM_MAX_RETRIES: '2' }))
    t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 503)
    assert.equal(chats(ollama), 3, 'one try and two retries')
    assert.equal(chats(openai), 0)
  })

  test('a session that fell back stays on the fallback while its tier is unchanged; headers and metrics show tiers', async (t) => {
    const ollama = await startFakeOllama()
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    let fail = true
    ollama.respondWith(() => fail ? { status: 503, error: 'busy' } : { text: 'local answer' })
    openai.respondWith({ text: 'cloud answer' })
    const gateway = await startGateway(tierEnv(ollama.url, openai.url))
    t.after(async () => { await gateway.close(); await ollama.close(); await openai.close() })

    const first = await messages(gateway, 'hi', { session: 'session-a' })
    assert.equal(first.headers['x-lynkr-route'], 'fallback')
    fail = false
    const again = await messages(gateway, 'thanks!', { session: 'session-a' })
    assert.equal(again.headers['x-lynkr-provider'], 'openai', 'kept on the provider whose cache is warm')
    assert.equal(again.headers['x-lynkr-route'], 'tier-sticky')
    const other = await messages(gateway, 'hello', { session: 'session-b' })
    assert.equal(other.headers['x-lynkr-provider'], 'ollama')
    assert.equal(other.headers['x-lynkr-model'], 'qwen-small')
    const hard = await messages(gateway, 'Prove that our merge step preserves the sorted-key invariant, and explain why the loop terminates. Think hard.', { session: 'session-a' })
    assert.equal(hard.headers['x-lynkr-tier'], 'REASONING', 'a new tier re-routes the session')
    assert.equal(hard.headers['x-lynkr-model'], 'o3')
    assert.equal(hard.headers['x-lynkr-route'], 'tier')
    const metrics = await metricsText(gateway)
    assert.match(metrics, /lynkr_tier_decisions_total\{tier="SIMPLE",provider="ollama",sticky="false"\} 2/)
    assert.match(metrics, /lynkr_tier_decisions_total\{tier="SIMPLE",provider="openai",sticky="true"\} 1/)
    assert.match(metrics, /lynkr_tier_decisions_total\{tier="REASONING",provider="openai",sticky="false"\} 1/)
  })
})

describe('static routing: retries with backoff that honour Retry-After', () => {
  function staticEnv (openaiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
    return { ...FAST, MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${openaiUrl}/v1`, OPENAI_MODEL: 'gpt-4o-mini', ...extra }
  }

  test('429 with Retry-After: 1 waits a second, then succeeds; fallback settings are ignored without tiers', async (t) => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    let calls = 0
    openai.respondWith(() => ++calls === 1 ? { status: 429, error: 'slow down', retryAfter: 1 } : { text: 'after the wait' })
    const gateway = await startGateway(staticEnv(openai.url, { FALLBACK_PROVIDER: 'ollama' }))
    t.after(async () => { await gateway.close(); await openai.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 200, reply.text)
    assert.equal(reply.events.filter((e) => e.event === 'content_block_delta').map((e) => e.data.delta.text).join(''), 'after the wait')
    assert.equal(chats(openai), 2)
    assert.ok(reply.ms >= 950, `retried after ${reply.ms} ms, before Retry-After`)
  })

  test('5xx twice, then success: exponential backoff, three upstream calls', async (t) => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    let calls = 0
    openai.respondWith(() => ++calls <= 2 ? { status: 502, error: 'bad gateway' } : { text: 'third time lucky' })
    const gateway = await startGateway(staticEnv(openai.url))
    t.after(async () => { await gateway.close(); await openai.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 200)
    assert.equal(chats(openai), 3)
    const metrics = await metricsText(gateway)
    assert.match(metrics, /lynkr_upstream_requests_total\{provider="openai",model="gpt-4o-mini",outcome="server_error"\} 2/)
    assert.match(metrics, /lynkr_upstream_requests_total\{provider="openai",model="gpt-4o-mini",outcome="success"\} 1/)
  })

  test('a Retry-After longer than UPSTREAM_RETRY_MAX_DELAY_MS goes straight back to the client with Retry-After', async (t) => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    openai.respondWith({ status: 429, error: 'quota', retryAfter: 120 })
    const gateway = await startGateway(staticEnv(openai.url, { UPSTREAM_RETRY_MAX_DELAY_MS: '5000' }))
    t.after(async () => { await gateway.close(); await openai.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 429)
    assert.equal(reply.headers['retry-after'], '120')
    assert.equal(chats(openai), 1)
    assert.ok(reply.ms < 1000)
  })
})

describe('circuit breakers', () => {
  test('open after consecutive failures (fail fast), half-open after the cooldown, closed by a good probe', async (t) => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    openai.respondWith({ status: 503, error: 'down' })
    const gateway = await startGateway({
      ...FAST, MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${openai.url}/v1`,
      UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2', CIRCUIT_BREAKER_COOLDOWN_MS: '400'
    })
    t.after(async () => { await gateway.close(); await openai.close() })
    const ready = async (): Promise<any> => await (await request(`${gateway.url}/health/ready`)).body.json()

    assert.equal((await messages(gateway, 'hi')).status, 503)
    assert.equal((await ready()).circuitBreakers.openai.state, 'closed')
    assert.equal((await messages(gateway, 'hi')).status, 503)
    const open = await ready()
    assert.equal(open.circuitBreakers.openai.state, 'open')
    assert.equal(open.circuitBreakers.openai.consecutiveFailures, 2)
    assert.match(await metricsText(gateway), /lynkr_circuit_breaker_state\{provider="openai"\} 2/)

    const fast = await messages(gateway, 'hi')
    assert.equal(fast.status, 503)
    assert.match(fast.text, /circuit breaker is open/)
    assert.ok(Number(fast.headers['retry-after']) >= 1)
    assert.equal(chats(openai), 2, 'an open circuit does not call the upstream')

    await new Promise((resolve) => setTimeout(resolve, 450))
    openai.respondWith({ text: 'back' })
    const probe = await messages(gateway, 'hi')
    assert.equal(probe.status, 200)
    assert.equal((await ready()).circuitBreakers.openai.state, 'closed')
    const metrics = await metricsText(gateway)
    assert.match(metrics, /lynkr_circuit_breaker_state\{provider="openai"\} 0/)
    for (const state of ['open', 'half_open', 'closed']) {
      assert.match(metrics, new RegExp(`lynkr_circuit_breaker_transitions_total\\{provider="openai",state="${state}"\\} 1`))
    }
  })
})

describe('streams that break after bytes were sent end with an error event and close within a second', () => {
  const env = (url: string) => ({ ...FAST, MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: url, OLLAMA_MODEL: 'qwen' })

  test('connection reset mid-stream (Anthropic dialect): event: error, no message_stop', async (t) => {
    const ollama = await startFakeOllama()
    ollama.respondWith({ text: 'one two three four five six', chunkDelayMs: 30, dropConnectionAfterChunks: 3 })
    const gateway = await startGateway(env(ollama.url))
    t.after(async () => { await gateway.close(); await ollama.close() })
    const reply = await messages(gateway, 'hi')
    assert.equal(reply.status, 200)
    assert.ok(reply.events.some((e) => e.event === 'content_block_delta'), 'bytes were sent before the break')
    const last = reply.events.at(-1)!
    assert.equal(last.event, 'error')
    assert.equal(last.data.type, 'error')
    assert.equal(typeof last.data.error.message, 'string')
    assert.ok(!reply.events.some((e) => e.event === 'message_stop'))
    assert.ok(reply.ms < 1000, `closed after ${reply.ms} ms`)
  })

  test('an upstream that hangs mid-stream trips the idle timeout: timeout error event, connection closed', async (t) => {
    const ollama = await startFakeOllama()
    ollama.respondWith({ text: 'one two three', chunkDelayMs: 20_000 })
    const gateway = await startGateway(env(ollama.url))
    t.after(async () => { await gateway.close(); await ollama.close() })
    const reply = await messages(gateway, 'hi')
    const last = reply.events.at(-1)!
    assert.equal(last.event, 'error')
    assert.equal(last.data.error.type, 'timeout_error')
    assert.match(last.data.error.message, /went silent mid-stream/)
    assert.ok(reply.ms < 300 + 1000, `closed after ${reply.ms} ms`)
    // The call is recorded once what it streamed is counted (the upstream reported no usage): wait for it.
    let metrics = await metricsText(gateway)
    for (let waited = 0; !/lynkr_errors_total\{type="timeout",phase="stream"\} 1/.test(metrics) && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      metrics = await metricsText(gateway)
    }
    assert.match(metrics, /lynkr_upstream_requests_total\{provider="ollama",model="qwen",outcome="timeout"\} 1/)
    assert.match(metrics, /lynkr_errors_total\{type="timeout",phase="stream"\} 1/)
  })

  test('OpenAI dialect: the break ends with a data: {"error": …} chunk', async (t) => {
    const ollama = await startFakeOllama()
    ollama.respondWith({ text: 'one two three four five six', chunkDelayMs: 30, dropConnectionAfterChunks: 3 })
    const gateway = await startGateway(env(ollama.url))
    t.after(async () => { await gateway.close(); await ollama.close() })
    const started = Date.now()
    const response = await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    })
    const text = await response.body.text()
    const frames = text.split('\n\n').filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]').map((frame) => JSON.parse(frame.slice(6)))
    assert.ok(frames.some((frame) => frame.choices?.[0]?.delta?.content), 'content was sent before the break')
    const error = frames.find((frame) => frame.error !== undefined)
    assert.ok(error, text)
    assert.equal(typeof error.error.message, 'string')
    assert.ok(Date.now() - started < 1000)
  })
})
