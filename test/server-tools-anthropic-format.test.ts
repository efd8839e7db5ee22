import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { anthropicSearchTurn } from './helpers/web-search-responder.ts'
import { startGateway } from './helpers/gateway.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'

// Anthropic-format upstreams run only some of Anthropic's server tools: Bedrock has no web search or web
// fetch (its fake refuses them, as Bedrock does), Z.AI's GLM none. Claude Code's WebSearch must then get the
// gateway's notice, not an error.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'
const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 8 } as const
// What Claude Code's WebSearch tool sends: one request with only the server tool.
const searchRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 4096,
  tools: [WEB_SEARCH],
  messages: [{ role: 'user' as const, content: 'Perform a web search for the query: node 24 release date' }]
}
const NOTE = /the web_search tool is not available with this model \(provider (bedrock|zai)\), so no web search/

function bedrockEnv (url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_PROVIDER: 'bedrock', AWS_BEARER_TOKEN_BEDROCK: 'ABSKkey', AWS_BEDROCK_MODEL_ID: MODEL, AWS_ENDPOINT_URL: url, ...NO_RETRIES, ...extra }
}

test('Bedrock InvokeModel: WebSearch gets the notice, Anthropic\'s client tools still go through, an earlier search goes as text', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSKkey', maxOutputTokens: 64_000 })
  const gateway = await startGateway(bedrockEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })

  fake.respondWith({ text: 'I cannot search the web here.' })
  const message = await client.messages.stream(searchRequest as Anthropic.MessageCreateParamsStreaming).finalMessage()
  assert.deepEqual(message.content, [{ type: 'text', text: 'I cannot search the web here.' }])
  let sent = fake.requests.at(-1)!.body
  assert.equal(sent.tools, undefined, 'no web_search tool reached Bedrock')
  assert.match(sent.system.at(-1).text, NOTE)

  fake.respondWith({ text: 'ok' })
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, tools: [{ type: 'bash_20250124', name: 'bash' }, WEB_SEARCH], messages: [{ role: 'user', content: 'ls' }] })
  sent = fake.requests.at(-1)!.body
  assert.deepEqual(sent.tools, [{ type: 'bash_20250124', name: 'bash' }], 'Bedrock runs the bash tool type')

  // A session tier routing moves from Anthropic's API to Bedrock replays a search Anthropic ran.
  const hit = 'https://nodejs.org/en/blog/release/v24.0.0'
  fake.respondWith({ text: 'Noted' })
  await client.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages: [
      { role: 'user', content: 'When did Node 24 come out?' },
      anthropicSearchTurn(hit),
      { role: 'user', content: 'And Node 26?' }
    ]
  } as Anthropic.MessageCreateParamsNonStreaming)
  sent = fake.requests.at(-1)!.body
  assert.deepEqual(sent.messages[1].content.map((block: any) => block.type), ['text', 'text', 'text'])
  assert.ok(JSON.stringify(sent.messages[1]).includes(hit), 'what was found reaches the model as text')
  assert.equal(sent.messages[1].content[2].citations, undefined)
})

test('AWS_BEDROCK_SERVER_TOOLS overrides the list (here: claims web search, which Bedrock then refuses)', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSKkey', maxOutputTokens: 64_000 })
  const gateway = await startGateway(bedrockEnv(fake.url, { AWS_BEDROCK_SERVER_TOOLS: 'web_search_*' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  await assert.rejects(client.messages.create(searchRequest as Anthropic.MessageCreateParamsNonStreaming), (error: InstanceType<typeof Anthropic.APIError>) => {
    assert.equal(error.status, 400)
    assert.match(error.message, /web_search_20250305/)
    return true
  })
})

test('Anthropic-format targets: Foundry runs web search as sent; Z.AI gets the notice', { timeout: 60_000 }, async (t) => {
  const foundry = await startFakeAnthropic({ apiKey: 'azure-key', maxOutputTokens: 64_000 })
  const zai = await startFakeAnthropic({ apiKey: 'zai-key', auth: 'either', acceptedBetas: [], signingSecret: 'zai-secret' })
  const gateway = await startGateway({
    MODEL_PROVIDER: 'azure-anthropic',
    AZURE_ANTHROPIC_ENDPOINT: `${foundry.url}/anthropic`,
    AZURE_ANTHROPIC_API_KEY: 'azure-key',
    ZAI_API_KEY: 'zai-key',
    ZAI_ENDPOINT: `${zai.url}/api/anthropic`,
    ...NO_RETRIES
  })
  t.after(async () => { await gateway.close(); await foundry.close(); await zai.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })

  foundry.respondWith({ text: 'Node 24 came out in May 2025.', webSearch: { query: 'node 24 release date', results: [{ title: 'Node.js 24', url: 'https://nodejs.org/' }] } })
  const searched = await client.messages.create(searchRequest as Anthropic.MessageCreateParamsNonStreaming)
  assert.deepEqual(searched.content.slice(0, 2).map((block) => block.type), ['server_tool_use', 'web_search_tool_result'])
  assert.deepEqual(foundry.requests.at(-1)!.body.tools, [WEB_SEARCH])

  zai.respondWith({ text: 'No search here.' })
  await client.messages.create({ ...searchRequest, model: 'zai:GLM-4.7' } as Anthropic.MessageCreateParamsNonStreaming)
  const sent = zai.requests.at(-1)!.body
  assert.equal(sent.tools, undefined)
  assert.match(sent.system.at(-1).text, NOTE)
})
