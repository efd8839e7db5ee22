import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import type { GatewayTool, TurnCompletedEvent } from 'lynkr'
import { setupAnthropicGateway } from './helpers/anthropic-gateway.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { openAIEnv, startGateway } from './helpers/gateway.ts'
import type { FakeReply, FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'
import { responseCache } from '../docs/examples/response-cache.ts'

// Middleware around the chat service, through both front doors, with the official clients parsing every answer.
// The upstream is the fake Anthropic API, which refuses a history whose tool_use blocks are not answered.

const setup = setupAnthropicGateway

type Json = Record<string, any>

/** The chat calls the fake received (the health probe sends a request without messages). */
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)

const readFile: Anthropic.Tool = { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }
const readFileFunction: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: readFile.input_schema as Record<string, unknown> } }

/** A gateway tool that answers from a table and records what it was asked. */
function weatherTool (onRun: () => void = () => {}): GatewayTool & { asked: unknown[] } {
  const asked: unknown[] = []
  return {
    asked,
    name: 'lookup_weather',
    description: 'Current weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute: async (input) => {
      asked.push(input)
      onRun()
      return `Sunny in ${String(input.city)}, 21°C`
    }
  }
}

const blocksOf = (message: Json): Json[] => Array.isArray(message.content) ? message.content : [{ type: 'text', text: message.content }]
const hasResultFor = (request: RecordedRequest, name: string): boolean => {
  const messages: Json[] = request.body.messages
  const ids = messages.flatMap((message) => blocksOf(message)).filter((block) => block.type === 'tool_use' && block.name === name).map((block) => block.id)
  return messages.flatMap((message) => blocksOf(message)).some((block) => block.type === 'tool_result' && ids.includes(block.tool_use_id))
}
const shape = (message: Json): string[] => blocksOf(message).map((block) => block.type === 'tool_use' ? `tool_use:${String(block.name)}` : block.type === 'tool_result' ? `tool_result:${String(block.content)}` : String(block.type))

/** Two model turns: the weather tool first, then the answer. */
function loopResponder (request: RecordedRequest): FakeReply {
  if (hasResultFor(request, 'lookup_weather')) return { text: 'It is sunny in Paris.', usage: { input: 60, output: 6 } }
  return { text: 'Let me check.', toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Paris' } }], usage: { input: 40, output: 12 } }
}

test('a middleware answers repeated requests from its cache, streamed and whole, through both front doors', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t)
  gateway.app.lynkr.chat.use(responseCache())
  assert.throws(() => { gateway.app.lynkr.chat.use(responseCache()) }, /"response-cache" is already registered/)
  fake.respondWith({ text: 'The cached answer, in several words', usage: { input: 20, output: 7 } })
  const params = { model: 'claude-opus-5-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'what is cached?' }] }

  const first = await anthropic.messages.create(params)
  assert.equal(chats(fake).length, 1)
  fake.respondWith({ status: 500, error: 'a cache hit never calls the upstream' })

  const { data: whole, response } = await anthropic.messages.create(params).withResponse()
  assert.equal(response.headers.get('x-lynkr-route'), 'cache')
  assert.deepEqual(whole.content, first.content)
  assert.notEqual(whole.id, first.id, 'each answer has its own id')
  const streamed = anthropic.messages.stream(params)
  const events: string[] = []
  streamed.on('streamEvent', (event) => events.push(event.type))
  const message = await streamed.finalMessage()
  assert.deepEqual(message.content, first.content)
  assert.deepEqual(message.usage.output_tokens, first.usage.output_tokens)
  assert.deepEqual(events, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'])
  assert.equal(chats(fake).length, 1, 'both hits were answered without the upstream')

  // A streamed miss fills the cache too; the OpenAI client gets the hit in its own dialect.
  fake.respondWith({ text: 'Streamed once, kept', usage: { input: 11, output: 3 } })
  const question = { model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: 'stream then hit' }] }
  let text = ''
  for await (const chunk of await openai.chat.completions.create({ ...question, stream: true })) text += chunk.choices[0]?.delta.content ?? ''
  assert.equal(text, 'Streamed once, kept')
  fake.respondWith({ status: 500, error: 'a cache hit never calls the upstream' })
  const hit = await openai.chat.completions.create(question)
  assert.equal(hit.choices[0]!.message.content, 'Streamed once, kept')
  assert.equal(hit.choices[0]!.finish_reason, 'stop')
  assert.equal(chats(fake).length, 2)
})

