/**
 * The official `openai` SDK as the client, through lynkr, to each provider family's fake upstream:
 * chat (stream with include_usage, non-stream, a tool round trip with parallel calls), Responses (stream
 * and non-stream), models.list and embeddings.create (the SDK's default base64, decoded to the right vector).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { fakeEmbedding, isRecord, type FakeResponder, type FakeUpstream, type RecordedRequest } from './helpers/fake-script.ts'
import { ollamaEnv, openAIEnv, startGateway, type TestGateway } from './helpers/gateway.ts'

interface Family {
  name: 'ollama' | 'openai'
  start: () => Promise<FakeUpstream>
  env: (url: string) => Record<string, string>
  /** The model id GET /v1/models lists for the default provider. */
  listed: string
  /** The fake's own path for chat calls. */
  chatPath: string
  embedPath: string
}

const FAMILIES: Family[] = [
  {
    name: 'ollama',
    start: async () => await startFakeOllama(),
    env: (url) => ollamaEnv(url, { OLLAMA_EMBEDDINGS_MODEL: 'nomic-embed-text' }),
    listed: 'ollama:qwen2.5-coder:7b',
    chatPath: '/api/chat',
    embedPath: '/api/embed'
  },
  {
    name: 'openai',
    start: async () => await startFakeOpenAI({ apiKey: 'sk-test-key' }),
    env: (url) => openAIEnv(url),
    listed: 'openai:gpt-4o-mini',
    chatPath: '/v1/chat/completions',
    embedPath: '/v1/embeddings'
  }
]

/** The tool results of the current turn, in order (OpenAI `tool` messages or Ollama `tool` messages). */
function toolResults (request: RecordedRequest): string[] {
  const messages = isRecord(request.body) && Array.isArray(request.body.messages) ? request.body.messages as Array<Record<string, unknown>> : []
  const results: string[] = []
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!
    if (message.role === 'assistant') break
    if (message.role === 'tool') results.unshift(String(message.content))
  }
  return results
}

/** First turn: two parallel read calls; second turn: an answer quoting both results. */
const readTwoFiles: FakeResponder = (request) => {
  const results = toolResults(request)
  if (results.length > 0) return { text: `Both files: ${results.join(' | ')}`, usage: { input: 90, output: 9 } }
  return {
    toolCalls: [{ name: 'read_file', arguments: { path: 'a.ts' } }, { name: 'read_file', arguments: { path: 'b "quoted".ts' } }],
    interleave: true,
    usage: { input: 60, output: 20 }
  }
}

const READ_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }
}

