import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeGemini } from './helpers/fake-gemini.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

// tool_choice on upstreams without Anthropic's switches: a forced choice where the upstream refuses it or has
// none (Converse models other than Claude/Nova/Mistral Large, Ollama), and disable_parallel_tool_use where no
// upstream switch exists (Gemini, Converse, Ollama).
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const tools: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } }
]
const bedrockEnv = (url: string, model: string): Record<string, string> => ({ MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSK-token', AWS_ENDPOINT_URL: url, AWS_BEDROCK_MODEL_ID: model, ...NO_RETRIES })

async function boot (t: { after: (fn: () => Promise<void>) => void }, fake: FakeUpstream, env: Record<string, string>) {
  const gateway = await startGateway({ ...env, ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  const last = (): any => fake.requests.filter((request) => request.method === 'POST').at(-1)!.body
  return { client, last }
}

test('bedrock converse: a forced tool_choice reaches Llama as a narrowed tool list and an instruction (Llama refuses toolChoice.any/tool); Nova keeps it', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSK-token' })
  const { client, last } = await boot(t, fake, bedrockEnv(fake.url, 'us.meta.llama3-3-70b-instruct-v1:0'))
  fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }] })
  const forced = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'tool', name: 'Read' }, messages: [{ role: 'user', content: 'read a.ts' }] })
  assert.equal(forced.stop_reason, 'tool_use')
  assert.equal(last().toolConfig.toolChoice?.tool, undefined)
  assert.deepEqual(last().toolConfig.tools.map((tool: any) => tool.toolSpec.name), ['Read'])
  assert.match(JSON.stringify(last().system), /Answer by calling the Read tool/)

  fake.respondWith({ toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] })
  const any = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'list' }] })
  assert.equal(any.stop_reason, 'tool_use')
  assert.deepEqual(last().toolConfig.tools.map((tool: any) => tool.toolSpec.name), ['Bash', 'Read'])

  const nova = await startGateway(bedrockEnv(fake.url, 'us.amazon.nova-pro-v1:0'))
  t.after(async () => { await nova.close() })
  const novaClient = new Anthropic({ baseURL: nova.url, apiKey: 'client-key', maxRetries: 0 })
  await novaClient.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'list' }] })
  assert.deepEqual(last().toolConfig.toolChoice, { any: {} }, 'Nova takes the choice as it is')
})

const parallelCases: Array<{ name: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }> = [
  { name: 'vertex (gemini)', start: async () => await startFakeGemini({ apiKey: 'gemini-key' }), env: (url) => ({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: 'gemini-key', VERTEX_ENDPOINT: url, VERTEX_MODEL: 'gemini-2.5-pro' }) },
  { name: 'bedrock converse (nova)', start: async () => await startFakeBedrock({ bearerToken: 'ABSK-token' }), env: (url) => bedrockEnv(url, 'us.amazon.nova-pro-v1:0') },
  { name: 'ollama', start: async () => await startFakeOllama(), env: (url) => ollamaEnv(url) }
]

for (const provider of parallelCases) {
  test(`${provider.name}: disable_parallel_tool_use leaves the client one tool call, streamed or not`, { timeout: 60_000 }, async (t) => {
    const fake = await provider.start()
    const { client } = await boot(t, fake, provider.env(fake.url))
    const two = { toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }, { name: 'Bash', arguments: { command: 'ls' } }] }
    const params: Anthropic.MessageCreateParamsNonStreaming = { model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true }, messages: [{ role: 'user', content: 'read and list' }] }
    fake.respondWith(two)
    const streamed = await client.messages.stream(params).finalMessage()
    fake.respondWith(two)
    const whole = await client.messages.create(params)
    for (const message of [streamed, whole]) {
      assert.deepEqual(message.content.filter((block) => block.type === 'tool_use').map((block) => [block.name, block.input]), [['Read', { file_path: 'a.ts' }]])
      assert.equal(message.stop_reason, 'tool_use')
    }
    fake.respondWith(two)
    const parallel = await client.messages.create({ ...params, tool_choice: { type: 'auto' } })
    assert.equal(parallel.content.filter((block) => block.type === 'tool_use').length, 2, 'parallel calls stay when allowed')
  })
}

test('ollama: a forced tool_choice narrows the tools and asks for the call (Ollama has no tool_choice)', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeOllama()
  const { client, last } = await boot(t, fake, ollamaEnv(fake.url))
  fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }] })
  await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'tool', name: 'Read' }, messages: [{ role: 'user', content: 'read a.ts' }] })
  assert.deepEqual(last().tools.map((tool: any) => tool.function.name), ['Read'])
  assert.match(last().messages[0].content, /Answer by calling the Read tool\.$/)
  await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'do something' }] })
  assert.deepEqual(last().tools.map((tool: any) => tool.function.name), ['Bash', 'Read'])
  assert.match(last().messages[0].content, /Answer by calling one of the available tools\.$/)
})
