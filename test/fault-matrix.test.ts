/**
 * The fault matrix: every way an upstream (or the proxy in front of it) breaks, streaming and not, through
 * both front doors. Each fault must end in a proper error in the client's dialect — an HTTP error before the
 * first byte, an error event after it, never a finished-looking answer — within the configured deadline; the
 * in-flight gauges must come back to 0; and the next request must succeed. Small timeouts stand in for the
 * real minutes.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { loadTokenizer } from '../packages/core/src/tokens/count-tokens.ts'
import { ANSWER, FAULTS, startFaultServer } from './helpers/fault-server.ts'
import type { Fault, FaultServer } from './helpers/fault-server.ts'
import { UpstreamClient } from '../packages/core/src/index.ts'
import { createOllamaAdapter } from '../plugins/provider-ollama/src/index.ts'
import { startGateway } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import { sampleValue, scrape } from './helpers/prometheus.ts'

before(async () => { await loadTokenizer() })

const TIMEOUTS = {
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '800',
  UPSTREAM_IDLE_TIMEOUT_MS: '600',
  UPSTREAM_REQUEST_TIMEOUT_MS: '1500',
  UPSTREAM_STREAM_TIMEOUT_MS: '2500',
  UPSTREAM_RETRY_BASE_MS: '20',
  ANTHROPIC_PING_INTERVAL_MS: '1000',
  OPENAI_PING_INTERVAL_MS: '1000'
}
/** The longest any fault may take: the stream deadline, plus slack for a busy machine (not a timing test). */
const DEADLINE_MS = 2500 + 6000

type Door = 'anthropic' | 'openai'

interface Reply { status: number, body: string, ms: number }

async function call (gateway: TestGateway, door: Door, stream: boolean): Promise<Reply> {
  const started = Date.now()
  // A request the gateway never ends fails here instead of hanging the suite.
  const signal = AbortSignal.timeout(DEADLINE_MS * 2)
  const response = door === 'anthropic'
    ? await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 200, stream, messages: [{ role: 'user', content: 'hi' }] })
    })
    : await request(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] })
    })
  const body = await response.body.text()
  return { status: response.statusCode, body, ms: Date.now() - started }
}

