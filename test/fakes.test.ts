/**
 * Proves the test doubles speak the real wire formats, using plain HTTP clients (no gateway involved),
 * and that the Claude Code runner really drives the CLI against a server.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { request } from 'undici'
import { agentResponder } from './helpers/agent-responder.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeGemini } from './helpers/fake-gemini.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'

interface Reply { status: number, contentType: string, text: string }

async function post (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    headersTimeout: 5_000,
    bodyTimeout: 5_000
  })
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text: await res.body.text() }
}

/** The JSON payloads of an SSE body, in order; '[DONE]' stays a string. */
function sseData (text: string): unknown[] {
  assert.ok(text.endsWith('\n\n'), 'every SSE frame ends with a blank line')
  return text.split('\n\n').filter((frame) => frame !== '').map((frame) => {
    assert.ok(frame.startsWith('data: ') && !frame.includes('\n'), `one data: line per frame, got ${frame}`)
    const data = frame.slice('data: '.length)
    return data === '[DONE]' ? data : JSON.parse(data) as unknown
  })
}

interface ToolFragment { index: number, id?: string, type?: string, function: { name?: string, arguments: string } }
interface OllamaLine {
  model: string
  message: { role: string, content: string, thinking?: string, tool_calls?: unknown[] }
  done: boolean
  done_reason?: string
  prompt_eval_count?: number
  eval_count?: number
  total_duration?: number
}
interface Chunk { id: string, object: string, choices: Array<{ delta: { role?: string, content?: string, tool_calls?: ToolFragment[] }, finish_reason: string | null }>, usage?: unknown }

async function withFake (t: TestContext, start: Promise<FakeUpstream>): Promise<FakeUpstream> {
  const fake = await start
  t.after(async () => await fake.close())
  return fake
}

const chatUrl = (fake: FakeUpstream): string => `${fake.url}/v1/chat/completions`
const user = [{ role: 'user', content: 'hi' }]

test('openai: interleaved parallel tool calls reassemble by index', async (t) => {
  const fake = await withFake(t, startFakeOpenAI())
  const second = { path: 'b "quoted" \\ ü.ts', lines: [1, 2] }
  fake.respondWith({ toolCalls: [{ name: 'read', arguments: { path: 'a.ts' } }, { name: 'read', arguments: second }], interleave: true })
  const res = await post(chatUrl(fake), { model: 'gpt-4o-mini', messages: user, stream: true })
  assert.equal(res.status, 200)
  assert.match(res.contentType, /^text\/event-stream/)
  assert.ok(!res.text.includes('event:'))
  const data = sseData(res.text)
  assert.equal(data.at(-1), '[DONE]')
  const chunks = data.slice(0, -1) as Chunk[]
  for (const chunk of chunks) {
    assert.match(chunk.id, /^chatcmpl-/)
    assert.equal(chunk.object, 'chat.completion.chunk')
  }
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '', refusal: null })

  const fragments = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
  const order = fragments.map((fragment) => fragment.index)
  assert.ok(order.indexOf(1) < order.lastIndexOf(0), `fragments interleave: ${order.join(',')}`)
  const calls = new Map<number, { id?: string, name?: string, args: string }>()
  for (const fragment of fragments) {
    const call = calls.get(fragment.index)
    if (call === undefined) {
      assert.equal(fragment.type, 'function')
      assert.match(fragment.id ?? '', /^call_/)
      calls.set(fragment.index, { id: fragment.id, name: fragment.function.name, args: fragment.function.arguments })
    } else {
      assert.deepEqual(Object.keys(fragment).sort(), ['function', 'index'])
      assert.deepEqual(Object.keys(fragment.function), ['arguments'])
      call.args += fragment.function.arguments
    }
  }
  assert.deepEqual(JSON.parse(calls.get(0)?.args ?? ''), { path: 'a.ts' })
  assert.deepEqual(JSON.parse(calls.get(1)?.args ?? ''), second)
  assert.notEqual(calls.get(0)?.id, calls.get(1)?.id)
  const last = chunks.at(-1)?.choices[0]
  assert.deepEqual(last?.delta, {})
  assert.equal(last?.finish_reason, 'tool_calls')
})

