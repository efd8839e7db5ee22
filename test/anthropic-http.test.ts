import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startGateway, ollamaEnv, openAIEnv } from './helpers/gateway.ts'

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const minimal = { model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }

async function post (url: string, body: unknown, extra: Record<string, string> = {}) {
  const response = await request(url, { method: 'POST', headers: { ...headers, ...extra }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await response.body.text()
  let json: any
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: response.statusCode, headers: response.headers, text, json }
}

test('bad input gets Anthropic-shaped 4xx, never reaches the upstream, and never crashes', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, { REQUEST_JSON_LIMIT: '2kb' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['invalid JSON', '{"model": "x", ', 400, /not valid JSON: .+/],
    ['empty body', '', 400, /empty/],
    ['body not an object', '[1,2]', 400, /object/],
    ['missing model', { max_tokens: 10, messages: [] }, 400, /model/],
    ['missing max_tokens', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, 400, /max_tokens/],
    ['messages wrong type', { model: 'm', max_tokens: 1, messages: 'hello' }, 400, /messages/],
    ['bad role', { model: 'm', max_tokens: 1, messages: [{ role: 'robot', content: 'x' }] }, 400, /role/],
    ['bad block', { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ text: 'no type' }] }] }, 400, /type/],
    ['stream not boolean', { ...minimal, stream: 'yes' }, 400, /stream/],
    ['oversized body', { ...minimal, messages: [{ role: 'user', content: 'x'.repeat(4000) }] }, 413, /limit/],
    ['__proto__ key', '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}', 400, /__proto__/]
  ]
  for (const [name, body, status, pattern] of cases) {
    const response = await post(url, body)
    assert.equal(response.status, status, `${name}: ${response.text}`)
    assert.equal(response.json?.type, 'error', name)
    assert.equal(typeof response.json?.error?.type, 'string', name)
    assert.match(response.json.error.message, pattern, name)
  }
  const notFound = await post(`${gateway.url}/v1/nothing-here`, minimal)
  assert.equal(notFound.status, 404)
  assert.equal(notFound.json.error.type, 'not_found_error')
  assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 0, 'nothing reached the upstream')
  const ok = await post(url, minimal)
  assert.equal(ok.status, 200, 'the server still serves after all that')
  // Code is full of "constructor": such bodies are parsed as they are (only __proto__ keys are refused).
  const code = await post(url, { ...minimal, messages: [{ role: 'user', content: 'class A { constructor () {} } // {"constructor":{"prototype":{}}}' }] })
  assert.equal(code.status, 200, code.text)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('large bodies (parsed in steps of their own) get the same answers and refusals as small ones', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`
  // A screenshot's worth of base64: megabytes of body, few tokens.
  const big = Buffer.alloc(1536 * 1024, 7).toString('base64')
  const ok = await post(url, { ...minimal, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: big } }, { type: 'text', text: 'é ✓ 😀 and the rest' }] }] })
  assert.equal(ok.status, 200, ok.text.slice(0, 300))
  const sent = fake.requests.find((r) => r.method === 'POST')!.body
  assert.match(sent.messages.at(-1).content, /é ✓ 😀 and the rest/, 'multi-byte text decoded whole')
  assert.equal(sent.messages.at(-1).images[0].length, big.length)
  const cases: Array<[string, string, RegExp]> = [
    ['invalid JSON', `{"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "${big}"}`, /not valid JSON: .+/],
    ['__proto__ key', `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"${big}"}],"__proto__":{"polluted":true}}`, /__proto__/],
    ['only whitespace', ' '.repeat(2 * 1024 * 1024), /empty/]
  ]
  for (const [name, body, pattern] of cases) {
    const response = await post(url, body)
    assert.equal(response.status, 400, `${name}: ${response.text.slice(0, 300)}`)
    assert.match(response.json.error.message, pattern, name)
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('Claude Code request details: beta query, base path, system messages in place, model mapping, auth headers', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })

  for (const path of ['/v1/messages?beta=true', '/anthropic/v1/messages?beta=true']) {
    const body = {
      model: 'claude-opus-5-5',
      max_tokens: 128000,
      system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332' }, { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>attribution</system-reminder>' }, { type: 'text', text: 'say hi' }] },
        { role: 'system', content: [{ type: 'text', text: 'Environment: cwd=/tmp', cache_control: { type: 'ephemeral' } }] }
      ],
      thinking: { type: 'adaptive', display: 'omitted' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      output_config: { effort: 'medium' },
      metadata: { user_id: JSON.stringify({ device_id: 'd', account_uuid: '', session_id: 's' }) },
      tools: [
        { name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
        { name: 'DeferredToolPlaceholder', description: 'never call', input_schema: { type: 'object' }, defer_loading: true }
      ]
    }
    fake.respondWith({ text: 'hi' })
    const response = await post(gateway.url + path, body, { authorization: 'Bearer client-token' })
    assert.equal(response.status, 200, response.text)
    assert.equal(response.headers['x-lynkr-provider'], 'openai')
    const upstream = fake.requests.at(-1)!
    assert.equal(upstream.headers.authorization, 'Bearer sk-test-key', 'the provider key, as Bearer')
    assert.equal(upstream.body.model, 'gpt-4o-mini', 'the configured model replaces the Claude name')
    assert.deepEqual(upstream.body.messages.map((m: { role: string }) => m.role), ['system', 'user', 'system'], 'mid-conversation system message kept in place')
    assert.deepEqual(upstream.body.tools.map((tool: { function: { name: string } }) => tool.function.name), ['Bash'], 'deferred tools are not sent')
  }

  fake.respondWith({ text: 'picked' })
  const explicit = await post(`${gateway.url}/v1/messages`, { ...minimal, model: 'openai:gpt-4.1-nano' })
  assert.equal(explicit.status, 200)
  assert.equal(fake.requests.at(-1)!.body.model, 'gpt-4.1-nano', 'provider:model picks the model explicitly')
  assert.equal(explicit.json.model, 'openai:gpt-4.1-nano')

  for (const path of ['/', '/api/hello']) {
    const head = await request(gateway.url + path, { method: 'HEAD' })
    await head.body.dump()
    assert.equal(head.statusCode, 200, `HEAD ${path}`)
  }
  const models = await request(`${gateway.url}/v1/models`, { headers })
  const list = await models.body.json() as { data: Array<{ id: string, type: string }> }
  assert.ok(list.data.some((model) => model.id === 'openai:gpt-4o-mini' && model.type === 'model'))
})