test('a two-turn server-side tool loop reaches the client as one message with summed usage and no gateway tool_use', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t)
  const activeDuringTool: number[] = []
  const weather = weatherTool(() => activeDuringTool.push(gateway.app.lynkr.chat.activeCalls))
  gateway.app.lynkr.gatewayTools.register(weather)
  assert.throws(() => { gateway.app.lynkr.gatewayTools.register(weatherTool()) }, /already registered/)
  fake.respondWith(loopResponder)
  const params = { model: 'claude-opus-5-5', max_tokens: 512, tools: [readFile], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] }

  await t.test('Anthropic client, streamed', async () => {
    const before = chats(fake).length
    const stream = anthropic.messages.stream(params)
    const events: Anthropic.MessageStreamEvent[] = []
    stream.on('streamEvent', (event) => events.push(event))
    const message = await stream.finalMessage()
    assert.equal(events.filter((event) => event.type === 'message_start').length, 1, 'one message_start')
    assert.deepEqual(events.filter((event) => event.type === 'content_block_start').map((event) => event.index), [0, 1], 'indices go on across turns')
    assert.deepEqual(message.content.map((block) => block.type === 'text' ? block.text : block.type), ['Let me check.', 'It is sunny in Paris.'])
    assert.equal(message.stop_reason, 'end_turn', 'the last turn\'s stop reason')
    assert.equal(message.usage.input_tokens, 100, 'input of both turns')
    assert.equal(message.usage.output_tokens, 18, 'output of both turns')
    assert.deepEqual(weather.asked, [{ city: 'Paris' }])
    assert.deepEqual(activeDuringTool, [1], 'the call stays in flight between turns (graceful shutdown waits for it)')
    assert.equal(gateway.app.lynkr.chat.activeCalls, 0)

    const [turn1, turn2] = chats(fake).slice(before)
    assert.equal(chats(fake).length - before, 2, 'two model turns')
    assert.deepEqual(turn1!.body.tools.map((tool: Json) => tool.name), ['read_file', 'lookup_weather'], 'the gateway tool is declared next to the client\'s')
    const sent: Json[] = turn2!.body.messages
    assert.deepEqual(sent.slice(-2).map(shape), [['text', 'tool_use:lookup_weather'], ['tool_result:Sunny in Paris, 21°C']], 'the call and its result are appended')
  })

  await t.test('Anthropic client, whole message', async () => {
    const message = await anthropic.messages.create(params)
    assert.deepEqual(message.content, [{ type: 'text', text: 'Let me check.' }, { type: 'text', text: 'It is sunny in Paris.' }])
    assert.equal(message.stop_reason, 'end_turn')
    assert.equal(message.usage.input_tokens, 100)
    assert.equal(message.usage.output_tokens, 18)
  })

  await t.test('OpenAI client, streamed and whole: no tool call of the gateway\'s', async () => {
    const question = { model: 'claude-opus-5-5', max_tokens: 512, tools: [readFileFunction], messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] }
    let text = ''
    let finish: string | null | undefined
    let usage: OpenAI.CompletionUsage | undefined | null
    const toolDeltas: unknown[] = []
    for await (const chunk of await openai.chat.completions.create({ ...question, stream: true, stream_options: { include_usage: true } })) {
      const choice = chunk.choices[0]
      text += choice?.delta.content ?? ''
      if (choice?.delta.tool_calls !== undefined) toolDeltas.push(choice.delta.tool_calls)
      finish = choice?.finish_reason ?? finish
      usage = chunk.usage ?? usage
    }
    assert.equal(text, 'Let me check.\n\nIt is sunny in Paris.')
    assert.deepEqual(toolDeltas, [])
    assert.equal(finish, 'stop')
    assert.equal(usage?.prompt_tokens, 100)
    assert.equal(usage?.completion_tokens, 18)
    const whole = await openai.chat.completions.create(question)
    assert.equal(whole.choices[0]!.message.tool_calls, undefined)
    assert.equal(whole.choices[0]!.message.content, 'Let me check.\n\nIt is sunny in Paris.')
    assert.equal(whole.usage?.prompt_tokens, 100)
  })

  await t.test('a gateway tool that throws reports the failure to the model, and the loop goes on', async () => {
    gateway.app.lynkr.gatewayTools.register({ name: 'broken_tool', input_schema: { type: 'object' }, execute: async () => { throw new Error('disk on fire') } })
    fake.respondWith((request) => hasResultFor(request, 'broken_tool') ? { text: 'The tool failed.' } : { toolCalls: [{ name: 'broken_tool', arguments: {} }] })
    const message = await anthropic.messages.create(params)
    assert.deepEqual(message.content, [{ type: 'text', text: 'The tool failed.' }])
    const result = chats(fake).at(-1)!.body.messages.at(-1).content[0]
    assert.deepEqual([result.type, result.is_error, result.content], ['tool_result', true, 'Error: disk on fire'])
    fake.respondWith(loopResponder)
  })

  await t.test('a client tool with the gateway tool\'s name is the client\'s', async () => {
    fake.respondWith({ toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Rome' } }] })
    const before = weather.asked.length
    const own: Anthropic.Tool = { name: 'lookup_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }
    const message = await anthropic.messages.create({ ...params, tools: [own] })
    assert.equal(message.stop_reason, 'tool_use')
    assert.deepEqual(message.content.map((block) => block.type === 'tool_use' ? block.name : block.type), ['lookup_weather'])
    assert.equal(weather.asked.length, before, 'the gateway did not run it')
    assert.deepEqual(chats(fake).at(-1)!.body.tools.map((tool: Json) => tool.name), ['lookup_weather', 'broken_tool'], 'declared once, the client\'s')
    fake.respondWith(loopResponder)
  })
})

test('a turn with a gateway call and a client call: the client gets its call, the hidden part comes back on the next request', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t)
  const weather = weatherTool()
  gateway.app.lynkr.gatewayTools.register(weather)
  fake.respondWith((request) => hasResultFor(request, 'read_file')
    ? { text: 'Oslo is sunny and a.ts is read.', usage: { input: 80, output: 9 } }
    : { text: 'Checking both.', toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Oslo' } }, { name: 'read_file', arguments: { path: 'a.ts' } }], usage: { input: 50, output: 20 } })

  await t.test('Anthropic client (streamed, Claude Code session header)', async () => {
    const client = anthropic.withOptions({ defaultHeaders: { 'x-claude-code-session-id': 'session-mixed-1' } })
    const first = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 512, tools: [readFile], messages: [{ role: 'user', content: 'Weather in Oslo, and read a.ts' }] }).finalMessage()
    assert.equal(first.stop_reason, 'tool_use')
    assert.deepEqual(first.content.map((block) => block.type === 'tool_use' ? `tool_use:${block.name}` : block.type), ['text', 'tool_use:read_file'], 'only the client\'s call')
    assert.deepEqual(weather.asked.at(-1), { city: 'Oslo' }, 'the gateway ran its call first')
    const call = first.content.find((block) => block.type === 'tool_use')!

    const before = chats(fake).length
    const second = await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 512,
      tools: [readFile],
      messages: [
        { role: 'user', content: 'Weather in Oslo, and read a.ts' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'export const a = 1' }] }
      ]
    })
    assert.deepEqual(second.content.map((block) => block.type === 'text' ? block.text : block.type), ['Oslo is sunny and a.ts is read.'])
    const sent: Json[] = chats(fake)[before]!.body.messages
    assert.deepEqual(sent.slice(1).map(shape), [
      ['text', 'tool_use:lookup_weather', 'tool_use:read_file'],
      ['tool_result:Sunny in Oslo, 21°C', 'tool_result:export const a = 1']
    ], 'the upstream sees the whole turn again')
  })

  await t.test('OpenAI client (whole, no session header)', async () => {
    const question = 'Weather in Oslo, and read a.ts (OpenAI)'
    const first = await openai.chat.completions.create({ model: 'claude-opus-5-5', max_tokens: 512, tools: [readFileFunction], messages: [{ role: 'user', content: question }] })
    const reply = first.choices[0]!.message
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls')
    assert.deepEqual(reply.tool_calls?.map((call) => call.type === 'function' ? call.function.name : call.type), ['read_file'])
    const before = chats(fake).length
    const second = await openai.chat.completions.create({
      model: 'claude-opus-5-5',
      max_tokens: 512,
      tools: [readFileFunction],
      messages: [
        { role: 'user', content: question },
        { role: 'assistant', content: reply.content, tool_calls: reply.tool_calls },
        { role: 'tool', tool_call_id: reply.tool_calls![0]!.id, content: 'export const a = 1' }
      ]
    })
    assert.equal(second.choices[0]!.message.content, 'Oslo is sunny and a.ts is read.')
    const sent: Json[] = chats(fake)[before]!.body.messages
    assert.deepEqual(sent.slice(1).map(shape), [
      ['text', 'tool_use:lookup_weather', 'tool_use:read_file'],
      ['tool_result:Sunny in Oslo, 21°C', 'tool_result:export const a = 1']
    ])
  })
})