test('openai: include_usage adds a choices:[] usage chunk before [DONE], only when asked', async (t) => {
  const fake = await withFake(t, startFakeOpenAI())
  fake.respondWith({ text: 'hello there world', usage: { input: 50, output: 20, cached: 30 } })
  const withUsage = sseData((await post(chatUrl(fake), { model: 'm', messages: user, stream: true, stream_options: { include_usage: true } })).text)
  const usageChunk = withUsage.at(-2) as Chunk
  assert.deepEqual(usageChunk.choices, [])
  assert.deepEqual(usageChunk.usage, { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 30 } })
  const others = withUsage.slice(0, -2) as Chunk[]
  assert.ok(others.every((chunk) => chunk.usage === null))
  assert.equal(others.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'hello there world')
  assert.ok(others.filter((chunk) => chunk.choices[0]?.delta.content !== undefined).length > 2, 'text arrives in several deltas')

  const without = sseData((await post(chatUrl(fake), { model: 'm', messages: user, stream: true })).text).slice(0, -1) as Chunk[]
  assert.ok(without.every((chunk) => chunk.choices.length === 1 && !('usage' in chunk)))
})

test('openai: strict validation and auth', async (t) => {
  const fake = await withFake(t, startFakeOpenAI({ apiKey: 'sk-test' }))
  const auth = { authorization: 'Bearer sk-test' }
  const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }
  const cases: Array<[string, unknown, string | null]> = [
    ['empty tool_calls', { model: 'm', messages: [...user, { role: 'assistant', content: 'x', tool_calls: [] }] }, 'empty_array'],
    ['unanswered tool call', { model: 'm', messages: [...user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'user', content: 'go' }] }, null],
    ['tool without id', { model: 'm', messages: [...user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', content: 'r' }] }, null],
    ['empty text', { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, 'string_too_short'],
    ['no model', { messages: user }, null],
    ['no messages', { model: 'm' }, 'missing_required_parameter']
  ]
  for (const [name, body, code] of cases) {
    const res = await post(chatUrl(fake), body, auth)
    assert.equal(res.status, 400, name)
    const error = (JSON.parse(res.text) as { error: { type: string, code: string | null, message: string } }).error
    assert.equal(error.type, 'invalid_request_error', name)
    assert.equal(error.code, code, name)
    assert.ok(error.message.length > 0 && 'param' in error, name)
  }
  assert.equal(fake.requests.length, cases.length, 'rejected requests are still recorded')
  assert.deepEqual(fake.requests[0]?.body.messages[1].tool_calls, [])

  const answered = [...user, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'r' }]
  assert.equal((await post(chatUrl(fake), { model: 'm', messages: answered }, auth)).status, 200)
  assert.equal((await post(chatUrl(fake), { model: 'm', messages: user }, { authorization: 'Bearer nope' })).status, 401)
  const models = await request(`${fake.url}/v1/models`, { headers: auth })
  assert.equal((await models.body.json() as { object: string }).object, 'list')
})

test('openai: scripted errors, mid-stream error and dropped connection', async (t) => {
  const fake = await withFake(t, startFakeOpenAI())
  fake.respondWith({ status: 429, error: 'slow down', retryAfter: 2 })
  const limited = await request(chatUrl(fake), { method: 'POST', body: JSON.stringify({ model: 'm', messages: user }) })
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.headers['retry-after'], '2')
  assert.equal((await limited.body.json() as { error: { code: string } }).error.code, 'rate_limit_exceeded')

  fake.respondWith({ text: 'some words', midStreamError: 'boom' })
  const broken = sseData((await post(chatUrl(fake), { model: 'm', messages: user, stream: true })).text)
  assert.deepEqual(broken.at(-1), { error: { message: 'boom', type: 'server_error', param: null, code: null } })

  fake.respondWith({ text: 'a b c d', dropConnectionAfterChunks: 2 })
  const dropped = await request(chatUrl(fake), { method: 'POST', body: JSON.stringify({ model: 'm', messages: user, stream: true }) })
  await assert.rejects(dropped.body.text())
})

