/**
 * The OpenAI front door against every provider row (helpers/provider-cases.ts), driven by the official
 * `openai` client as Cursor, Qwen Code and other OpenAI agents drive it: text with and without streaming,
 * tool calls and their results, parallel calls, no max_tokens at all, max_completion_tokens, system and
 * developer instructions, and upstream errors in OpenAI's shape. One gateway and one fake per row.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import OpenAI from 'openai'
import { ollamaEnv, startGateway } from './helpers/gateway.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { providerCases } from './helpers/provider-cases.ts'
import type { ProviderCase } from './helpers/provider-cases.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'
import { LENGTH_STOP, wireFormat, wireSystemTexts, wireToolTurn } from './helpers/wire-tool-pairs.ts'

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam

const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'Bash', description: 'Run a shell command', parameters: { type: 'object', properties: { command: { type: 'string' }, timeout: { type: 'number', exclusiveMinimum: 0 } }, required: ['command'], additionalProperties: false } } },
  { type: 'function', function: { name: 'Read', description: 'Read a file', parameters: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } } }
]
// Retries and breakers are the router's business (resilience.test.ts): every upstream answer must reach
// the client as the provider mapped it.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const MODEL = 'gpt-4.1'
const tricky = { command: 'grep -n "a \\"quoted\\" word" src/*.ts | head -5 && echo done', timeout: 1000 }

interface StreamedCall { id: string, type: string, name: string, args: string }
interface Streamed { chunks: Chunk[], text: string, calls: StreamedCall[], finishes: string[] }

/** Reads a chat stream the way agents do: tool call fragments keyed by index, text concatenated. */
async function readStream (stream: AsyncIterable<Chunk>): Promise<Streamed> {
  const chunks: Chunk[] = []
  const calls = new Map<number, StreamedCall>()
  for await (const chunk of stream) {
    chunks.push(chunk)
    for (const fragment of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = calls.get(fragment.index) ?? { id: '', type: '', name: '', args: '' }
      if (fragment.id) call.id = fragment.id
      if (fragment.type) call.type = fragment.type
      if (fragment.function?.name) call.name += fragment.function.name
      call.args += fragment.function?.arguments ?? ''
      calls.set(fragment.index, call)
    }
  }
  assert.deepEqual([...calls.keys()], [...calls.keys()].map((_, i) => i), 'tool call indexes count 0, 1, …')
  return {
    chunks,
    text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
    calls: [...calls.values()],
    finishes: chunks.flatMap((chunk) => chunk.choices[0]?.finish_reason ? [chunk.choices[0].finish_reason] : [])
  }
}

function chatRequests (fake: FakeUpstream): RecordedRequest[] {
  return fake.requests.filter((request) => request.method === 'POST')
}

async function apiError (promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error
    throw error
  }
  assert.fail('expected an API error')
}

/** The upstream received each result after its call, paired by id (by name where the wire has no ids). */
function assertPaired (provider: ProviderCase, body: unknown, expected: Array<{ name: string, text: string }>): void {
  const { calls, results } = wireToolTurn(body)
  assert.deepEqual(calls.map((call) => call.name), expected.map((call) => call.name), 'the assistant turn with the calls reached the upstream')
  assert.deepEqual(results.map((result) => result.text), expected.map((call) => call.text), 'every result, in order')
  for (const [i, result] of results.entries()) {
    if (result.id !== undefined) assert.equal(result.id, calls[i]!.id, `${provider.name}: result ${i} answers call ${i}`)
    else assert.equal(result.name, calls[i]!.name, `${provider.name}: result ${i} answers call ${i}`)
  }
}

/**
 * Ollama is no row of the Anthropic conformance table (its limits and thinking scenarios differ), but OpenAI
 * agents such as Qwen Code run on it more than on anything else: it joins the OpenAI scenarios here.
 */
const ollamaCase: ProviderCase = {
  name: 'ollama (native api)',
  start: async () => await startFakeOllama({ models: ['qwen2.5-coder:7b'] }),
  env: (url) => ollamaEnv(url),
  upstreamModel: (request) => request.body?.model,
  expectedModel: 'qwen2.5-coder:7b',
  toolResults: () => [], // read by the Anthropic suite only
  limitVariables: { maxOutputTokens: 'OLLAMA_NUM_CTX', contextWindow: 'OLLAMA_NUM_CTX' },
  maxTokensSent: (body) => body.options?.num_predict,
  signedThinking: false,
  anthropicErrors: false
}
/** Ollama reports no cache breakdown (protocols.md §3.5). */
const reportsCachedTokens = (provider: ProviderCase): boolean => provider !== ollamaCase

