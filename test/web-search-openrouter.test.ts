import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import Anthropic from '@anthropic-ai/sdk'
import { buildServer } from 'lynkr'
import { startGateway } from './helpers/gateway.ts'
import { startFakeOpenRouter } from './helpers/fake-openai-dialects.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'

const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const HITS = [{ title: 'Node.js 24 released', url: 'https://nodejs.org/en/blog/release/v24.0.0' }, { title: 'Release schedule', url: 'https://github.com/nodejs/release' }]
const WEB_SEARCH = { type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 2, allowed_domains: ['nodejs.org', 'github.com'] }

test('openrouter: web search becomes the web plugin, and its url_citation annotations the blocks Claude Code reads', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeOpenRouter({ apiKey: 'sk-or-test' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'openrouter', OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_ENDPOINT: `${fake.url}/api/v1`, OPENROUTER_MODEL: 'openai/gpt-4o-mini', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const prompt = 'Perform a web search for the query: node 24 release date'
  const params = { model: 'claude-opus-5-5', max_tokens: 1024, tools: [WEB_SEARCH], messages: [{ role: 'user' as const, content: prompt }] }
  const answer = 'Node 24 came out in May 2025.'

  for (const stream of [true, false]) {
    fake.respondWith({ webSearch: { query: 'unused by the plugin', results: HITS }, text: `${answer} LTS follows in October.` })
    const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params)
    const sent = fake.requests.at(-1)!.body
    assert.deepEqual(sent.plugins, [{ id: 'web', max_uses: 2, include_domains: ['nodejs.org', 'github.com'] }])
    assert.equal(sent.tools, undefined, 'no function tool is made of the server tool')
    assert.deepEqual(message.content.map((block) => block.type), ['server_tool_use', 'web_search_tool_result', 'text', 'text'], `stream: ${stream}`)
    const use = message.content[0] as Anthropic.ServerToolUseBlock
    assert.deepEqual(use.input, { query: prompt }, 'the plugin searches for the prompt itself')
    const result = message.content[1] as Anthropic.WebSearchToolResultBlock
    assert.equal(result.tool_use_id, use.id)
    assert.deepEqual((result.content as Anthropic.WebSearchResultBlock[]).map((hit) => [hit.url, hit.title]), HITS.map((hit) => [hit.url, hit.title]))
    const cited = message.content[2] as Anthropic.TextBlock
    assert.equal(cited.text, answer)
    assert.deepEqual(cited.citations?.map((citation) => citation.type === 'web_search_result_location' ? [citation.url, citation.title, citation.cited_text] : []), [[HITS[0]!.url, HITS[0]!.title, answer]])
    assert.equal((message.content[3] as Anthropic.TextBlock).text, ' LTS follows in October.')
  }

  await t.test('the second turn carries the blocks back as text, with the page text the search returned', async () => {
    fake.respondWith({ webSearch: { query: 'q', results: HITS }, text: answer })
    const first = await client.messages.create(params)
    fake.respondWith({ text: 'October.' })
    await client.messages.create({ ...params, messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: 'And LTS?' }] })
    const assistant = fake.requests.at(-1)!.body.messages.find((message: { role: string }) => message.role === 'assistant')
    assert.match(assistant.content, /^\[web_search called with/)
    assert.ok(assistant.content.includes(`- Node.js 24 released — ${HITS[0]!.url}\n  > Node.js 24 released: page text.\n  > ${answer}`), assistant.content)
    assert.ok(assistant.content.endsWith(answer))
  })

  await t.test('without a web search tool nothing changes: no plugin, no held text', async () => {
    fake.respondWith({ webSearch: { query: 'q', results: HITS }, text: 'plain' })
    const message = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    assert.equal(fake.requests.at(-1)!.body.plugins, undefined)
    assert.deepEqual(message.content.map((block) => block.type), ['text'])
  })
})

test('every other upstream: the server tool is stripped with one warning per provider and tool, and the model is told', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_DATA_DIR: ':memory:', MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${fake.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini', ...NO_RETRIES }, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => { await app.close(); await fake.close() })
  const { port } = app.server.address() as { port: number }
  const client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'client', maxRetries: 0 })
  const params = { model: 'claude-opus-5-5', max_tokens: 1024, system: 'You are a search assistant.', tools: [WEB_SEARCH], messages: [{ role: 'user' as const, content: 'Perform a web search for the query: node 24' }] }
  for (const streamed of [true, false]) {
    fake.respondWith({ webSearch: { query: 'q', results: HITS }, text: 'I could not search the web.' })
    const message = streamed ? await client.messages.stream(params).finalMessage() : await client.messages.create(params)
    assert.deepEqual(message.content.map((block) => block.type), ['text'], 'no search blocks are made up')
    const sent = fake.requests.at(-1)!.body
    assert.equal(sent.tools, undefined)
    assert.equal(sent.messages[0].role, 'system')
    assert.match(sent.messages[0].content, /^You are a search assistant\.\n\nNote from the gateway: the web_search tool is not available with this model \(provider openai\), so no web search/)
  }
  fake.respondWith({ text: 'plain' })
  await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 100, system: 'You are a search assistant.', messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(fake.requests.at(-1)!.body.messages[0].content, 'You are a search assistant.', 'a request without a server tool keeps its prompt')
  const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40 && entry.tool === 'web_search')
  assert.equal(warnings.length, 1, 'once per provider and tool, not per request')
  assert.equal(warnings[0].provider, 'openai')
  assert.match(warnings[0].msg, /openai cannot run Anthropic's server tool web_search \(web_search_20250305\)/)
})