test('ollama: NDJSON stream by default, whole tool call, done_reason stop', async (t) => {
  const fake = await withFake(t, startFakeOllama({ models: ['qwen3'] }))
  fake.respondWith({ reasoning: 'let me think', text: 'Checking.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Tokyo' } }], usage: { input: 169, output: 15 } })
  const res = await post(`${fake.url}/api/chat`, { model: 'qwen3:latest', messages: user })
  assert.equal(res.status, 200)
  assert.equal(res.contentType, 'application/x-ndjson')
  assert.ok(res.text.endsWith('\n'))
  const lines = res.text.trimEnd().split('\n').map((line) => JSON.parse(line) as OllamaLine)
  assert.ok(lines.slice(0, -1).every((line) => line.done === false && line.model === 'qwen3:latest'))
  assert.equal(lines.map((line) => line.message.thinking ?? '').join(''), 'let me think')
  assert.equal(lines.map((line) => line.message.content).join(''), 'Checking.')
  const withTools = lines.filter((line) => line.message.tool_calls !== undefined)
  assert.equal(withTools.length, 1, 'tool calls arrive whole, in one line')
  assert.deepEqual(withTools[0]?.message.tool_calls, [{ function: { index: 0, name: 'get_weather', arguments: { city: 'Tokyo' } } }])
  const final = lines.at(-1)
  assert.equal(final?.done, true)
  assert.equal(final?.done_reason, 'stop')
  assert.equal(final?.prompt_eval_count, 169)
  assert.equal(final?.eval_count, 15)
  assert.ok(Number.isInteger(final?.total_duration))

  fake.respondWith({ text: 'plain' })
  const whole = JSON.parse((await post(`${fake.url}/api/chat`, { model: 'qwen3', messages: user, stream: false })).text) as OllamaLine
  assert.equal(whole.message.content, 'plain')
  assert.equal(whole.done, true)
  const tags = await request(`${fake.url}/api/tags`)
  assert.equal((await tags.body.json() as { models: Array<{ name: string }> }).models[0]?.name, 'qwen3:latest')
})

test('ollama: rejects array content, string arguments and unknown models; mid-stream error line', async (t) => {
  const fake = await withFake(t, startFakeOllama({ models: ['qwen3'] }))
  const arrayContent = await post(`${fake.url}/api/chat`, { model: 'qwen3', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })
  assert.equal(arrayContent.status, 400)
  assert.match((JSON.parse(arrayContent.text) as { error: string }).error, /cannot unmarshal array into .*content of type string/)
  const stringArgs = await post(`${fake.url}/api/chat`, { model: 'qwen3', messages: [...user, { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: '{}' } }] }] })
  assert.equal(stringArgs.status, 400)
  const missing = await post(`${fake.url}/api/chat`, { model: 'llama9', messages: user })
  assert.equal(missing.status, 404)
  assert.deepEqual(JSON.parse(missing.text), { error: "model 'llama9' not found" })
  assert.equal(fake.requests.length, 3)

  fake.respondWith({ text: 'half', midStreamError: 'model runner crashed' })
  const broken = await post(`${fake.url}/api/chat`, { model: 'qwen3', messages: user })
  assert.equal(broken.status, 200)
  assert.deepEqual(JSON.parse(broken.text.trimEnd().split('\n').at(-1) ?? ''), { error: 'model runner crashed' })
})

test('bedrock converse: each toolUse of a turn is answered by a toolResult in the next, in Bedrock\'s words', async (t) => {
  const fake = await withFake(t, startFakeBedrock({ bearerToken: 'ABSKkey' }))
  const url = `${fake.url}/model/amazon.nova-pro-v1%3A0/converse`
  const toolConfig = { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }] }
  const calls = { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_A', name: 'f', input: {} } }, { toolUse: { toolUseId: 'tooluse_B', name: 'f', input: {} } }] }
  const result = (id: string): unknown => ({ toolResult: { toolUseId: id, content: [{ text: 'r' }] } })
  const send = async (answers: unknown[]): Promise<Reply> => await post(url, { toolConfig, messages: [{ role: 'user', content: [{ text: 'go' }] }, calls, { role: 'user', content: answers }] }, { authorization: 'Bearer ABSKkey' })
  const missing = await send([result('tooluse_A'), { text: 'and?' }])
  assert.equal(missing.status, 400)
  assert.equal(JSON.parse(missing.text).message, 'Expected toolResult blocks at messages.2.content for the following Ids: tooluse_B')
  const extra = await send([result('tooluse_A'), result('tooluse_B'), result('tooluse_C')])
  assert.equal(JSON.parse(extra.text).message, 'The number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of previous turn.')
  assert.equal((await send([result('tooluse_B'), result('tooluse_A')])).status, 200)
})

