import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'

// What the ledger, the cost and x-lynkr-model record must be what the upstream was sent and what it charged.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }

interface UsageLine { provider: string, model: string, requests: number, output_tokens: number, cost_usd: number }

async function ledger (url: string): Promise<UsageLine[]> {
  return ((await (await fetch(`${url}/v1/usage?from=0`)).json()) as { by_model: UsageLine[] }).by_model
}

test('azure-anthropic without AZURE_ANTHROPIC_MODEL: the model the client named is sent, and recorded and priced as such', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', maxOutputTokens: 64_000 })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', USAGE_FLUSH_INTERVAL_MS: '10', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })

  fake.respondWith({ text: 'hi', usage: { input: 1000, output: 1000 } })
  const { response } = await client.messages.create({ model: 'claude-opus-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
  assert.equal(fake.requests.at(-1)!.body.model, 'claude-opus-4-5')
  assert.equal(response.headers.get('x-lynkr-model'), 'claude-opus-4-5')
  const lines = await ledger(gateway.url)
  assert.deepEqual(lines.map((line) => [line.provider, line.model]), [['azure-anthropic', 'claude-opus-4-5']])
  // Opus 4.5: $5 in, $25 out per million (not Sonnet 4.5's $3/$15).
  assert.equal(lines[0]!.cost_usd, (1000 * 5 + 1000 * 25) / 1e6)
})

test('a web search Anthropic ran is priced ($10 per 1,000), on top of the tokens', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', maxOutputTokens: 64_000 })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5', USAGE_FLUSH_INTERVAL_MS: '10', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'In May 2025.', usage: { input: 1000, output: 100 }, webSearch: { query: 'node 24', results: [{ title: 'Node.js 24', url: 'https://nodejs.org/' }] } })
  const message = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'When did Node 24 come out?' }] }).finalMessage()
  assert.equal(message.usage.server_tool_use?.web_search_requests, 1)
  const [line] = await ledger(gateway.url)
  assert.equal(line!.cost_usd, Math.round(((1000 * 3 + 100 * 15) / 1e6 + 0.01) * 1e10) / 1e10)
})
