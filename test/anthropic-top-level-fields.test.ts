import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import Anthropic from '@anthropic-ai/sdk'
import { buildServer } from 'lynkr'
import { startGateway } from './helpers/gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'

// Claude Code's top-level fields (context_management for tool-result clearing, mcp_servers, container,
// service_tier) reach Anthropic-format upstreams whose beta allow-list takes them, and are removed elsewhere
// (both fakes refuse them where the real API does), with one warning per field and, for MCP servers, the notice.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const BETAS = ['context-management-2025-06-27', 'mcp-client-2025-04-04', 'code-execution-2025-08-25']
const FIELDS = {
  context_management: { edits: [{ type: 'clear_tool_uses_20250919', trigger: { type: 'input_tokens', value: 100_000 }, keep: { type: 'tool_uses', value: 3 } }] },
  mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'linear', authorization_token: 'tok' }],
  container: 'container_011CRa',
  service_tier: 'standard_only'
}
const params = { model: 'claude-sonnet-4-5', max_tokens: 1024, system: 'You are Claude Code.', messages: [{ role: 'user', content: 'List my Linear issues' }], ...FIELDS } as unknown as Anthropic.MessageCreateParamsNonStreaming

function logged (): { lines: string[], stream: Writable } {
  const lines: string[] = []
  return { lines, stream: new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } }) }
}

test('azure-anthropic: the fields arrive as the client sent them, each with its beta', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', acceptedBetas: BETAS })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  for (const streamed of [false, true]) {
    fake.respondWith({ text: 'Three issues.' })
    const options = { headers: { 'anthropic-beta': BETAS.join(',') } }
    const message = streamed
      ? await client.messages.stream({ ...params, stream: true } as Anthropic.MessageCreateParamsStreaming, options).finalMessage()
      : await client.messages.create(params, options)
    assert.deepEqual(message.content, [{ type: 'text', text: 'Three issues.' }])
    const sent = fake.requests.at(-1)!
    assert.equal(sent.headers['anthropic-beta'], BETAS.join(','))
    for (const [field, value] of Object.entries(FIELDS)) assert.deepEqual(sent.body[field], value, field)
    assert.deepEqual(sent.body.system, [{ type: 'text', text: 'You are Claude Code.' }], 'no notice when nothing was removed')
  }
})

test('azure-anthropic whose allow-list drops mcp-client: mcp_servers is removed with the notice, the rest still goes', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', acceptedBetas: BETAS })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_BETAS: 'context-management-*,code-execution-*', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'I cannot reach Linear here.' })
  await client.messages.create(params, { headers: { 'anthropic-beta': BETAS.join(',') } })
  const sent = fake.requests.at(-1)!.body
  assert.equal(sent.mcp_servers, undefined)
  assert.deepEqual(sent.context_management, FIELDS.context_management)
  assert.equal(sent.container, FIELDS.container)
  assert.match(sent.system.at(-1).text, /the linear \(MCP server\) tool is not available with this model \(provider azure-anthropic\)/)
})

test('an OpenAI-format upstream: the fields are removed, warned once each (service_tier silently), MCP servers get the notice', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const { lines, stream } = logged()
  const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_DATA_DIR: ':memory:', MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${fake.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini', ...NO_RETRIES }, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => { await app.close(); await fake.close() })
  const { port } = app.server.address() as { port: number }
  const client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'client', maxRetries: 0 })
  for (let turn = 0; turn < 2; turn++) {
    fake.respondWith({ text: 'I cannot reach Linear here.' })
    const message = await client.messages.create(params, { headers: { 'anthropic-beta': BETAS.join(',') } })
    assert.deepEqual(message.content, [{ type: 'text', text: 'I cannot reach Linear here.' }])
    const sent = fake.requests.at(-1)!.body
    for (const field of ['context_management', 'mcp_servers', 'container']) assert.equal(sent[field], undefined, field)
    assert.notEqual(sent.service_tier, 'standard_only')
    assert.match(sent.messages[0].content, /^You are Claude Code\.\n\nNote from the gateway: the linear \(MCP server\) tool is not available with this model \(provider openai\)/)
  }
  const warnings = lines.map((line) => JSON.parse(line)).filter((entry) => entry.level === 40 && entry.field !== undefined)
  assert.deepEqual(warnings.map((entry) => entry.field).sort(), ['container', 'context_management', 'mcp_servers'], 'once per field, not per request; service_tier is not warned')
  assert.ok(warnings.every((entry) => entry.provider === 'openai'))
})