test('gemini: a function response turn answers the call turn right before it, one part per call', async (t) => {
  const fake = await withFake(t, startFakeGemini({ apiKey: 'g' }))
  const url = `${fake.url}/v1beta/models/gemini-2.5-pro:generateContent`
  const tools = [{ functionDeclarations: [{ name: 'read' }, { name: 'ls' }] }]
  const calls = { role: 'model', parts: [{ functionCall: { name: 'read', args: {} } }, { functionCall: { name: 'ls', args: {} } }] }
  const response = (name: string): unknown => ({ functionResponse: { name, response: { result: 'r' } } })
  const send = async (contents: unknown[]): Promise<Reply> => await post(url, { tools, contents: [{ role: 'user', parts: [{ text: 'go' }] }, ...contents] }, { 'x-goog-api-key': 'g' })
  const rule = 'Please ensure that function response turn comes immediately after a function call turn. And the number of function response parts should be equal to number of function call parts of the function call turn.'
  for (const contents of [
    [calls, { role: 'user', parts: [response('read')] }],
    [calls, { role: 'user', parts: [response('read'), response('ls'), response('ls')] }],
    [{ role: 'model', parts: [{ text: 'no calls' }] }, { role: 'user', parts: [response('read')] }]
  ]) {
    const reply = await send(contents)
    assert.equal(reply.status, 400, JSON.stringify(contents))
    assert.equal(JSON.parse(reply.text).error.message, rule)
  }
  assert.equal((await send([calls, { role: 'user', parts: [response('ls'), response('read'), { text: 'and?' }] }])).status, 200)
})

test('agentResponder: tool call first, then the tool output, on both wire shapes', () => {
  const respond = agentResponder('MARK-42')
  const openaiTools = [{ type: 'function', function: { name: 'Bash', parameters: {} } }]
  const asked = (body: unknown): RecordedRequest => ({ method: 'POST', path: '/', headers: {}, body })
  assert.deepEqual(respond(asked({ model: 'm', messages: user })), { text: 'ok' })
  assert.deepEqual(respond(asked({ model: 'm', tools: openaiTools, messages: user })).toolCalls,
    [{ name: 'Bash', arguments: { command: 'echo MARK-42', description: 'print marker' } }])
  const openaiTurn = [...user, { role: 'assistant', tool_calls: [{ id: 'c' }] }, { role: 'tool', tool_call_id: 'c', content: [{ type: 'text', text: 'MARK-42\n' }] }, { role: 'user', content: 'reminder' }]
  assert.deepEqual(respond(asked({ model: 'm', tools: openaiTools, messages: openaiTurn })), { text: 'Result: MARK-42' })
  const ollamaTurn = [...user, { role: 'assistant', content: '', tool_calls: [] }, { role: 'tool', tool_name: 'Bash', content: 'MARK-42\n' }]
  assert.deepEqual(respond(asked({ model: 'm', tools: openaiTools, stream: false, messages: ollamaTurn })), { text: 'Result: MARK-42' })
})

/** A minimal Anthropic Messages server: answers every POST with the A.0 stream saying `text`. */
async function startAnthropicText (text: string): Promise<{ url: string, seen: Array<{ method: string, url: string, headers: IncomingMessage['headers'] }>, close: () => Promise<void> }> {
  const seen: Array<{ method: string, url: string, headers: IncomingMessage['headers'] }> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    req.resume()
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(200).end()
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      const event = (type: string, data: Record<string, unknown>): boolean => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
      event('message_start', { message: { id: 'msg_fake1', type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } })
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
      event('ping', {})
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })
      event('content_block_stop', { index: 0 })
      event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } })
      event('message_stop', {})
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close }
}

test('runClaudeCode drives the real CLI against a local Anthropic stream', { timeout: 150_000 }, async (t) => {
  const fake = await startAnthropicText('hello from fake')
  t.after(fake.close)
  const run = await runClaudeCode({ baseUrl: fake.url, prompt: 'say hi', timeoutMs: 120_000 })
  assert.equal(run.exitCode, 0, `stderr: ${run.stderr}\nstdout: ${run.stdout}`)
  assert.match(String(run.json?.result), /hello from fake/)
  const calls = fake.seen.filter((request) => request.method === 'POST')
  assert.ok(calls.length >= 1)
  assert.equal(calls[0]?.url, '/v1/messages?beta=true')
  assert.equal(calls[0]?.headers['x-api-key'], 'dummy')
})
