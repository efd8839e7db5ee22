import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'

// Azure Anthropic (and Z.AI's Anthropic endpoint) behaviour beyond the conformance table: what the
// passthrough forwards, filters and keeps byte-for-byte, and how upstream errors reach Claude Code.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }

test('azure-anthropic passthrough', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', acceptedBetas: ['interleaved-thinking-2025-05-14', 'claude-code-20250219'], adaptiveThinking: true, maxOutputTokens: 128_000 })
  // No AZURE_ANTHROPIC_MODEL: the client's own model name goes through.
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_BETAS: 'interleaved-thinking-*,claude-code-*', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })

  await t.test('headers: x-api-key, anthropic-version forwarded, unknown betas dropped; body blocks unchanged', async () => {
    fake.respondWith({ text: 'ok' })
    const system = [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332.0b8; cc_entrypoint=sdk-cli;' }, { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }]
    const user = [{ type: 'text', text: '<system-reminder>attribution</system-reminder>' }, { type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }]
    const reply = await fetch(`${gateway.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,afk-mode-2026-01-31,per-turn-control-2026-07-01' },
      body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 128000, stream: true, system, thinking: { type: 'adaptive', display: 'omitted' }, messages: [{ role: 'user', content: user }] })
    })
    assert.equal(reply.status, 200, await reply.clone().text())
    await reply.text()
    const sent = fake.requests.at(-1)!
    assert.equal(sent.path, '/anthropic/v1/messages')
    assert.equal(sent.headers['x-api-key'], 'azure-key', 'the gateway\'s key, not the client\'s')
    assert.equal(sent.headers['anthropic-version'], '2023-06-01')
    assert.equal(sent.headers['anthropic-beta'], 'claude-code-20250219,interleaved-thinking-2025-05-14')
    assert.equal(sent.body.model, 'claude-opus-5-5')
    assert.equal(sent.body.max_tokens, 128000)
    assert.deepEqual(sent.body.thinking, { type: 'adaptive', display: 'omitted' })
    assert.ok(sent.rawBody!.includes(JSON.stringify(system)), 'system blocks byte-for-byte')
    assert.ok(sent.rawBody!.includes(JSON.stringify(user)), 'user blocks with cache_control byte-for-byte')
  })

  await t.test('thinking signatures round-trip; unsigned thinking from another upstream is stripped', async () => {
    fake.respondWith({ reasoning: 'Plan: answer.', text: 'Answer' })
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
    const first = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'q' }] })
    fake.respondWith({ text: 'second' })
    await client.messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'q0' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'from an OpenAI upstream', signature: '' }, { type: 'text', text: 'earlier' }] },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'again' }
      ]
    })
    const messages = fake.requests.at(-1)!.body.messages
    assert.deepEqual(messages[1].content, [{ type: 'text', text: 'earlier' }])
    assert.deepEqual(messages[3].content, first.content, 'the signed thinking block goes back exactly as received')
  })

  await t.test('upstream errors reach the client unmodified, including mid-stream ones and "prompt is too long"', async () => {
    fake.respondWith({ status: 400, error: 'prompt is too long: 212345 tokens > 200000 maximum' })
    const reply = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) })
    assert.equal(reply.status, 400)
    const body = await reply.json() as any
    assert.deepEqual(body.error, { type: 'invalid_request_error', message: 'prompt is too long: 212345 tokens > 200000 maximum' })
    assert.match(body.request_id, /.+/)

    fake.respondWith({ status: 529, error: 'Overloaded' })
    const overloaded = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) })
    assert.equal(overloaded.status, 529)
    assert.deepEqual(((await overloaded.json()) as any).error, { type: 'overloaded_error', message: 'Overloaded' })

    fake.respondWith({ text: 'partial', midStreamError: 'Overloaded' })
    const stream = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] }) })
    const text = await stream.text()
    assert.match(text, /event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}/)
    assert.ok(!text.includes('message_stop'))
  })

  await t.test('a web search the upstream ran reaches the client as its blocks (Claude Code\'s WebSearch reads them), streamed or not; OpenAI clients get the answer', async () => {
    const hits = [{ title: 'Node.js 24 released', url: 'https://nodejs.org/en/blog/release/v24.0.0' }, { title: 'Release schedule', url: 'https://github.com/nodejs/release' }]
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
    const params = { model: 'claude-opus-5-5', max_tokens: 1024, tools: [{ type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 3 }], messages: [{ role: 'user' as const, content: 'When did Node 24 come out?' }] }
    for (const stream of [true, false]) {
      fake.respondWith({ webSearch: { query: 'node 24 release date', results: hits, uncitedTail: ' Want the LTS dates too?' }, text: 'Node 24 came out in May 2025.' })
      const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params)
      assert.deepEqual(message.content.map((block) => block.type), ['server_tool_use', 'web_search_tool_result', 'text', 'text'], `stream: ${stream}`)
      const tail = message.content[3] as Anthropic.TextBlock
      assert.equal(tail.text, ' Want the LTS dates too?', 'uncited text after a cited block stays a block of its own')
      assert.ok(tail.citations === undefined || tail.citations === null || tail.citations.length === 0, 'and carries no citation')
      const use = message.content[0] as Anthropic.ServerToolUseBlock
      const result = message.content[1] as Anthropic.WebSearchToolResultBlock
      assert.equal(use.name, 'web_search')
      assert.deepEqual(use.input, { query: 'node 24 release date' })
      assert.equal(result.tool_use_id, use.id)
      assert.deepEqual((result.content as Anthropic.WebSearchResultBlock[]).map((hit) => [hit.title, hit.url]), hits.map((hit) => [hit.title, hit.url]))
      assert.ok((result.content as Anthropic.WebSearchResultBlock[]).every((hit) => hit.encrypted_content !== ''), 'encrypted contents come through for the replay')
      assert.equal(message.stop_reason, 'end_turn', 'a server tool is not a client tool call')
      assert.equal(message.usage.server_tool_use?.web_search_requests, 1, 'the upstream\'s search count comes through')
      const answer = message.content[2] as Anthropic.TextBlock
      assert.equal(answer.text, 'Node 24 came out in May 2025.')
      assert.deepEqual(answer.citations, [{ type: 'web_search_result_location', url: hits[0]!.url, title: hits[0]!.title, encrypted_index: 'EpcBCioIBhgC', cited_text: 'Node 24 came out in May 2025.' }], `citations, stream: ${stream}`)
    }
    fake.respondWith({ webSearch: { query: 'node 24', results: hits }, text: 'May 2025.' })
    const openai = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', stream: true, messages: [{ role: 'user', content: 'When?' }] }) })
    const raw = await openai.text()
    const chunks = raw.split('\n\n').filter((frame) => frame.startsWith('data: {')).map((frame) => JSON.parse(frame.slice(6)))
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), 'May 2025.')
    assert.ok(chunks.every((chunk) => chunk.choices[0]?.delta?.tool_calls === undefined), 'no tool call invented from the server tool')
    // The OpenAI client set no max_tokens; Anthropic requires one: the model's output cap goes.
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 128_000)
  })
})

test('azure-anthropic with a configured older model: adaptive thinking becomes a budget, max_tokens is clamped', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'k', maxOutputTokens: 64_000, adaptiveThinking: false })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic/v1/messages`, AZURE_ANTHROPIC_API_KEY: 'k', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  fake.respondWith({ text: 'fine' })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const message = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 128_000, thinking: { type: 'adaptive' } as never, messages: [{ role: 'user', content: 'q' }] }).finalMessage()
  assert.deepEqual(message.content, [{ type: 'text', text: 'fine' }])
  const sent = fake.requests.at(-1)!.body
  assert.deepEqual([sent.model, sent.max_tokens, sent.thinking.type], ['claude-sonnet-4-5', 64_000, 'enabled'])
})

