/**
 * Issue 17: a client's bad request never becomes a provider's outage, never hangs, never leaks a call slot or
 * a secret, and always gets a 4xx in its own protocol's shape before any upstream is asked.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import http from 'node:http'
import { connect } from 'node:net'
import { request } from 'undici'
import { buildServer } from 'lynkr'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { azureOpenAICase, databricksCase } from './helpers/openai-provider-cases.ts'
import { bedrockConverseCase, vertexCase } from './helpers/provider-cases.ts'
import { startGateway, ollamaEnv, openAIEnv } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

const anthropic = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const openai = { 'content-type': 'application/json', authorization: 'Bearer k' }

async function post (gateway: TestGateway, path: string, body: unknown, headers: Record<string, string> = path.includes('/messages') ? anthropic : openai) {
  const response = await request(`${gateway.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await response.body.text()
  let json: any
  try { json = JSON.parse(text) } catch {}
  return { status: response.statusCode, headers: response.headers, text, json }
}

async function gauges (gateway: TestGateway): Promise<Record<string, number>> {
  const text = await (await request(`${gateway.url}/metrics`)).body.text()
  const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  return { streams: value('lynkr_active_streams'), calls: value('lynkr_active_upstream_requests'), breaker: value('lynkr_circuit_breaker_state') }
}

const posts = (fake: FakeUpstream): number => fake.requests.filter((r) => r.method === 'POST').length

function anthropicError (reply: { status: number, json: any, text: string }, status: number, pattern: RegExp): void {
  assert.equal(reply.status, status, reply.text)
  assert.equal(reply.json?.type, 'error', reply.text)
  assert.equal(reply.json.error.type, status === 413 ? 'request_too_large' : 'invalid_request_error', reply.text)
  assert.match(reply.json.error.message, pattern)
}

function openAIError (reply: { status: number, json: any, text: string }, status: number, pattern: RegExp): void {
  assert.equal(reply.status, status, reply.text)
  assert.equal(typeof reply.json?.error?.message, 'string', reply.text)
  assert.equal(reply.json.error.type, 'invalid_request_error', reply.text)
  assert.match(reply.json.error.message, pattern)
}

const toolTurn = (result: unknown): unknown => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 50,
  messages: [
    { role: 'user', content: 'run it' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] }
  ]
})

test('malformed requests that used to break a translator are 400s: never retried, never counted, the breaker stays closed', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url, { CIRCUIT_BREAKER_FAILURE_THRESHOLD: '2' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const deep = '{"x":'.repeat(5000) + '1' + '}'.repeat(5000)
  for (let i = 0; i < 6; i++) {
    const number = await post(gateway, '/v1/messages', toolTurn(5))
    anthropicError(number, 400, /tool_result|content/)
    assert.equal(number.headers['x-should-retry'], 'false')
    const nested = await post(gateway, '/v1/messages', JSON.stringify(toolTurn('x')).replace('{"command":"ls"}', deep))
    anthropicError(nested, 400, /nests objects or arrays deeper than 128/)
    const counted = await post(gateway, '/v1/messages/count_tokens', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: '@' }] }] }).replace('"@"', deep))
    anthropicError(counted, 400, /deeper than 128/)
    openAIError(await post(gateway, '/v1/chat/completions', `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":${'['.repeat(3000)}${']'.repeat(3000)}}`), 400, /deeper than 128/)
  }
  assert.equal(posts(fake), 0, 'nothing reached the upstream')
  assert.equal((await gauges(gateway)).breaker, 0, 'the breaker is closed')
  const ok = await post(gateway, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(ok.status, 200, ok.text)
})

test('model names with CR/LF/NUL, non-Latin-1 or dot segments are refused at both doors; nothing is held afterwards', async (t) => {
  const fake = await startFakeOllama()
  // A configured model name that headers cannot carry as it is: answered, with a safe x-lynkr-model.
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_MODEL: 'qwen-\u6a21\u578b\r\n:7b' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const names = ['claude\r\nx-injected: 1', 'claude\u0000', 'claude-\u6a21\u578b', 'c'.repeat(300), 'ollama:..', 'ollama:%2e%2e', 'bedrock:.']
  for (const model of names) {
    for (const stream of [false, true]) {
      anthropicError(await post(gateway, '/v1/messages', { model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] }), 400, /^model: the name /)
      openAIError(await post(gateway, '/v1/chat/completions', { model, stream, messages: [{ role: 'user', content: 'hi' }] }), 400, /Invalid 'model'/)
      openAIError(await post(gateway, '/v1/responses', { model, stream, input: 'hi' }), 400, /Invalid 'model'/)
    }
  }
  assert.equal(posts(fake), 0)
  for (const stream of [false, true]) {
    const reply = await post(gateway, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] })
    assert.equal(reply.status, 200, reply.text)
    assert.equal(reply.headers['x-lynkr-model'], 'qwen-%E6%A8%A1%E5%9E%8B%0D%0A:7b')
  }
  assert.deepEqual(await gauges(gateway), { streams: 0, calls: 0, breaker: 0 })
})

test('dot segments in a model name never change the upstream URL path (bedrock, azure-openai, vertex, databricks)', async (t) => {
  for (const provider of [bedrockConverseCase, azureOpenAICase, vertexCase, databricksCase]) {
    const fake = await provider.start()
    const gateway = await startGateway(provider.env(fake.url))
    t.after(async () => { await gateway.close(); await fake.close() })
    const id = provider.env(fake.url).MODEL_PROVIDER!
    for (const model of [`${id}:..`, `${id}:.`, `${id}:%2E%2e`, `${id}:../..`]) {
      anthropicError(await post(gateway, '/v1/messages', { model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), 400, /model/)
    }
    // (Vertex counts tokens once at startup, on its configured model.)
    assert.deepEqual(fake.requests.filter((r) => r.method === 'POST' && !r.path.endsWith(':countTokens')).map((r) => r.path), [], provider.name)
  }
  // Past the door (a configured model), the adapter refuses the name instead of sending it.
  const fake = await bedrockConverseCase.start()
  const gateway = await startGateway({ ...bedrockConverseCase.env(fake.url), AWS_BEDROCK_MODEL_ID: '..' })
  t.after(async () => { await gateway.close(); await fake.close() })
  for (let i = 0; i < 3; i++) anthropicError(await post(gateway, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), 400, /cannot be used in an upstream URL/)
  assert.deepEqual(fake.requests.filter((r) => r.method === 'POST').map((r) => r.path), [])
  assert.equal((await gauges(gateway)).breaker, 0)
})

test('an upstream error that quotes the configured key reaches neither the client nor the log', async (t) => {
  const key = 'sk-live-0123456789abcdefXYZ'
  const fake = await startFakeOpenAI({ apiKey: key })
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } })
  const app = await buildServer({ env: { ...openAIEnv(fake.url), OPENAI_API_KEY: key, HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_DATA_DIR: ':memory:', UPSTREAM_MAX_RETRIES: '0' }, logger: { level: 'trace', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const gateway: TestGateway = { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, close: async () => { await app.close() } }
  t.after(async () => { await gateway.close(); await fake.close() })
  const bodies: Array<[string, unknown]> = [
    ['/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }],
    ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }]
  ]
  // The whole key quoted (a 400 and a 500, which is logged as an error), then a quoted prefix (OpenAI's 401 wording).
  for (const [status, error] of [[400, `key ${key} is not allowed for this model`], [500, `crashed serving ${key}`], [401, `Incorrect API key provided: ${key.slice(0, 10)}***.`]] as const) {
    fake.respondWith({ status, error })
    for (const [path, body] of bodies) {
      const reply = await post(gateway, path, body)
      assert.ok(reply.status >= 400, reply.text)
      assert.match(reply.text, /\[redacted\]/)
      assert.ok(!reply.text.includes(key.slice(0, 8)), reply.text)
    }
  }
  assert.ok(lines.some((line) => line.includes('[redacted]')), 'the failures were logged')
  assert.ok(!lines.some((line) => line.includes(key.slice(0, 8))), lines.find((line) => line.includes(key.slice(0, 8))))
})

test('wrong status or shape for bad input: usage range, max_tokens 0 never upstream', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  for (const query of ['from=99999999999999999999', 'to=99999999999999999999', 'from=1&from=2']) {
    const reply = await request(`${gateway.url}/v1/usage?${query}`)
    const json = await reply.body.json() as any
    assert.equal(reply.statusCode, 400, `${query}: ${JSON.stringify(json)}`)
    assert.match(json.error.message, /must be an ISO 8601 date/)
  }
  // max_tokens 0 is Anthropic's cache pre-warm: answered without generating, never "no limit" upstream.
  const prewarm = await post(gateway, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(prewarm.status, 200, prewarm.text)
  assert.deepEqual([prewarm.json.content, prewarm.json.stop_reason, prewarm.json.usage.output_tokens], [[], 'max_tokens', 0])
  const streamed = await post(gateway, '/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 0, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(streamed.status, 200)
  assert.match(streamed.headers['content-type'] as string, /text\/event-stream/)
  assert.match(streamed.text, /"stop_reason":"max_tokens"[\s\S]*event: message_stop/)
  assert.equal(posts(fake), 0)
})

test('both doors refuse what the upstream would refuse, in their own shape, before any upstream call', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const user = { role: 'user', content: 'hi' }
  anthropicError(await post(gateway, '/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'assistant', content: 'hello' }, user] }), 400, /first message/)
  anthropicError(await post(gateway, '/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'x' }] }] }), 400, /unexpected `tool_use_id`/)
  anthropicError(await post(gateway, '/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'bogus' }] }] }), 400, /unknown content block type/)
  openAIError(await post(gateway, '/v1/chat/completions', { model: 'm', messages: [user], tools: [{}] }), 400, /tools\[0\]\.type/)
  openAIError(await post(gateway, '/v1/chat/completions', { model: 'm', messages: [user], stream_options: 1 }), 400, /stream_options/)
  openAIError(await post(gateway, '/v1/responses', { model: 'm', input: [{ type: 'bogus' }] }), 400, /input\[0\]\.type/)
  openAIError(await post(gateway, '/v1/chat/completions', { model: 'm', messages: [{ role: 'system', content: 'secret system prompt' }, { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }), 400, /at least one message/)
  openAIError(await post(gateway, '/v1/embeddings', { input: 'x' }), 400, /'model'/)
  assert.equal(posts(fake), 0)
})

/** Raw bytes to the gateway; resolves with everything it answered once it closes the connection. */
async function raw (gateway: TestGateway, text: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1')
    let out = ''
    socket.on('data', (chunk) => { out += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => resolve(out))
    socket.write(text)
  })
}