test('upstream failures map to Anthropic errors with sensible statuses', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`
  fake.respondWith({ status: 400, error: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens." })
  const overflow = await post(url, minimal)
  assert.equal(overflow.status, 400)
  assert.equal(overflow.json.error.type, 'invalid_request_error')
  assert.match(overflow.json.error.message, /^prompt is too long/, 'Claude Code compacts on this phrase')

  fake.respondWith({ status: 500, error: 'boom' })
  const serverError = await post(url, minimal)
  assert.equal(serverError.status, 500)
  assert.equal(serverError.json.error.type, 'api_error')
  assert.match(serverError.json.error.message, /openai upstream returned 500: boom/)

  fake.respondWith({ status: 503, error: 'overloaded' })
  const unavailable = await post(url, { ...minimal, stream: true })
  assert.equal(unavailable.status, 503, 'a failure before the first byte is a real HTTP status, even for streams')
  assert.equal(unavailable.json.error.type, 'overloaded_error')

  const dead = await startGateway(openAIEnv('http://127.0.0.1:9'))
  t.after(() => dead.close())
  const refused = await post(`${dead.url}/v1/messages`, minimal)
  assert.equal(refused.status, 502)
  assert.match(refused.json.error.message, /Could not reach openai upstream/)
})

test('streams flow as they arrive, and a client that disconnects aborts the upstream', async (t) => {
  let upstreamClosed = false
  let sentFirst = 0
  // An upstream that sends one chunk, then stalls: the first delta must reach the client anyway.
  const upstream = createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'first words' }, finish_reason: null }] })}\n\n`)
    sentFirst = Date.now()
    res.on('close', () => { upstreamClosed = true })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const port = (upstream.address() as AddressInfo).port
  t.after(() => { upstream.closeAllConnections(); upstream.close() })
  const gateway = await startGateway(openAIEnv(`http://127.0.0.1:${port}`))
  t.after(() => gateway.close())

  const controller = new AbortController()
  const response = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ ...minimal, stream: true }), signal: controller.signal })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /text\/event-stream/)
  let received = ''
  for await (const chunk of response.body) {
    received += chunk.toString()
    if (received.includes('first words')) break
  }
  assert.ok(sentFirst > 0 && received.includes('event: message_start') && received.includes('"text_delta"'))
  controller.abort()
  const deadline = Date.now() + 3000
  while (!upstreamClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  assert.ok(upstreamClosed, 'the upstream request was aborted when the client went away')
})

