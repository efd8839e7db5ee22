import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import { fakeGroundingRedirect, startFakeGemini } from './helpers/fake-gemini.ts'

// Claude Code's WebSearch tool sends Anthropic's web_search server tool and reads server_tool_use,
// web_search_tool_result and the citations on the answer; through Vertex it is Google Search grounding.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const HITS = [{ title: 'Node.js 24 released', url: 'https://nodejs.org/en/blog/release/v24.0.0' }, { title: 'Release schedule', url: 'https://github.com/nodejs/release' }]
const WEB_SEARCH = { type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 5, blocked_domains: ['example.com'] }

test('vertex: web search becomes Google Search grounding, and its metadata the blocks Claude Code reads', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeGemini({ apiKey: 'gkey' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'vertex', GOOGLE_API_KEY: 'gkey', VERTEX_ENDPOINT: fake.url, VERTEX_MODEL: 'gemini-2.5-flash', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const params = { model: 'claude-opus-5-5', max_tokens: 1024, tools: [WEB_SEARCH], messages: [{ role: 'user' as const, content: 'Perform a web search for the query: node 24 release date' }] }
  const answer = 'Node 24 — the current line — came out in May 2025.'

  for (const stream of [true, false]) {
    fake.respondWith({ webSearch: { query: 'node 24 release date', results: HITS, uncitedTail: ' Its LTS starts in October.' }, text: answer })
    const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params)
    const sent = fake.requests.at(-1)!.body
    assert.deepEqual(sent.tools, [{ googleSearch: {} }], 'Google Search grounding; blocked_domains has no Gemini API field and is not sent')
    assert.deepEqual(message.content.map((block) => block.type), ['server_tool_use', 'web_search_tool_result', 'text', 'text'], `stream: ${stream}`)
    assert.equal(message.usage.server_tool_use?.web_search_requests, 1, `the search is counted as Anthropic counts its own, stream: ${stream}`)
    const use = message.content[0] as Anthropic.ServerToolUseBlock
    const result = message.content[1] as Anthropic.WebSearchToolResultBlock
    assert.equal(use.name, 'web_search')
    assert.match(use.id, /^srvtoolu_[a-zA-Z0-9_-]+$/)
    assert.deepEqual(use.input, { query: 'node 24 release date' })
    assert.equal(result.tool_use_id, use.id)
    const results = result.content as Anthropic.WebSearchResultBlock[]
    assert.deepEqual(results.map((hit) => [hit.type, hit.url, hit.title, hit.page_age]), HITS.map((hit) => ['web_search_result', fakeGroundingRedirect(hit.url), new URL(hit.url).hostname, null]))
    assert.ok(results.every((hit) => hit.encrypted_content.startsWith('lynkr.web_search.v1:')))
    const cited = message.content[2] as Anthropic.TextBlock
    assert.equal(cited.text, answer, 'the byte offsets of the segment (past a multi-byte dash) cut at the right character')
    assert.deepEqual(cited.citations?.map((citation) => citation.type === 'web_search_result_location' ? [citation.url, citation.title, citation.cited_text] : []), [[fakeGroundingRedirect(HITS[0]!.url), 'nodejs.org', answer]])
    const tail = message.content[3] as Anthropic.TextBlock
    assert.equal(tail.text, ' Its LTS starts in October.')
    assert.ok(tail.citations === undefined || tail.citations === null || tail.citations.length === 0)
    assert.equal(message.stop_reason, 'end_turn')
  }

  await t.test('the second turn carries the blocks back: Gemini gets them as text, with what the sources backed', async () => {
    fake.respondWith({ webSearch: { query: 'node 24 release date', results: HITS }, text: answer })
    const first = await client.messages.create(params)
    fake.respondWith({ text: 'October 2025.' })
    const second = await client.messages.create({ ...params, messages: [...params.messages, { role: 'assistant', content: first.content }, { role: 'user', content: 'And its LTS?' }] })
    assert.equal((second.content[0] as Anthropic.TextBlock).text, 'October 2025.')
    const model = fake.requests.at(-1)!.body.contents[1]
    assert.equal(model.role, 'model')
    const text = model.parts.map((part: { text: string }) => part.text).join('\n')
    assert.match(text, /\[web_search called with \{"query":"node 24 release date"\}\]/)
    assert.ok(text.includes(`- nodejs.org — ${fakeGroundingRedirect(HITS[0]!.url)}\n  > ${answer}`), text)
    assert.ok(text.includes(answer))
  })

  await t.test('a grounded request where Gemini did not search: no search is claimed', async () => {
    fake.respondWith({ text: 'I know this one.' })
    const message = await client.messages.create(params)
    assert.deepEqual(message.content.map((block) => block.type), ['text'])
    assert.equal(message.usage.server_tool_use?.web_search_requests ?? 0, 0, 'no search, none counted')
  })
})

test('vertex: web search next to function tools is dropped with a notice (Gemini refuses the mix)', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeGemini({ apiKey: 'gkey' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'vertex', GOOGLE_API_KEY: 'gkey', VERTEX_ENDPOINT: fake.url, VERTEX_MODEL: 'gemini-2.5-flash', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const bash = { name: 'Bash', description: 'Run a command', input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] } }
  fake.respondWith({ webSearch: { query: 'q', results: HITS }, text: 'From memory.' })
  const message = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 100, tools: [bash, WEB_SEARCH], messages: [{ role: 'user', content: 'search and run' }] })
  assert.deepEqual(message.content.map((block) => block.type), ['text'], 'no search is claimed')
  const sent = fake.requests.at(-1)!.body
  assert.deepEqual(sent.tools.map((tool: Record<string, unknown>) => Object.keys(tool)), [['functionDeclarations']])
  assert.match(sent.systemInstruction.parts.at(-1).text, /web_search tool is not available with this model \(provider vertex\), so no web search/)
})
