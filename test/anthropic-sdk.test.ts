import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startGateway, ollamaEnv, openAIEnv } from './helpers/gateway.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

// The official SDK is the client: its parsers must accept every response and stream we emit.
const tools: Anthropic.Tool[] = [
  { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }
]

const families: Array<{ name: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }> = [
  { name: 'ollama', start: async () => await startFakeOllama(), env: (url) => ollamaEnv(url) },
  { name: 'openai', start: async () => await startFakeOpenAI({ apiKey: 'sk-test-key' }), env: (url) => openAIEnv(url) }
]

for (const family of families) {
  test(`@anthropic-ai/sdk through lynkr to ${family.name}`, async (t) => {
    const fake = await family.start()
    const gateway = await startGateway(family.env(fake.url))
    t.after(async () => { await gateway.close(); await fake.close() })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })

    await t.test('messages.create returns text with usage', async () => {
      fake.respondWith({ text: 'Hello from the upstream', usage: { input: 42, output: 7 } })
      const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(message.model, 'claude-sonnet-4-5', 'echoes the client model')
      assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the upstream' }])
      assert.equal(message.stop_reason, 'end_turn')
      assert.equal(message.usage.input_tokens, 42)
      assert.equal(message.usage.output_tokens, 7)
    })

    await t.test('messages.stream().finalMessage() assembles streamed text', async () => {
      fake.respondWith({ text: 'Streaming works across several deltas', usage: { input: 30, output: 6 } })
      const stream = client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 128000, messages: [{ role: 'user', content: 'stream please' }] })
      const texts: string[] = []
      stream.on('text', (delta) => texts.push(delta))
      const message = await stream.finalMessage()
      assert.ok(texts.length > 1, 'more than one text delta reached the client')
      assert.equal(texts.join(''), 'Streaming works across several deltas')
      assert.equal(message.usage.output_tokens, 6)
      assert.equal(message.usage.input_tokens, 30)
      const upstream = fake.requests.at(-1)!.body
      assert.equal(upstream.stream, true, 'the upstream is asked to stream')
    })

    await t.test('tool use round trip with two parallel calls', async () => {
      fake.respondWith({
        toolCalls: [{ name: 'read_file', arguments: { path: 'a "quoted" \\ path.ts' } }, { name: 'read_file', arguments: { path: 'b.ts' } }],
        interleave: true,
        finishReason: 'stop'
      })
      const message = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 1000, tools, messages: [{ role: 'user', content: 'read a and b' }] }).finalMessage()
      assert.equal(message.stop_reason, 'tool_use', 'decided from what was streamed, not the upstream finish reason')
      const uses = message.content.filter((block) => block.type === 'tool_use')
      assert.deepEqual(uses.map((use) => use.input), [{ path: 'a "quoted" \\ path.ts' }, { path: 'b.ts' }])
      assert.ok(uses.every((use) => /^[a-zA-Z0-9_-]+$/.test(use.id)))

      fake.respondWith({ text: 'Both files read' })
      const followUp = await client.messages.create({
        model: 'claude-opus-5-5',
        max_tokens: 1000,
        tools,
        messages: [
          { role: 'user', content: 'read a and b' },
          { role: 'assistant', content: message.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: uses[0]!.id, content: 'contents of a' },
              { type: 'tool_result', tool_use_id: uses[1]!.id, content: [{ type: 'text', text: 'no such file' }], is_error: true }
            ]
          }
        ]
      })
      assert.deepEqual(followUp.content, [{ type: 'text', text: 'Both files read' }])
      const sent = fake.requests.at(-1)!.body.messages as Array<{ role: string, content: unknown, tool_call_id?: string }>
      const toolMessages = sent.filter((m) => m.role === 'tool')
      assert.equal(toolMessages.length, 2)
      assert.equal(toolMessages[0]!.content, 'contents of a')
      assert.equal(toolMessages[1]!.content, 'Error: no such file')
      assert.equal(toolMessages[0]!.tool_call_id, uses[0]!.id)
    })

    await t.test('countTokens gives a real, non-zero estimate that grows with tools', async () => {
      const base = await client.messages.countTokens({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'hello there' }] })
      const withTools = await client.messages.countTokens({ model: 'claude-opus-5-5', system: 'You are terse.', tools, messages: [{ role: 'user', content: 'hello there' }] })
      assert.ok(base.input_tokens > 0)
      assert.ok(withTools.input_tokens > base.input_tokens + 10)
    })

    await t.test('upstream 429 keeps its status and Retry-After; the SDK sees a RateLimitError', async () => {
      fake.respondWith({ status: 429, error: 'slow down', retryAfter: 7 })
      await assert.rejects(
        client.messages.create({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
        (error: unknown) => error instanceof Anthropic.RateLimitError && /slow down/.test(error.message) && error.headers?.get('retry-after') === '7'
      )
    })

    await t.test('a mid-stream upstream error reaches the client as an SSE error event', async () => {
      fake.respondWith({ text: 'partial', midStreamError: 'model crashed' })
      await assert.rejects(
        client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage(),
        (error: unknown) => error instanceof Anthropic.APIError && /model crashed/.test(error.message)
      )
    })
  })
}

test('@anthropic-ai/sdk through lynkr to an OpenAI-compatible server that streams parallel calls at one index (Ollama /v1, vLLM)', async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  const both: Anthropic.Tool[] = [...tools, { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]
  fake.respondWith({
    toolCalls: [{ name: 'read_file', arguments: { path: 'a.ts' } }, { name: 'read_file', arguments: { path: 'b.ts' } }, { name: 'Bash', arguments: { command: 'ls && echo "done"' } }],
    sharedToolIndex: true
  })
  const message = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 1000, tools: both, messages: [{ role: 'user', content: 'read a and b, then list' }] }).finalMessage()
  assert.equal(message.stop_reason, 'tool_use')
  const uses = message.content.filter((block) => block.type === 'tool_use')
  assert.deepEqual(uses.map((use) => [use.name, use.input]), [['read_file', { path: 'a.ts' }], ['read_file', { path: 'b.ts' }], ['Bash', { command: 'ls && echo "done"' }]])
  assert.equal(new Set(uses.map((use) => use.id)).size, 3, 'each call keeps its own id')
})