test('LYNKR_API_KEY, when set, is required as x-api-key or Bearer', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, { LYNKR_API_KEY: 'secret-gw-key' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`
  const denied = await post(url, minimal, { 'x-api-key': 'wrong' })
  assert.equal(denied.status, 401)
  assert.equal(denied.json.error.type, 'authentication_error')
  assert.equal((await post(url, minimal, { 'x-api-key': 'secret-gw-key' })).status, 200)
  const bearer = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer secret-gw-key' }, body: JSON.stringify(minimal) })
  await bearer.body.dump()
  assert.equal(bearer.statusCode, 200)
  const live = await request(`${gateway.url}/health/live`)
  assert.equal(live.statusCode, 200, 'probes need no key')
  await live.body.dump()
})

test('health: live, ready, and deep probes of the configured provider', async (t) => {
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  const gateway = await startGateway(ollamaEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const live = await request(`${gateway.url}/health/live`)
  assert.deepEqual(await live.body.json(), { status: 'ok' })
  const deep = await request(`${gateway.url}/health/ready?deep=true`)
  const report = await deep.body.json() as any
  assert.equal(deep.statusCode, 200, JSON.stringify(report))
  assert.equal(report.providers.ollama.ok, true)

  const missing = await startGateway(ollamaEnv(fake.url, { OLLAMA_MODEL: 'llama9:70b' }))
  t.after(() => missing.close())
  const notPulled = await request(`${missing.url}/health/ready?deep=true`)
  const body = await notPulled.body.json() as any
  assert.equal(notPulled.statusCode, 503)
  assert.match(body.providers.ollama.detail, /ollama pull llama9:70b/)

  const down = await startGateway(ollamaEnv('http://127.0.0.1:9'))
  t.after(() => down.close())
  const unreachable = await request(`${down.url}/health/ready?deep=true`)
  const downBody = await unreachable.body.json() as any
  assert.equal(unreachable.statusCode, 503)
  assert.match(downBody.providers.ollama.detail, /Could not reach ollama/)
  assert.ok(gateway.app.server.keepAliveTimeout >= 65_000, 'idle agent sockets survive between turns')
})

test('OpenAI reasoning models get max_completion_tokens and reasoning_effort, decided per request', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  fake.respondWith({ text: 'thought about it' })
  const reasoning = await post(`${gateway.url}/v1/messages`, { ...minimal, model: 'openai:o3-mini', max_tokens: 2000, temperature: 0.5, output_config: { effort: 'low' } })
  assert.equal(reasoning.status, 200, reasoning.text)
  const sent = fake.requests.at(-1)!.body
  assert.equal(sent.model, 'o3-mini')
  assert.equal(sent.max_completion_tokens, 2000)
  assert.equal('max_tokens' in sent, false)
  assert.equal('temperature' in sent, false)
  assert.equal(sent.reasoning_effort, 'low')

  const plain = await post(`${gateway.url}/v1/messages`, { ...minimal, max_tokens: 300 })
  assert.equal(plain.status, 200)
  assert.equal(fake.requests.at(-1)!.body.max_tokens, 300, 'gpt-4o-mini keeps max_tokens')
})

test('GET /v1/models lists tier targets as routable provider:model ids, in the caller dialect', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, {
    TIER_SIMPLE: 'ollama:qwen-small', TIER_MEDIUM: 'ollama:qwen-medium', TIER_COMPLEX: 'ollama:qwen-large', TIER_REASONING: 'ollama:qwen-think', FALLBACK_ENABLED: 'false'
  }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const anthropic = await request(`${gateway.url}/v1/models`, { headers })
  const anthropicIds = ((await anthropic.body.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id)
  for (const id of ['ollama:qwen2.5-coder:7b', 'ollama:qwen-small', 'ollama:qwen-medium', 'ollama:qwen-large', 'ollama:qwen-think']) assert.ok(anthropicIds.includes(id), `${id} in ${anthropicIds.join(', ')}`)
  const openai = await request(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer k' } })
  const list = await openai.body.json() as { object: string, data: Array<{ id: string, object: string }> }
  assert.equal(list.object, 'list')
  assert.ok(list.data.some((model) => model.id === 'ollama:qwen-think' && model.object === 'model'))
})

test('Ollama: a prompt that leaves less than the minimum answer room of OLLAMA_NUM_CTX is refused with "prompt is too long"; num_predict is what the prompt leaves', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '4096' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`
  const posts = () => fake.requests.filter((r) => r.method === 'POST')
  // About 3600 tokens: it fits the window, but leaves under 1024 for the answer (Ollama would cut the prompt or the answer).
  const long = await post(url, { ...minimal, max_tokens: 128_000, messages: [{ role: 'user', content: 'the quick brown fox jumps over the lazy dog '.repeat(400) }] })
  assert.equal(long.status, 400, long.text)
  assert.equal(long.json.error.type, 'invalid_request_error')
  // 4096 less 1024 for the answer and 128 for the model's chat template.
  assert.match(long.json.error.message, /^prompt is too long: \d+ tokens > 2944 maximum/, 'the wording Claude Code compacts on')
  assert.equal(posts().length, 0, 'never sent to Ollama')
  const fits = await post(url, { ...minimal, max_tokens: 128_000, messages: [{ role: 'user', content: 'the quick brown fox jumps over the lazy dog '.repeat(100) }] })
  assert.equal(fits.status, 200, fits.text)
  assert.equal(posts().length, 1)
  // num_ctx holds the prompt and the answer: num_predict is lowered to what the prompt leaves (it was num_ctx).
  const options = posts()[0]!.body.options as { num_ctx: number, num_predict: number }
  assert.equal(options.num_ctx, 4096)
  assert.ok(options.num_predict >= 1024 && options.num_predict <= 4096 - 800, `num_predict ${options.num_predict}`)
})
