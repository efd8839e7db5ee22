import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { anthropicSearchTurn } from './helpers/web-search-responder.ts'
import { startGateway } from './helpers/gateway.ts'
import { providerCases } from './helpers/provider-cases.ts'
import type { ProviderCase } from './helpers/provider-cases.ts'

// One table, the same scenarios for every provider, asserted on what reaches an Anthropic client (the
// official SDK) through lynkr's Anthropic front door. Extend by adding rows to providerCases.
const tools: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' }, timeout: { type: 'number', exclusiveMinimum: 0 } }, required: ['command'], additionalProperties: false } },
  { name: 'Read', description: 'Read a file', input_schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } }
]
// Retries and breakers are the router's business (resilience.test.ts): here every upstream answer must
// reach the client as the provider mapped it.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const tricky = { command: 'grep -n "a \\"quoted\\" word" src/*.ts | head -5 && echo done', timeout: 1000 }

async function apiError (promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise
  } catch (error) {
    if (error instanceof Anthropic.APIError) return error
    throw error
  }
  assert.fail('expected an API error')
}

function chatRequests (fake: { requests: Array<{ method: string, path: string, body: any }> }): Array<{ method: string, path: string, body: any }> {
  return fake.requests.filter((request) => request.method === 'POST')
}

for (const provider of providerCases) runScenarios(provider)