/** A proper error: the dialect's error JSON with an error status, or a stream that ends in the dialect's error event and nothing else. */
function assertProperError (reply: Reply, door: Door, stream: boolean, what: string): void {
  if (reply.status !== 200) {
    assert.ok(reply.status >= 400, `${what}: status ${reply.status}`)
    const body = JSON.parse(reply.body)
    if (door === 'anthropic') {
      assert.equal(body.type, 'error', `${what}: ${reply.body}`)
      assert.equal(typeof body.error?.message, 'string', `${what}: ${reply.body}`)
    } else {
      assert.equal(typeof body.error?.message, 'string', `${what}: ${reply.body}`)
    }
    return
  }
  assert.ok(stream, `${what}: a whole answer came back 200: ${reply.body.slice(0, 300)}`)
  if (door === 'anthropic') {
    assert.match(reply.body, /event: error\ndata: \{"type":"error","error":\{"type":"\w+","message":/, `${what}: no error event: ${reply.body.slice(-400)}`)
    assert.doesNotMatch(reply.body, /message_stop|"stop_reason":"end_turn"/, `${what}: the stream looks finished`)
  } else {
    assert.match(reply.body, /data: \{"error":\{"message":/, `${what}: no error chunk: ${reply.body.slice(-400)}`)
    assert.doesNotMatch(reply.body, /^data: \[DONE\]|"finish_reason":"stop"/m, `${what}: the stream looks finished`)
  }
}

function assertAnswer (reply: Reply, door: Door, stream: boolean, what: string): void {
  assert.equal(reply.status, 200, `${what}: ${reply.body.slice(0, 300)}`)
  const text = ANSWER.join('')
  if (!stream) {
    const body = JSON.parse(reply.body)
    assert.equal(door === 'anthropic' ? body.content[0].text : body.choices[0].message.content, text, what)
    return
  }
  if (door === 'anthropic') {
    const deltas = [...reply.body.matchAll(/"text_delta","text":"([^"]*)"/g)].map((m) => m[1]).join('')
    assert.equal(deltas, text, what)
    assert.match(reply.body, /event: message_stop/, what)
  } else {
    const deltas = [...reply.body.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('')
    assert.equal(deltas, text, what)
    assert.match(reply.body, /data: \[DONE\]/, what)
  }
}

/** Both in-flight gauges back at 0 (waited for: the last bookkeeping runs just after the reply ends). */
async function assertGaugesSettle (gateway: TestGateway, what: string): Promise<void> {
  const until = Date.now() + 10_000
  let streams = -1
  let calls = -1
  while (Date.now() < until) {
    const { families } = await scrape(gateway.url)
    streams = sampleValue(families, 'lynkr_active_streams') ?? -1
    calls = sampleValue(families, 'lynkr_active_upstream_requests') ?? -1
    if (streams === 0 && calls === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.fail(`${what}: gauges stuck at active_streams=${streams}, active_upstream_requests=${calls}`)
}

interface Upstream { name: string, env: (url: string) => Record<string, string>, faults: Fault[] }

const upstreams: Upstream[] = [
  { name: 'OpenAI-format upstream', env: (url) => ({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${url}/v1`, OPENAI_MODEL: 'gpt-4o-mini' }), faults: FAULTS },
  // The parsers differ per dialect; the transport faults above take the same path for every provider.
  { name: 'Ollama upstream', env: (url) => ({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: url, OLLAMA_MODEL: 'qwen' }), faults: ['truncated', 'html-200', 'empty-200', 'non-stream-200', 'error-200', 'reset-mid-body'] },
  { name: 'Gemini upstream', env: (url) => ({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: 'gemini-key', VERTEX_ENDPOINT: url, VERTEX_MODEL: 'gemini-2.5-pro' }), faults: ['truncated', 'html-200', 'empty-200', 'non-stream-200'] }
]

for (const upstream of upstreams) {
  describe(`fault matrix: ${upstream.name}`, () => {
    let server: FaultServer
    let gateway: TestGateway
    before(async () => {
      server = await startFaultServer()
      gateway = await startGateway({ ...TIMEOUTS, ...upstream.env(server.url) })
    })
    after(async () => { await gateway.close(); await server.close() })

    for (const fault of upstream.faults) {
      for (const door of ['anthropic', 'openai'] as const) {
        for (const stream of [true, false]) {
          const what = `${fault}, ${door} front door, ${stream ? 'streaming' : 'whole answer'}`
          test(what, async () => {
            server.fault = fault
            const reply = await call(gateway, door, stream)
            assertProperError(reply, door, stream, what)
            assert.ok(reply.ms < DEADLINE_MS, `${what}: took ${reply.ms} ms`)
            await assertGaugesSettle(gateway, what)
            server.fault = 'ok'
            assertAnswer(await call(gateway, door, stream), door, stream, `${what}, then the next request`)
          })
        }
      }
    }
  })
}

describe('keep-alive before the first content part', () => {
  for (const door of ['anthropic', 'openai'] as const) {
    test(`${door} front door: a ping goes out while the upstream has not answered, then the answer streams`, async (t) => {
      const server = await startFaultServer()
      const gateway = await startGateway({ ...TIMEOUTS, UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '60000', MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${server.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini' })
      t.after(async () => { await gateway.close(); await server.close() })
      let release!: () => void
      server.hold = new Promise((resolve) => { release = resolve })
      // Without keep-alives the headers would wait for the answer: let it go eventually, so the test fails instead of hanging.
      const safety = setTimeout(() => release(), 15_000)
      t.after(() => clearTimeout(safety))
      const response = await request(door === 'anthropic' ? `${gateway.url}/v1/messages` : `${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: door === 'anthropic' ? { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' } : { 'content-type': 'application/json' },
        body: JSON.stringify({ model: door === 'anthropic' ? 'claude-sonnet-4-5' : 'gpt-4o-mini', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'think hard' }] })
      })
      // The headers came before any content: the upstream is still holding its answer.
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /text\/event-stream/)
      assert.equal(server.chats, 1)
      const chunks = response.body[Symbol.asyncIterator]()
      const first = String((await chunks.next()).value)
      assert.equal(first, door === 'anthropic' ? 'event: ping\ndata: {"type":"ping"}\n\n' : ': ping\n\n', 'the first bytes are the keep-alive')
      release()
      let rest = first
      for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) rest += String(next.value)
      assertAnswer({ status: 200, body: rest, ms: 0 }, door, true, 'after the keep-alive')
    })
  }

  test('an upstream that never answers, after the keep-alive started: an error event within the first-byte timeout', async (t) => {
    const server = await startFaultServer()
    const gateway = await startGateway({ ...TIMEOUTS, UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '3000', UPSTREAM_STREAM_TIMEOUT_MS: '60000', MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${server.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini' })
    t.after(async () => { await gateway.close(); await server.close() })
    server.fault = 'stall-before-headers'
    const reply = await call(gateway, 'anthropic', true)
    assert.equal(reply.status, 200, 'the keep-alive committed the stream')
    assert.match(reply.body, /^event: ping\n/)
    assert.match(reply.body, /event: error\ndata: \{"type":"error","error":\{"type":"timeout_error","message":"openai upstream sent no first byte within 3000 ms"/)
    await assertGaugesSettle(gateway, 'stall after the keep-alive')
  })
})

test('Ollama: a whole answer that is a 200 with {"error": …} fails in the adapter itself, whatever policy runs around it', async (t) => {
  const server = await startFaultServer()
  const client = new UpstreamClient()
  t.after(async () => { await client.close(); await server.close() })
  server.fault = 'error-200'
  const adapter = createOllamaAdapter({ endpoint: server.url, model: 'qwen', numCtx: 8192, client })
  const log = { debug () {}, info () {}, warn () {}, error () {} }
  await assert.rejects(
    async () => await adapter.chat({ model: 'qwen', clientModel: 'qwen', max_tokens: 50, stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, { signal: new AbortController().signal, log, requestId: 'r1' }),
    (error: Error & { status?: number }) => error.status === 502 && /not found, try pulling it first/.test(error.message)
  )
})