for (const provider of [...providerCases, ollamaCase]) runScenarios(provider)

function runScenarios (provider: ProviderCase): void {
  test(`openai conformance: ${provider.name}`, { timeout: 60_000 }, async (t) => {
    const fake = await provider.start()
    const gateway = await startGateway({ ...provider.env(fake.url), ...NO_RETRIES })
    t.after(async () => { await gateway.close(); await fake.close() })
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 20_000 })
    const lastBody = (): any => chatRequests(fake).at(-1)!.body
    const providerId = provider.env(fake.url).MODEL_PROVIDER!

    await t.test('text', async () => {
      fake.respondWith({ text: 'Hello from the upstream', usage: { input: 42, output: 7 } })
      const completion = await client.chat.completions.create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(completion.object, 'chat.completion')
      assert.equal(completion.model, MODEL, 'echoes the client model')
      assert.equal(completion.choices.length, 1)
      assert.equal(completion.choices[0]!.message.role, 'assistant')
      assert.equal(completion.choices[0]!.message.content, 'Hello from the upstream')
      assert.equal(completion.choices[0]!.finish_reason, 'stop')
      assert.deepEqual([completion.usage?.prompt_tokens, completion.usage?.completion_tokens, completion.usage?.total_tokens], [42, 7, 49])
      const sent = chatRequests(fake).at(-1)!
      assert.equal(provider.upstreamModel(sent), provider.expectedModel)
      assert.equal(provider.maxTokensSent(sent.body), Math.max(1024, provider.minOutputTokens ?? 0))
    })

    await t.test('streamed text, with and without include_usage', async () => {
      fake.respondWith({ text: 'Streaming works across several deltas', usage: { input: 30, output: 6, cached: 12 } })
      const streamed = await readStream(await client.chat.completions.create({
        model: MODEL, max_tokens: 1024, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream please' }]
      }))
      assert.equal(streamed.chunks[0]!.choices[0]?.delta.role, 'assistant', 'a role chunk first')
      assert.ok(streamed.chunks.filter((chunk) => chunk.choices[0]?.delta.content).length > 1, 'more than one text delta')
      assert.equal(streamed.text, 'Streaming works across several deltas')
      assert.deepEqual(streamed.finishes, ['stop'])
      assert.ok(streamed.chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === MODEL && chunk.id === streamed.chunks[0]!.id))
      const last = streamed.chunks.at(-1)!
      assert.deepEqual(last.choices, [], 'the usage chunk has no choices')
      // prompt_tokens counts cached tokens too, whichever way the upstream reported them.
      assert.deepEqual([last.usage?.prompt_tokens, last.usage?.completion_tokens, last.usage?.total_tokens], [30, 6, 36])
      assert.equal(last.usage?.prompt_tokens_details?.cached_tokens, reportsCachedTokens(provider) ? 12 : 0)
      assert.ok(streamed.chunks.slice(0, -1).every((chunk) => chunk.usage == null), 'only the last chunk carries usage')

      // The raw wire this time: every frame is one data: line of JSON (or an SSE comment), and [DONE] ends it.
      fake.respondWith({ text: 'No usage asked', usage: { input: 30, output: 3 } })
      const raw = await client.chat.completions.create({ model: MODEL, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'again' }] }).asResponse()
      assert.match(String(raw.headers.get('content-type')), /^text\/event-stream/)
      const frames = (await raw.text()).split('\n\n').filter((frame) => frame !== '' && !frame.startsWith(':'))
      assert.equal(frames.at(-1), 'data: [DONE]')
      const chunks = frames.slice(0, -1).map((frame) => {
        assert.match(frame, /^data: [^\n]+$/)
        return JSON.parse(frame.slice('data: '.length)) as Chunk
      })
      assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'No usage asked')
      assert.deepEqual(chunks.flatMap((chunk) => chunk.choices[0]?.finish_reason ?? []), ['stop'])
      assert.ok(chunks.every((chunk) => chunk.usage == null && chunk.choices.length === 1), 'no usage chunk unless asked')
    })

    await t.test('an answer cut at max_tokens finishes with length', async () => {
      const stop = LENGTH_STOP[wireFormat(chatRequests(fake).at(-1)!.path)]
      fake.respondWith({ text: 'Cut short', finishReason: stop })
      const whole = await client.chat.completions.create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'a long story' }] })
      assert.deepEqual([whole.choices[0]!.message.content, whole.choices[0]!.finish_reason], ['Cut short', 'length'])
      fake.respondWith({ text: 'Cut short', finishReason: stop })
      const streamed = await readStream(await client.chat.completions.create({ model: MODEL, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'a long story' }] }))
      assert.deepEqual([streamed.text, streamed.finishes], ['Cut short', ['length']])
    })

    await t.test('a tool call, then the tool result in the next turn', async () => {
      fake.respondWith({ toolCalls: [{ name: 'Bash', arguments: tricky }] })
      const messages: Message[] = [{ role: 'user', content: 'grep it' }]
      const first = await readStream(await client.chat.completions.create({ model: MODEL, max_tokens: 1024, tools, messages, stream: true }))
      assert.deepEqual(first.finishes, ['tool_calls'])
      assert.equal(first.calls.length, 1)
      const call = first.calls[0]!
      assert.deepEqual([call.type, call.name, JSON.parse(call.args)], ['function', 'Bash', tricky])
      assert.notEqual(call.id, '')

      fake.respondWith({ text: 'It printed done' })
      messages.push(
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.args } }] },
        { role: 'tool', tool_call_id: call.id, content: 'src/a.ts:3: a "quoted" word\ndone' }
      )
      const second = await client.chat.completions.create({ model: MODEL, max_tokens: 1024, tools, messages })
      assert.equal(second.choices[0]!.message.content, 'It printed done')
      assert.equal(second.choices[0]!.finish_reason, 'stop')
      assertPaired(provider, lastBody(), [{ name: 'Bash', text: 'src/a.ts:3: a "quoted" word\ndone' }])
    })

    await t.test('parallel tool calls, streamed and not, and their results', async () => {
      const three = [{ name: 'Read', arguments: { file_path: 'a.ts' } }, { name: 'Read', arguments: { file_path: 'b "quoted".ts' } }, { name: 'Bash', arguments: { command: 'ls' } }]
      const expected = three.map((call) => [call.name, call.arguments])
      fake.respondWith({ toolCalls: three })
      const whole = await client.chat.completions.create({ model: MODEL, max_tokens: 1024, tools, messages: [{ role: 'user', content: 'read both, list' }] })
      assert.equal(whole.choices[0]!.finish_reason, 'tool_calls')
      assert.equal(whole.choices[0]!.message.content, null, 'no text: content is null, as OpenAI sends it')
      const calls = (whole.choices[0]!.message.tool_calls ?? []).map((call) => { assert.equal(call.type, 'function'); return call as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall })
      assert.deepEqual(calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)]), expected)
      assert.equal(new Set(calls.map((call) => call.id)).size, 3, 'distinct ids')

      // OpenAI-format upstreams interleave the argument fragments of parallel calls.
      fake.respondWith({ toolCalls: three, interleave: true })
      const messages: Message[] = [{ role: 'user', content: 'read both, list' }]
      const streamed = await readStream(await client.chat.completions.create({ model: MODEL, max_tokens: 1024, tools, messages, stream: true }))
      assert.deepEqual(streamed.finishes, ['tool_calls'])
      assert.deepEqual(streamed.calls.map((call) => [call.name, JSON.parse(call.args)]), expected)
      assert.equal(new Set(streamed.calls.map((call) => call.id)).size, 3, 'distinct ids')

      fake.respondWith({ text: 'All three done' })
      messages.push({ role: 'assistant', content: null, tool_calls: streamed.calls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.args } })) })
      // Qwen Code sends tool output as text parts (protocols.md A.2).
      const outputs = ['export const a = 1', 'export const b = 2', 'a.ts\nb "quoted".ts']
      streamed.calls.forEach((call, i) => messages.push({ role: 'tool', tool_call_id: call.id, content: [{ type: 'text', text: outputs[i]! }] }))
      const answer = await readStream(await client.chat.completions.create({ model: MODEL, max_tokens: 1024, tools, messages, stream: true }))
      assert.equal(answer.text, 'All three done')
      assertPaired(provider, lastBody(), three.map((call, i) => ({ name: call.name, text: outputs[i]! })))
    })

    await t.test('no max_tokens at all (many OpenAI clients send none)', async () => {
      fake.respondWith({ text: 'Unbounded but fine' })
      const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(completion.choices[0]!.message.content, 'Unbounded but fine')
      const sent = provider.maxTokensSent(lastBody())
      assert.ok(sent === undefined || (Number.isInteger(sent) && sent >= 1), `a valid limit or none, got ${String(sent)}`)
      // A floor the provider keeps on purpose holds when the client set nothing, too.
      if (provider.minOutputTokens !== undefined) assert.ok(sent !== undefined && sent >= provider.minOutputTokens, `at least ${provider.minOutputTokens}, got ${String(sent)}`)

      fake.respondWith({ text: 'Streamed without a limit' })
      const streamed = await readStream(await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }))
      assert.equal(streamed.text, 'Streamed without a limit')
    })

    await t.test('max_completion_tokens instead of max_tokens', async () => {
      fake.respondWith({ text: 'Bounded' })
      // Above any floor the provider applies on purpose, so the client's own value must be what arrives.
      const asked = (provider.minOutputTokens ?? 0) + 777
      const completion = await client.chat.completions.create({ model: MODEL, max_completion_tokens: asked, messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(completion.choices[0]!.message.content, 'Bounded')
      assert.equal(provider.maxTokensSent(lastBody()), asked)
    })

    await t.test('a system message plus developer messages', async () => {
      fake.respondWith({ text: 'Following the rules' })
      const completion = await client.chat.completions.create({
        model: MODEL,
        max_tokens: 1024,
        messages: [{ role: 'system', content: 'Rule A: be brief.' }, { role: 'developer', content: 'Rule B: answer in English.' }, { role: 'user', content: 'hi' }]
      })
      assert.equal(completion.choices[0]!.message.content, 'Following the rules')
      const system = wireSystemTexts(lastBody()).join('\n')
      assert.match(system, /Rule A: be brief\.[^]*Rule B: answer in English\./, 'both instructions, in order, in system position')

      // Agents also add developer instructions later in a conversation; they must still reach the model.
      fake.respondWith({ text: 'Still following' })
      const later = await client.chat.completions.create({
        model: MODEL,
        max_tokens: 1024,
        messages: [
          { role: 'system', content: 'Rule A: be brief.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'developer', content: 'Rule C: mention the weather.' },
          { role: 'user', content: 'and now?' }
        ]
      })
      assert.equal(later.choices[0]!.message.content, 'Still following')
      assert.ok(JSON.stringify(lastBody()).includes('Rule C: mention the weather.'), 'the later developer message reached the upstream')
    })

    const errorClasses = { 400: OpenAI.BadRequestError, 404: OpenAI.NotFoundError, 429: OpenAI.RateLimitError, 500: OpenAI.InternalServerError, 503: OpenAI.InternalServerError } as const
    for (const [status, type] of [[400, 'invalid_request_error'], [404, 'invalid_request_error'], [429, 'rate_limit_error'], [500, 'server_error'], [503, 'server_error']] as const) {
      await t.test(`upstream ${status} → OpenAI error JSON`, async () => {
        const detail = `scripted ${status} from the fake upstream`
        fake.respondWith({ status, error: detail, retryAfter: status === 429 ? 7 : undefined })
        const error = await apiError(client.chat.completions.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'fail please' }] }))
        assert.ok(error instanceof errorClasses[status], `${error.constructor.name} for ${status}`)
        assert.equal(error.status, status)
        const body = error.error as Record<string, unknown>
        assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'param', 'type'])
        assert.equal(body.type, type)
        // Cursor shows every 429/5xx as "rate limit": the message says which upstream said what.
        assert.match(String(body.message), new RegExp(`^${providerId}\\b.*${detail}`), 'names the upstream and keeps its words')
        // openai-node obeys x-should-retry before its own rules: a refused request is not retried.
        assert.equal(error.headers?.get('x-should-retry'), String(status >= 429))
        if (status === 429) {
          assert.equal(error.headers?.get('retry-after'), '7')
          assert.equal(body.code, 'rate_limit_exceeded')
        }
        // Streaming fails the same way, before any byte of the stream.
        const streamed = await apiError((async () => { await readStream(await client.chat.completions.create({ model: MODEL, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'fail please' }] })) })())
        assert.equal(streamed.status, status)
        assert.match(String((streamed.error as Record<string, unknown>).message), new RegExp(detail))
      })
    }
  })
}