for (const family of FAMILIES) {
  describe(`openai SDK → lynkr → ${family.name}`, () => {
    let fake: FakeUpstream
    let gateway: TestGateway
    let client: OpenAI

    before(async () => {
      fake = await family.start()
      gateway = await startGateway(family.env(fake.url))
      client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'dummy', maxRetries: 0, timeout: 20_000 })
    })
    after(async () => {
      await gateway.close()
      await fake.close()
    })

    test('chat stream with include_usage: chunks in order, usage equals the upstream report', async () => {
      fake.respondWith({ text: 'Hello from the fake upstream', usage: { input: 42, output: 7, ...(family.name === 'openai' ? { cached: 10 } : {}) } })
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }],
        stream: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 50
      })
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
      for await (const chunk of stream) chunks.push(chunk)
      assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant')
      assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Hello from the fake upstream')
      const finish = chunks.filter((chunk) => chunk.choices[0]?.finish_reason != null)
      assert.equal(finish.length, 1)
      assert.equal(finish[0]?.choices[0]?.finish_reason, 'stop')
      const last = chunks.at(-1)!
      assert.deepEqual(last.choices, [])
      assert.equal(last.usage?.prompt_tokens, 42)
      assert.equal(last.usage?.completion_tokens, 7)
      assert.equal(last.usage?.total_tokens, 49)
      assert.equal(last.usage?.prompt_tokens_details?.cached_tokens, family.name === 'openai' ? 10 : 0)
      assert.ok(chunks.every((chunk) => chunk.model === 'gpt-4o-mini' && chunk.id === chunks[0]!.id))
      const upstream = fake.requests.at(-1)!
      assert.equal(upstream.path, family.chatPath)
      if (family.name === 'ollama') assert.equal(upstream.body.options.num_predict, 50)
      else assert.equal(upstream.body.max_tokens, 50)
    })

    test('chat non-stream', async () => {
      fake.respondWith({ text: 'A whole answer.', usage: { input: 12, output: 4 } })
      const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(completion.object, 'chat.completion')
      assert.equal(completion.choices[0]?.message.content, 'A whole answer.')
      assert.equal(completion.choices[0]?.finish_reason, 'stop')
      assert.deepEqual([completion.usage?.prompt_tokens, completion.usage?.completion_tokens, completion.usage?.total_tokens], [12, 4, 16])
      assert.notEqual(fake.requests.at(-1)!.body.stream, true)
    })

    test('tool round trip with two parallel calls', async () => {
      fake.respondWith(readTwoFiles)
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Read a.ts and b.ts' }]
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [READ_TOOL], stream: true, stream_options: { include_usage: true } })
      const calls = new Map<number, { id: string, name: string, args: string }>()
      let finish: string | null | undefined
      let usage: OpenAI.CompletionUsage | null | undefined
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage
        const choice = chunk.choices[0]
        if (choice?.finish_reason) finish = choice.finish_reason
        for (const fragment of choice?.delta.tool_calls ?? []) {
          const call = calls.get(fragment.index) ?? { id: '', name: '', args: '' }
          if (fragment.id) call.id = fragment.id
          if (fragment.function?.name) call.name = fragment.function.name
          call.args += fragment.function?.arguments ?? ''
          calls.set(fragment.index, call)
        }
      }
      assert.equal(finish, 'tool_calls')
      assert.deepEqual([...calls.keys()], [0, 1])
      assert.deepEqual([...calls.values()].map((call) => [call.name, JSON.parse(call.args)]), [['read_file', { path: 'a.ts' }], ['read_file', { path: 'b "quoted".ts' }]])
      assert.ok([...calls.values()].every((call) => call.id !== ''))
      assert.equal(usage?.prompt_tokens, 60)

      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [...calls.values()].map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: call.args } }))
      })
      const ids = [...calls.values()].map((call) => call.id)
      messages.push({ role: 'tool', tool_call_id: ids[0]!, content: 'export const a = 1' })
      // Qwen Code sends tool output as text parts.
      messages.push({ role: 'tool', tool_call_id: ids[1]!, content: [{ type: 'text', text: 'export const b = 2' }] })
      const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [READ_TOOL] })
      assert.equal(answer.choices[0]?.message.content, 'Both files: export const a = 1 | export const b = 2')
      assert.equal(answer.usage?.prompt_tokens, 90)

      // What reached the upstream is a body a strict server of that kind accepts (the fakes validate too).
      const upstream = fake.requests.at(-1)!.body
      const toolMessages = (upstream.messages as Array<Record<string, unknown>>).filter((message) => message.role === 'tool')
      assert.deepEqual(toolMessages.map((message) => message.content), ['export const a = 1', 'export const b = 2'])
      if (family.name === 'openai') assert.deepEqual(toolMessages.map((message) => message.tool_call_id), ids)
      for (const message of upstream.messages as Array<Record<string, unknown>>) {
        if (family.name === 'ollama') assert.equal(typeof message.content, 'string')
        assert.ok(!Array.isArray(message.tool_calls) || message.tool_calls.length > 0)
      }
    })

    test('responses: stream with typed events, then non-stream', async () => {
      fake.respondWith({ text: 'Responses work.', usage: { input: 30, output: 5 } })
      const stream = client.responses.stream({ model: 'gpt-5-mini', instructions: 'Be brief.', input: 'Does the Responses API work?' })
      const types: string[] = []
      let deltas = ''
      stream.on('response.output_text.delta', (event) => { deltas += event.delta })
      for await (const event of stream) types.push(event.type)
      const final = await stream.finalResponse()
      assert.equal(types[0], 'response.created')
      assert.equal(types.at(-1), 'response.completed')
      assert.ok(types.includes('response.output_item.added') && types.includes('response.output_text.done'))
      assert.equal(deltas, 'Responses work.')
      assert.equal(final.output_text, 'Responses work.')
      assert.equal(final.status, 'completed')
      assert.deepEqual([final.usage?.input_tokens, final.usage?.output_tokens, final.usage?.total_tokens], [30, 5, 35])
      const sent = fake.requests.at(-1)!.body
      assert.equal(sent.messages[0].role, 'system')
      assert.equal(sent.messages[0].content, 'Be brief.')
      assert.ok(!('input' in sent) && !('instructions' in sent))

      fake.respondWith({ toolCalls: [{ name: 'read_file', arguments: { path: 'c.ts' } }], usage: { input: 31, output: 6 } })
      const response = await client.responses.create({
        model: 'gpt-5-mini',
        input: [{ role: 'user', content: [{ type: 'input_text', text: 'Read c.ts' }] }],
        tools: [{ type: 'function', name: 'read_file', parameters: READ_TOOL.function.parameters ?? null, strict: false }],
        store: false,
        include: ['reasoning.encrypted_content']
      })
      assert.equal(response.object, 'response')
      const call = response.output.find((item) => item.type === 'function_call')
      assert.ok(call !== undefined && call.type === 'function_call')
      assert.equal(call.name, 'read_file')
      assert.deepEqual(JSON.parse(call.arguments), { path: 'c.ts' })
      assert.equal(response.usage?.input_tokens, 31)

      fake.respondWith({ text: 'c.ts holds c.' })
      const next = await client.responses.create({
        model: 'gpt-5-mini',
        input: [
          { role: 'user', content: 'Read c.ts' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: 'export const c = 3' }
        ]
      })
      assert.equal(next.output_text, 'c.ts holds c.')
      assert.deepEqual(toolResults(fake.requests.at(-1)!), ['export const c = 3'])
    })

    test('models.list: OpenAI list shape with the routable models', async () => {
      const ids: string[] = []
      for await (const model of client.models.list()) {
        assert.equal(model.object, 'model')
        assert.equal(typeof model.created, 'number')
        ids.push(model.id)
      }
      assert.ok(ids.includes(family.listed), `${ids.join(', ')} lists ${family.listed}`)
    })

    test('embeddings.create: default base64 decodes to the upstream vector; float and dimensions', async () => {
      const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] })
      assert.equal(result.object, 'list')
      assert.deepEqual(result.data.map((item) => item.index), [0, 1])
      assert.deepEqual(result.data[0]?.embedding, fakeEmbedding('alpha').map(Math.fround))
      assert.deepEqual(result.data[1]?.embedding, fakeEmbedding('beta gamma').map(Math.fround))
      assert.ok(result.usage.prompt_tokens > 0)
      assert.equal(result.usage.total_tokens, result.usage.prompt_tokens)
      const upstream = fake.requests.at(-1)!
      assert.equal(upstream.path, family.embedPath)
      if (family.name === 'ollama') assert.deepEqual(upstream.body, { model: 'nomic-embed-text', input: ['alpha', 'beta gamma'], truncate: true })
      else assert.equal(upstream.body.model, 'text-embedding-3-small')

      const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'delta', encoding_format: 'float', dimensions: 4 })
      assert.deepEqual(floats.data[0]?.embedding, fakeEmbedding('delta', 4))
    })
  })
}