function runScenarios (provider: ProviderCase): void {
  test(`conformance: ${provider.name}`, { timeout: 60_000 }, async (t) => {
    const fake = await provider.start()
    const gateway = await startGateway({ ...provider.env(fake.url), ...NO_RETRIES })
    t.after(async () => { await gateway.close(); await fake.close() })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })

    await t.test('text', async () => {
      fake.respondWith({ text: 'Hello from the upstream', usage: { input: 42, output: 7 } })
      const message = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] })
      assert.equal(message.model, 'claude-opus-5-5', 'echoes the client model')
      assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the upstream' }])
      assert.equal(message.stop_reason, 'end_turn')
      assert.equal(message.usage.input_tokens, 42)
      assert.equal(message.usage.output_tokens, 7)
      const sent = chatRequests(fake).at(-1)!
      assert.equal(provider.upstreamModel(sent), provider.expectedModel)
    })

    await t.test('streamed text', async () => {
      fake.respondWith({ text: 'Streaming works across several deltas', usage: { input: 30, output: 6 } })
      const stream = client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'stream please' }] })
      const texts: string[] = []
      stream.on('text', (delta) => texts.push(delta))
      const message = await stream.finalMessage()
      assert.ok(texts.length > 1, 'more than one text delta reached the client')
      assert.equal(texts.join(''), 'Streaming works across several deltas')
      assert.equal(message.usage.input_tokens, 30)
      assert.equal(message.usage.output_tokens, 6)
    })

    await t.test('tool call', async () => {
      fake.respondWith({ toolCalls: [{ name: 'Bash', arguments: tricky }] })
      const message = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'grep it' }] }).finalMessage()
      assert.equal(message.stop_reason, 'tool_use')
      const uses = message.content.filter((block) => block.type === 'tool_use')
      assert.equal(uses.length, 1)
      assert.equal(uses[0]!.name, 'Bash')
      assert.deepEqual(uses[0]!.input, tricky)
      assert.match(uses[0]!.id, /^[a-zA-Z0-9_-]+$/)
    })

    await t.test('parallel tool calls', async () => {
      fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }, { name: 'Read', arguments: { file_path: 'b.ts' } }, { name: 'Bash', arguments: { command: 'ls' } }] })
      const message = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'read both, list' }] })
      assert.equal(message.stop_reason, 'tool_use')
      const uses = message.content.filter((block) => block.type === 'tool_use')
      assert.deepEqual(uses.map((use) => [use.name, use.input]), [['Read', { file_path: 'a.ts' }], ['Read', { file_path: 'b.ts' }], ['Bash', { command: 'ls' }]])
      assert.equal(new Set(uses.map((use) => use.id)).size, 3, 'distinct ids')
    })

    await t.test('tool result round trip', async () => {
      fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }, { name: 'Bash', arguments: { command: 'false' } }] })
      const first = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'go' }] }).finalMessage()
      const uses = first.content.filter((block) => block.type === 'tool_use')
      assert.equal(uses.length, 2)
      fake.respondWith({ text: 'Both done' })
      const second = await client.messages.stream({
        model: 'claude-opus-5-5',
        max_tokens: 1024,
        tools,
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: uses[0]!.id, content: 'export const a = 1' },
              { type: 'tool_result', tool_use_id: uses[1]!.id, content: [{ type: 'text', text: 'exit code 1' }], is_error: true },
              { type: 'text', text: 'and summarise' }
            ]
          }
        ]
      }).finalMessage()
      assert.deepEqual(second.content, [{ type: 'text', text: 'Both done' }])
      const seen = provider.toolResults(chatRequests(fake).at(-1)!.body)
      assert.deepEqual(seen.map((result) => [result.text, result.isError === true]), [['export const a = 1', false], ['exit code 1', true]])
      for (const [i, result] of seen.entries()) if (result.id !== undefined && /^toolu|^tooluse/.test(result.id)) assert.equal(result.id, uses[i]!.id)
    })

    await t.test('a web search turn an Anthropic upstream served earlier (tier routing moves sessions between providers)', async () => {
      fake.respondWith({ text: 'Noted' })
      const hit = 'https://nodejs.org/en/blog/release/v24.0.0'
      const message = await client.messages.create({
        model: 'claude-opus-5-5',
        max_tokens: 1024,
        tools: [...tools, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }],
        messages: [
          { role: 'user', content: 'When did Node 24 come out?' },
          anthropicSearchTurn(hit),
          { role: 'user', content: 'Thanks. And Node 26?' }
        ]
      } as Anthropic.MessageCreateParamsNonStreaming)
      assert.deepEqual(message.content, [{ type: 'text', text: 'Noted' }])
      // What was found reaches the model, as blocks for an Anthropic-format upstream or as text for the others.
      const sent = JSON.stringify(chatRequests(fake).at(-1)!.body)
      assert.ok(sent.includes(hit), 'the search hit reached the upstream')
      assert.ok(sent.includes('node 24 release date'), 'the query reached the upstream')
    })

    await t.test('thinking', async () => {
      fake.respondWith({ reasoning: 'The user wants a greeting. I will greet.', text: 'Hello!' })
      const message = await client.messages.stream({
        model: 'claude-opus-5-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'greet me' }]
      }).finalMessage()
      const thinking = message.content.find((block) => block.type === 'thinking')
      assert.ok(thinking !== undefined && thinking.type === 'thinking', JSON.stringify(message.content))
      assert.equal(thinking.thinking, 'The user wants a greeting. I will greet.')
      if (provider.signedThinking) assert.ok(thinking.signature.length > 10, 'the upstream signature reaches the client')
      assert.deepEqual(message.content.at(-1), { type: 'text', text: 'Hello!' })
      // Replaying the signed block must be accepted (the fakes verify their own signatures).
      fake.respondWith({ text: 'Again' })
      const next = await client.messages.create({
        model: 'claude-opus-5-5',
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        messages: [{ role: 'user', content: 'greet me' }, { role: 'assistant', content: message.content }, { role: 'user', content: 'again' }]
      })
      assert.deepEqual(next.content.at(-1), { type: 'text', text: 'Again' })
    })

    for (const [status, type] of [[400, 'invalid_request_error'], [429, 'rate_limit_error'], [500, 'api_error']] as const) {
      await t.test(`upstream ${status}`, async () => {
        const detail = `scripted ${status} from the fake upstream`
        fake.respondWith({ status, error: detail, retryAfter: status === 429 ? 7 : undefined })
        const error = await apiError(client.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'fail please' }] }))
        assert.equal(error.status, status)
        const body = error.error as { type: string, error: { type: string, message: string } }
        assert.equal(body.type, 'error')
        assert.equal(body.error.type, type)
        if (provider.anthropicErrors) assert.equal(body.error.message, detail, 'the upstream Anthropic error body reaches the client unmodified')
        else assert.match(body.error.message, new RegExp(detail))
        if (status === 429) assert.equal(error.headers?.get('retry-after'), '7')
        // The streaming path fails the same way, before any byte of the stream.
        const streamed = await apiError(client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'fail please' }] }).finalMessage())
        assert.equal(streamed.status, status)
      })
    }
  })

  test(`conformance: ${provider.name} per-model limits`, { timeout: 60_000 }, async (t) => {
    const fake = await provider.start({ maxOutputTokens: 4096 })
    const gateway = await startGateway({ ...provider.env(fake.url), ...NO_RETRIES, [provider.limitVariables.maxOutputTokens]: '4096', [provider.limitVariables.contextWindow]: '20000' })
    t.after(async () => { await gateway.close(); await fake.close() })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })

    fake.respondWith({ text: 'clamped' })
    const message = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 128_000, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    assert.deepEqual(message.content, [{ type: 'text', text: 'clamped' }])
    assert.ok(provider.maxTokensSent(chatRequests(fake).at(-1)!.body)! <= 4096, 'max_tokens clamped to the model cap')

    const before = chatRequests(fake).length
    const huge = 'lorem ipsum dolor sit amet '.repeat(8000)
    const error = await apiError(client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, messages: [{ role: 'user', content: huge }] }))
    assert.equal(error.status, 400)
    const body = error.error as { error: { type: string, message: string } }
    assert.equal(body.error.type, 'invalid_request_error')
    assert.match(body.error.message.toLowerCase(), /prompt is too long/, 'the wording Claude Code compacts on')
    assert.equal(chatRequests(fake).length, before, 'the oversized prompt never reached the upstream')
  })
}