test('zai picks its API format from the endpoint', { timeout: 30_000 }, async (t) => {
  const anthropic = await startFakeAnthropic({ apiKey: 'zai-key', auth: 'either', acceptedBetas: [] })
  const openai = await startFakeOpenAI({ apiKey: 'zai-key' })
  t.after(async () => { await anthropic.close(); await openai.close() })
  for (const [endpoint, fake, extra] of [[`${anthropic.url}/api/anthropic`, anthropic, {}], [`${openai.url}/api/paas/v4`, openai, {}], [`${anthropic.url}/custom`, anthropic, { ZAI_API_FORMAT: 'anthropic' }]] as const) {
    const gateway = await startGateway({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: 'zai-key', ZAI_ENDPOINT: endpoint, ...extra, ...NO_RETRIES })
    fake.respondWith({ text: 'glm says hi' })
    const reply = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-beta': 'claude-code-20250219' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 128000, messages: [{ role: 'system', content: 'env' }, { role: 'user', content: 'hi' }] }) })
    assert.equal(reply.status, 200, await reply.clone().text())
    assert.equal(((await reply.json()) as any).content[0].text, 'glm says hi')
    const sent = fake.requests.at(-1)!
    assert.equal(sent.body.model, 'GLM-4.7')
    assert.equal(sent.body.max_tokens, 128000, 'GLM-4.7 takes 128K output')
    if (fake === anthropic) {
      assert.equal(sent.headers['anthropic-beta'], undefined, 'no Claude betas to GLM by default')
      assert.deepEqual(sent.body.system, [{ type: 'text', text: 'env' }], 'system messages hoisted for Z.AI')
    }
    await gateway.close()
  }
  await assert.rejects(startGateway({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: 'k', ZAI_ENDPOINT: 'https://example.invalid/whatever' }), /ZAI_API_FORMAT/)
})
