import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import { startFakeAzureOpenAI, startFakeDeepSeek, startFakeOpenRouter } from './helpers/fake-openai-dialects.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

// DeepSeek in thinking mode refuses an assistant tool-call turn sent back without its reasoning_content
// (400 "Missing `reasoning_content` field"), wherever it is served: its own API through the openai provider,
// OpenRouter's deepseek/* models, Azure Foundry deployments. The fakes enforce that rule.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const tools: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }
]

const servers: Array<{ name: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }> = [
  {
    name: 'openai provider on api.deepseek.com (deepseek-reasoner)',
    start: async () => await startFakeDeepSeek({ apiKey: 'sk-deepseek' }),
    env: (url) => ({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-deepseek', OPENAI_ENDPOINT: url, OPENAI_MODEL: 'deepseek-reasoner' })
  },
  {
    name: 'openrouter (deepseek/deepseek-r1)',
    start: async () => await startFakeOpenRouter({ apiKey: 'sk-or-test' }),
    env: (url) => ({ MODEL_PROVIDER: 'openrouter', OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_ENDPOINT: `${url}/api/v1`, OPENROUTER_MODEL: 'deepseek/deepseek-r1' })
  },
  {
    name: 'azure-openai Foundry deployment (DeepSeek-R1-0528)',
    start: async () => await startFakeAzureOpenAI({ apiKey: 'azure-key', deployments: ['DeepSeek-R1-0528'], deepSeekDeployments: ['DeepSeek-R1-0528'] }),
    env: (url) => ({ MODEL_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: url, AZURE_OPENAI_API_KEY: 'azure-key', AZURE_OPENAI_DEPLOYMENT: 'DeepSeek-R1-0528' })
  }
]

for (const server of servers) {
  test(`DeepSeek thinking-mode tool loop through ${server.name}: tool-call turns carry reasoning_content`, { timeout: 60_000 }, async (t) => {
    const fake = await server.start()
    const gateway = await startGateway({ ...server.env(fake.url), ...NO_RETRIES })
    t.after(async () => { await gateway.close(); await fake.close() })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
    const ask: Anthropic.MessageParam = { role: 'user', content: 'list the files' }

    fake.respondWith({ reasoning: 'The user wants a listing; ls will do.', toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] })
    const first = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, tools, messages: [ask] }).finalMessage()
    // Never an enabling and a disabling reasoning flag at once (the OpenRouter fake refuses that, as OpenRouter does).
    const flags = fake.requests.at(-1)!.body
    assert.notEqual(flags.reasoning?.enabled, false)
    assert.notEqual(flags.thinking?.type, 'disabled')
    assert.deepEqual(first.content.map((block) => block.type), ['thinking', 'tool_use'])
    const use = first.content[1] as Anthropic.ToolUseBlock
    const result: Anthropic.MessageParam = { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.ts\nb.ts' }] }

    fake.respondWith({ reasoning: 'Two files.', text: 'a.ts and b.ts' })
    const second = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 4096, tools, messages: [ask, { role: 'assistant', content: first.content }, result] })
    assert.equal(second.content.at(-1)?.type, 'text', JSON.stringify(second.content))
    const sent = (fake.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant')!
    assert.equal(sent.reasoning_content, 'The user wants a listing; ls will do.', 'the thinking goes back as reasoning_content')

    // The tool turn came from a model that did not reason (a fallback, or a session moved here): "" stands in.
    const unreasoned: Anthropic.MessageParam = { role: 'assistant', content: [use] }
    fake.respondWith({ text: 'listed' })
    const third = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 4096, tools, messages: [ask, unreasoned, result] })
    assert.deepEqual(third.content.filter((block) => block.type === 'text'), [{ type: 'text', text: 'listed' }])
    const placeholder = (fake.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant')!
    assert.equal(placeholder.reasoning_content, '')
  })
}

test('DeepSeek non-reasoning models and other vendors get no reasoning_content', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeDeepSeek({ apiKey: 'sk-deepseek' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-deepseek', OPENAI_ENDPOINT: fake.url, OPENAI_MODEL: 'deepseek-chat', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  fake.respondWith({ text: 'fine' })
  await client.messages.create({
    model: 'claude-opus-5-5',
    max_tokens: 1024,
    tools,
    messages: [
      { role: 'user', content: 'list' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts' }] }
    ]
  })
  const sent = (fake.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).find((message) => message.role === 'assistant')!
  assert.equal('reasoning_content' in sent, false)
})