/** A body streamed with a Content-Length, as SDKs send large requests. */
async function sendLarge (gateway: TestGateway, path: string, size: number): Promise<{ status?: number, body: string, error?: string }> {
  return await new Promise((resolve) => {
    const result: { status?: number, body: string, error?: string } = { body: '' }
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(gateway.url).port), path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(size), 'anthropic-version': '2023-06-01' } }, (res) => {
      result.status = res.statusCode
      res.on('data', (chunk) => { result.body += chunk.toString() })
      res.on('end', () => { setImmediate(() => resolve(result)) })
    })
    req.on('error', (error) => { result.error = (error as NodeJS.ErrnoException).code; resolve(result) })
    const chunk = Buffer.alloc(65536, 0x20)
    let sent = 0
    const pump = (): void => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent)
        sent += n
        if (!req.write(chunk.subarray(0, n))) { req.once('drain', pump); return }
      }
      req.end()
    }
    pump()
  })
}

test('HTTP-level mistakes are answered in the caller\'s shape: a short Content-Length, a body over the limit', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, { REQUEST_JSON_LIMIT: '64kb' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] })
  for (const [path, headers, shape] of [['/v1/messages', 'anthropic-version: 2023-06-01\r\n', /^\{"type":"error","error":\{"type":"invalid_request_error","message":"Malformed HTTP request/], ['/v1/chat/completions', '', /^\{"error":\{"message":"Malformed HTTP request.*"type":"invalid_request_error"/]] as const) {
    const answer = await raw(gateway, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: 20\r\n\r\n${body}`)
    const [head, json] = answer.split('\r\n\r\n')
    assert.match(head!, /^HTTP\/1\.1 400 /, answer)
    assert.match(json!, shape)
  }
  // Far more than the limit, sent with its Content-Length: the client reads the 413 (no EPIPE mid-send).
  for (const path of ['/v1/messages', '/v1/chat/completions']) {
    const reply = await sendLarge(gateway, path, 40_000_000)
    assert.equal(reply.error, undefined, `no socket error (${reply.error})`)
    assert.equal(reply.status, 413)
    assert.match(reply.body, /request_too_large|larger than the limit/)
  }
  assert.equal(posts(fake), 0)
})