test('a mixed turn through an OpenAI-format upstream: the restored turn is one assistant message with both calls, answered by two tool messages', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  gateway.app.lynkr.gatewayTools.register(weatherTool())
  const answered = (request: RecordedRequest): boolean => request.body.messages.some((message: Json) => message.role === 'tool' && message.content === 'export const a = 1')
  fake.respondWith((request) => answered(request)
    ? { text: 'Both done.' }
    : { toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Oslo' } }, { name: 'read_file', arguments: { path: 'a.ts' } }] })
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Oslo, and read a.ts' }]
  const first = await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 512, tools: [readFile], messages }).finalMessage()
  assert.deepEqual(first.content.map((block) => block.type === 'tool_use' ? block.name : block.type), ['read_file'])
  const call = first.content[0] as Anthropic.ToolUseBlock
  const second = await anthropic.messages.create({
    model: 'claude-opus-5-5',
    max_tokens: 512,
    tools: [readFile],
    messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'export const a = 1' }] }]
  })
  assert.deepEqual(second.content, [{ type: 'text', text: 'Both done.' }])
  const sent: Json[] = fake.requests.at(-1)!.body.messages
  assert.deepEqual(sent.slice(1).map((message) => message.role === 'assistant' ? message.tool_calls.map((use: Json) => use.function.name) : [message.role, message.content]), [
    ['lookup_weather', 'read_file'],
    ['tool', 'Sunny in Oslo, 21°C'],
    ['tool', 'export const a = 1']
  ])
})

