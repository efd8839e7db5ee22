/**
 * The OpenAI front door at the HTTP level: bad input never crashes the server, errors are OpenAI JSON with
 * the upstream's real status, mid-stream failures become an error frame, Cursor's Responses-shaped bodies
 * on /chat/completions reach the upstream as strict chat bodies, and embeddings without a provider say
 * which variable to set.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'
import { ollamaEnv, openAIEnv, startGateway, type TestGateway } from './helpers/gateway.ts'

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, text: string, json?: any }

async function send (url: string, body: string | object, headers: Record<string, string> = {}, method: 'POST' | 'GET' = 'POST'): Promise<Reply> {
  const res = await request(url, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json', authorization: 'Bearer dummy', ...headers } : { authorization: 'Bearer dummy', ...headers },
    body: method === 'POST' ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    headersTimeout: 10_000,
    bodyTimeout: 10_000
  })
  const text = await res.body.text()
  let json: unknown
  try { json = JSON.parse(text) } catch {}
  return { status: res.statusCode, headers: res.headers, text, json }
}

function assertOpenAIError (reply: Reply, status: number, message: RegExp): void {
  assert.equal(reply.status, status, reply.text)
  assert.match(String(reply.headers['content-type']), /application\/json/)
  assert.deepEqual(Object.keys(reply.json.error).sort(), ['code', 'message', 'param', 'type'])
  assert.match(reply.json.error.message, message)
}

function chatFrames (text: string): unknown[] {
  return text.split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => {
    const data = frame.slice(6)
    return data === '[DONE]' ? data : JSON.parse(data) as unknown
  })
}

const messages = [{ role: 'user', content: 'hi' }]

describe('OpenAI front door over HTTP (OpenAI upstream)', () => {
  let fake: FakeUpstream
  let gateway: TestGateway
  let chatUrl: string

  before(async () => {
    fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
    gateway = await startGateway(openAIEnv(fake.url))
    chatUrl = `${gateway.url}/v1/chat/completions`
  })
  after(async () => {
    await gateway.close()
    await fake.close()
  })

  test('bad input → 400 OpenAI error JSON, and the server keeps serving', async () => {
    fake.respondWith({ text: 'still alive' })
    const posts = (): number => fake.requests.filter((recorded) => recorded.method === 'POST').length // health probes GET
    const before = posts()
    assertOpenAIError(await send(chatUrl, '{"model": "m", "messages": ['), 400, /not valid JSON/)
    assertOpenAIError(await send(chatUrl, ''), 400, /JSON/)
    assertOpenAIError(await send(chatUrl, { model: 'm' }), 400, /Missing required parameter: 'messages'/)
    assertOpenAIError(await send(chatUrl, { model: 'm', messages: 'hello' }), 400, /Invalid type for 'messages'/)
    assertOpenAIError(await send(chatUrl, { model: 42, messages }), 400, /'model'/)
    assertOpenAIError(await send(chatUrl, { model: 'm', messages: [{ role: 'user', content: { text: 'x' } }] }), 400, /messages\[0\]\.content/)
    assertOpenAIError(await send(chatUrl, { model: 'm', messages, stream: 'true' }), 400, /'stream'/)
    assertOpenAIError(await send(chatUrl, { model: 'm', messages, tools: [{ type: 'function' }] }), 400, /name/)
    assertOpenAIError(await send(chatUrl, [1, 2, 3]), 400, /JSON object/)
    assertOpenAIError(await send(`${gateway.url}/v1/responses`, { model: 'm' }), 400, /'input'/)
    assertOpenAIError(await send(`${gateway.url}/v1/embeddings`, { model: 'm', input: 5 }), 400, /'input'/)
    assertOpenAIError(await send(`${gateway.url}/v1/nope`, {}), 404, /No route/)
    assert.equal(posts(), before, 'nothing invalid reached the upstream')
    const ok = await send(chatUrl, { model: 'm', messages })
    assert.equal(ok.status, 200)
    assert.equal(ok.json.choices[0].message.content, 'still alive')
  })

  test('upstream 429 keeps its status, Retry-After and says what happened; the SDK sees a RateLimitError', async () => {
    fake.respondWith({ status: 429, error: 'Rate limit reached for requests', retryAfter: 7 })
    const reply = await send(chatUrl, { model: 'm', messages, stream: true })
    assertOpenAIError(reply, 429, /openai upstream returned 429: Rate limit reached for requests/)
    assert.equal(reply.json.error.code, 'rate_limit_exceeded')
    assert.equal(reply.headers['retry-after'], '7')

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'dummy', maxRetries: 0 })
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError)
      assert.match(error.message, /upstream returned 429/)
      return true
    })
  })

  test('upstream 5xx keeps its status and message (not "rate limit")', async () => {
    fake.respondWith({ status: 503, error: 'The engine is currently overloaded' })
    const reply = await send(chatUrl, { model: 'm', messages })
    assertOpenAIError(reply, 503, /openai upstream returned 503: The engine is currently overloaded/)
    fake.respondWith({ status: 500, error: 'boom' })
    assertOpenAIError(await send(`${gateway.url}/v1/responses`, { model: 'm', input: 'x', stream: true }), 500, /returned 500: boom/)
  })

  test('a mid-stream upstream error becomes one data: {"error"} frame and the stream ends without [DONE]', async () => {
    fake.respondWith({ text: 'partial answer', midStreamError: 'upstream worker died' })
    const reply = await send(chatUrl, { model: 'm', messages, stream: true })
    assert.equal(reply.status, 200)
    const frames = chatFrames(reply.text)
    assert.notEqual(frames.at(-1), '[DONE]')
    assert.match((frames.at(-1) as { error: { message: string } }).error.message, /upstream worker died/)

    fake.respondWith({ text: 'partial answer', midStreamError: 'upstream worker died' })
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'dummy', maxRetries: 0 })
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })
    await assert.rejects((async () => { for await (const _ of stream) {} })(), /upstream worker died/)
  })

  test("Cursor's Responses-shaped body on /chat/completions: chat chunks back, a strict chat body upstream", async () => {
    fake.respondWith({ toolCalls: [{ name: 'ApplyPatch', arguments: { input: '*** Begin Patch\n*** End Patch' } }], usage: { input: 50, output: 8, cached: 20 } })
    const reply = await send(chatUrl, {
      model: 'gpt-5.1-codex',
      stream: true,
      stream_options: { include_usage: true },
      store: false,
      include: ['reasoning.encrypted_content'],
      previous_response_id: 'resp_1',
      truncation: 'auto',
      prompt_cache_retention: '24h',
      reasoning: { effort: 'low', summary: 'auto' },
      text: { verbosity: 'low' },
      instructions: 'You are Cursor.',
      tools: [
        { type: 'function', name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
        { type: 'custom', name: 'ApplyPatch', format: { type: 'grammar', syntax: 'lark', definition: 'start: /.+/' } }
      ],
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'patch it' }] },
        { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'const a = 1' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'ok' }], tool_calls: [] }
      ]
    })
    assert.equal(reply.status, 200, reply.text)
    const frames = chatFrames(reply.text)
    assert.equal(frames.at(-1), '[DONE]')
    const chunks = frames.slice(0, -1) as Array<{ object: string, choices: Array<{ delta: any, finish_reason: string | null }>, usage?: any }>
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk'))
    const custom = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
    assert.deepEqual(custom.map((call: any) => [call.type, call.custom?.name, call.custom?.input]), [['custom', 'ApplyPatch', '*** Begin Patch\n*** End Patch']])
    assert.equal(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'tool_calls')
    assert.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 50, completion_tokens: 8, total_tokens: 58, prompt_tokens_details: { cached_tokens: 20 } })

    const upstream = fake.requests.at(-1)!.body
    for (const key of ['input', 'include', 'store', 'previous_response_id', 'truncation', 'prompt_cache_retention', 'instructions', 'text', 'reasoning']) {
      assert.ok(!(key in upstream), `${key} is not forwarded`)
    }
    assert.ok(!JSON.stringify(upstream).includes('input_text'))
    assert.deepEqual(upstream.messages.map((message: any) => message.role), ['system', 'user', 'assistant', 'tool', 'assistant'])
    assert.deepEqual(upstream.tools.map((tool: any) => [tool.type, tool.function.name]), [['function', 'read_file'], ['function', 'ApplyPatch']])
    assert.deepEqual(upstream.tools[1].function.parameters.required, ['input'])
  })

  test('GET /v1/models answers each dialect in its own shape', async () => {
    const openai = await send(`${gateway.url}/v1/models`, '', {}, 'GET')
    assert.equal(openai.json.object, 'list')
    assert.ok(openai.json.data.some((model: any) => model.id === 'openai:gpt-4o-mini' && model.object === 'model'))
    const anthropic = await send(`${gateway.url}/v1/models`, '', { 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }, 'GET')
    assert.equal(anthropic.json.object, undefined)
    assert.equal(anthropic.json.data[0].type, 'model')
  })

  test('client disconnect mid-stream does not take the server down', async () => {
    fake.respondWith({ text: 'a b c d e f g h i j k l m n o p', chunkDelayMs: 50 })
    const controller = new AbortController()
    const res = await request(chatUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages, stream: true }), signal: controller.signal })
    for await (const _ of res.body) { controller.abort(); break }
    fake.respondWith({ text: 'next' })
    const ok = await send(chatUrl, { model: 'm', messages })
    assert.equal(ok.json.choices[0].message.content, 'next')
  })
})

describe('OpenAI front door over HTTP (Ollama upstream, no embeddings provider)', () => {
  let fake: FakeUpstream
  let gateway: TestGateway

  before(async () => {
    fake = await startFakeOllama()
    gateway = await startGateway(ollamaEnv(fake.url))
  })
  after(async () => {
    await gateway.close()
    await fake.close()
  })

  test('embeddings without a provider: a clear OpenAI error naming the variables to set', async () => {
    const reply = await send(`${gateway.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: 'x' })
    assertOpenAIError(reply, 400, /OLLAMA_EMBEDDINGS_MODEL.*OPENAI_API_KEY/)
    assert.ok(!fake.requests.some((recorded) => recorded.path.includes('embed')))
  })

  test('Ollama receives string content only, even for parts, tool arrays and empty tool_calls', async () => {
    fake.respondWith({ text: 'done' })
    const reply = await send(`${gateway.url}/v1/chat/completions`, {
      model: 'qwen',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'rules' }] },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'calling' }], tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'result text' }] },
        { role: 'assistant', content: 'more', tool_calls: [] },
        { role: 'user', content: 'thanks' }
      ]
    })
    assert.equal(reply.status, 200, reply.text)
    const upstream = fake.requests.at(-1)!.body
    for (const message of upstream.messages) {
      assert.equal(typeof message.content, 'string')
      assert.ok(message.tool_calls === undefined || message.tool_calls.length > 0)
    }
    assert.deepEqual(upstream.messages.map((message: any) => message.role), ['system', 'user', 'assistant', 'tool', 'assistant', 'user'])
    assert.deepEqual(upstream.messages[1].images, ['iVBORw0KGgo='])
    assert.equal(upstream.messages[3].content, 'result text')
  })

  test('Ollama upstream errors keep their status in OpenAI JSON', async () => {
    fake.respondWith({ status: 404, error: "model 'qwen' not found" })
    const reply = await send(`${gateway.url}/v1/chat/completions`, { model: 'qwen', messages })
    assertOpenAIError(reply, 404, /ollama upstream returned 404: model 'qwen' not found/)
    assert.equal(reply.json.error.code, 'model_not_found')
  })
})