test('server-tool style blocks (LYNKR_GATEWAY_TOOL_BLOCKS=server) show the gateway\'s work and come back as a coherent history', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t, { LYNKR_GATEWAY_TOOL_BLOCKS: 'server' })
  gateway.app.lynkr.gatewayTools.register(weatherTool())
  fake.respondWith(loopResponder)
  const first = await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 512, messages: [{ role: 'user', content: 'Weather in Paris?' }] }).finalMessage()
  assert.deepEqual(first.content.map((block) => block.type), ['text', 'server_tool_use', 'gateway_tool_result', 'text'])
  assert.deepEqual(first.content[1], { type: 'server_tool_use', id: (first.content[1] as Json).id, name: 'lookup_weather', input: { city: 'Paris' } })
  assert.equal(first.stop_reason, 'end_turn')

  fake.respondWith({ text: 'You are welcome.' })
  const before = chats(fake).length
  await anthropic.messages.create({
    model: 'claude-opus-5-5',
    max_tokens: 512,
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: first.content as unknown as Anthropic.ContentBlockParam[] },
      { role: 'user', content: 'thanks' }
    ]
  })
  const sent: Json[] = chats(fake)[before]!.body.messages
  assert.deepEqual(sent.map(shape), [['text'], ['text', 'tool_use:lookup_weather'], ['tool_result:Sunny in Paris, 21°C'], ['text'], ['text']])

  fake.respondWith(loopResponder)
  const whole = await openai.chat.completions.create({ model: 'claude-opus-5-5', max_tokens: 512, messages: [{ role: 'user', content: 'Weather in Paris?' }] })
  assert.equal(whole.choices[0]!.message.tool_calls, undefined, 'OpenAI clients never see gateway calls')
  assert.equal(whole.choices[0]!.message.content, 'Let me check.\n\nIt is sunny in Paris.')
  const response = await openai.responses.create({ model: 'claude-opus-5-5', max_output_tokens: 512, input: 'Weather in Paris?', stream: true })
  let text = ''
  const items: string[] = []
  for await (const event of response) {
    if (event.type === 'response.output_text.delta') text += event.delta
    if (event.type === 'response.output_item.added') items.push(event.item.type)
  }
  assert.equal(text, 'Let me check.\n\nIt is sunny in Paris.')
  assert.ok(!items.includes('function_call'), 'Responses clients see no gateway call either')
})

test('a failure after the first byte is an in-stream error; the loop stops at LYNKR_MAX_TOOL_TURNS', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t, { LYNKR_MAX_TOOL_TURNS: '2' })
  const weather = weatherTool()
  gateway.app.lynkr.gatewayTools.register(weather)
  const params = { model: 'claude-opus-5-5', max_tokens: 512, messages: [{ role: 'user' as const, content: 'Weather in Paris?' }] }

  fake.respondWith((request) => hasResultFor(request, 'lookup_weather') ? { status: 400, error: 'the second turn is refused' } : loopResponder(request))
  const stream = anthropic.messages.stream(params)
  const texts: string[] = []
  stream.on('text', (delta) => texts.push(delta))
  await assert.rejects(stream.finalMessage(), (error: Error) => /the second turn is refused/.test(error.message))
  assert.equal(texts.join(''), 'Let me check.', 'the first turn reached the client before the error')
  let seen = ''
  await assert.rejects(async () => {
    for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) seen += chunk.choices[0]?.delta.content ?? ''
  }, /the second turn is refused/)
  assert.equal(seen, 'Let me check.')

  // The model keeps calling the tool: two model turns, then the message ends.
  fake.respondWith({ text: 'Again.', toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Paris' } }], usage: { input: 10, output: 2 } })
  const before = chats(fake).length
  const asked = weather.asked.length
  const capped = await anthropic.messages.create(params)
  assert.equal(chats(fake).length - before, 2)
  assert.equal(weather.asked.length - asked, 1, 'the last turn\'s call is not run')
  assert.deepEqual(capped.content.map((block) => block.type === 'text' ? block.text : block.type), ['Again.', 'Again.'])
  assert.equal(capped.stop_reason, 'end_turn')
  assert.equal(capped.usage.input_tokens, 20)
})

test('a middleware that fails: before the first byte an error reply in the client\'s shape, after it an in-stream error event', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t)
  fake.respondWith({ text: 'First words, then trouble', usage: { input: 5, output: 5 } })
  gateway.app.lynkr.chat.use({
    name: 'flaky',
    stream: async (call, next) => {
      if (call.request.system?.[0]?.text === 'fail early') throw new Error('refused before the answer')
      const outcome = await next(call)
      return {
        decision: outcome.decision,
        events: (async function * () {
          for await (const event of outcome.events) {
            yield event
            if (event.type === 'content_block_delta') throw new Error('broke mid-answer')
          }
        })()
      }
    }
  })
  const stream = anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
  const texts: string[] = []
  stream.on('text', (delta) => texts.push(delta))
  await assert.rejects(stream.finalMessage(), (error: Error) => /A chat middleware failed: broke mid-answer/.test(error.message))
  assert.equal(texts.length, 1, 'the answer had started')
  await assert.rejects(async () => {
    for await (const _chunk of await openai.chat.completions.create({ model: 'claude-opus-5-5', stream: true, messages: [{ role: 'user', content: 'hi' }] })) { /* drain */ }
  }, /A chat middleware failed: broke mid-answer/)

  await assert.rejects(anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 100, system: 'fail early', messages: [{ role: 'user', content: 'hi' }] }).finalMessage(), (error: unknown) => {
    assert.ok(error instanceof Anthropic.APIError)
    assert.equal(error.status, 500)
    assert.equal((error.error as Json).type, 'error', 'Anthropic error JSON')
    return true
  })
  assert.equal(gateway.app.lynkr.chat.activeCalls, 0, 'nothing is left in flight')
})

test('turn-completed fires once per client call: a two-turn gateway tool loop, a cache answer, and an internal call', async (t) => {
  const { fake, gateway, anthropic, openai } = await setup(t)
  const turns: TurnCompletedEvent[] = []
  const waiters: Array<() => void> = []
  gateway.app.lynkr.events.on('turn-completed', (turn) => { turns.push(turn); for (const wake of waiters.splice(0)) wake() })
  const eventFor = async (count: number): Promise<TurnCompletedEvent> => {
    const deadline = Date.now() + 30_000
    while (turns.length < count) {
      if (Date.now() > deadline) throw new Error(`no turn-completed event #${count}`)
      await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 500).unref() })
    }
    return turns[count - 1]!
  }
  gateway.app.lynkr.chat.use(responseCache())
  gateway.app.lynkr.gatewayTools.register(weatherTool())
  fake.respondWith(loopResponder)
  const question = 'Weather in Paris?'
  const params = { model: 'claude-opus-5-5', max_tokens: 512, tools: [readFile], messages: [{ role: 'user' as const, content: question }] }
  const openaiParams = { model: 'claude-opus-5-5', max_tokens: 512, tools: [readFileFunction], messages: [{ role: 'user' as const, content: question }] }
  const calls: Array<{ name: string, run: () => Promise<string> }> = [
    { name: 'anthropic streamed', run: async () => (await anthropic.messages.stream({ ...params, system: 'streamed' }).finalMessage()).content.map((b) => b.type === 'text' ? b.text : '').join('') },
    { name: 'anthropic whole', run: async () => (await anthropic.messages.create({ ...params, system: 'whole' })).content.map((b) => b.type === 'text' ? b.text : '').join('') },
    {
      name: 'openai streamed',
      run: async () => {
        let text = ''
        for await (const chunk of await openai.chat.completions.create({ ...openaiParams, messages: [{ role: 'system', content: 'streamed' }, ...openaiParams.messages], stream: true })) text += chunk.choices[0]?.delta.content ?? ''
        return text
      }
    },
    { name: 'openai whole', run: async () => (await openai.chat.completions.create({ ...openaiParams, messages: [{ role: 'system', content: 'whole' }, ...openaiParams.messages] })).choices[0]!.message.content ?? '' }
  ]
  const ids = new Set<string>()
  // Each call twice: a miss that runs the two-turn tool loop, then the same request answered from the cache.
  for (const { name, run } of calls) {
    for (const cached of [false, true]) {
      const before = chats(fake).length
      const text = await run()
      // OpenAI clients get one string: the loop's turns apart by a blank line; Anthropic clients get one block per turn.
      assert.equal(text, name.startsWith('openai') ? 'Let me check.\n\nIt is sunny in Paris.' : 'Let me check.It is sunny in Paris.', name)
      assert.equal(chats(fake).length - before, cached ? 0 : 2, `${name}: ${cached ? 'the cache answered' : 'two model turns'}`)
      const turn = await eventFor(ids.size + 1)
      ids.add(turn.requestId)
      assert.equal(turn.outcome, 'success', name)
      assert.equal(turn.stream, name.endsWith('streamed'), name)
      assert.deepEqual(turn.message?.content.map((block) => block.type === 'text' ? block.text : block.type), ['Let me check.', `${name.startsWith('openai') ? '\n\n' : ''}It is sunny in Paris.`], `${name}: the message as the client saw it`)
      assert.equal(turn.message?.usage.input_tokens, 100, `${name}: the message's usage, summed over the turns`)
      assert.equal(turn.calls, cached ? 0 : 2, name)
      assert.deepEqual([turn.usage.input_tokens, turn.usage.output_tokens], cached ? [0, 0] : [100, 18], `${name}: what the providers billed`)
      assert.equal(turn.decision?.reason, cached ? 'cache' : 'default', name)
      assert.equal(turn.purpose, 'client')
      assert.deepEqual(turn.request.tools?.map((tool) => tool.name), ['read_file'], `${name}: the request as the client sent it`)
      assert.deepEqual(turn.request.messages.map((message) => message.role), ['user'])
      if (cached) assert.equal(turn.sent, undefined, `${name}: no provider call`)
      else {
        assert.deepEqual(turn.sent?.tools?.map((tool) => tool.name), ['read_file', 'lookup_weather'], `${name}: the final turn as the provider got it`)
        assert.deepEqual(turn.sent?.messages.map((message) => message.role), ['user', 'assistant', 'user'])
      }
    }
  }
  const internal = await gateway.app.lynkr.chat.internal({ purpose: 'probe', request: { model: '', clientModel: 'claude-opus-5-5', max_tokens: 64, stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'plain internal call' }] }] } })
  assert.equal(internal.message.content[0]?.type, 'text')
  const last = await eventFor(ids.size + 1)
  assert.equal(last.purpose, 'internal:probe')
  assert.equal(last.calls, 1)
  ids.add(last.requestId)
  // Every inner call would have been reported before this last one: exactly one event per client call.
  assert.equal(turns.length, 9)
  assert.equal(ids.size, 9, 'one event per request id')
})
