import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: string }> {
  const response = await request(url, { headers })
  return { status: response.statusCode, body: await response.body.text() }
}

test('LYNKR_API_KEY guards /v1/models, /v1/usage and /metrics; health probes stay open', async (t) => {
  const ollama = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(ollama.url, { LYNKR_API_KEY: 'team-key' }))
  t.after(async () => { await gateway.close(); await ollama.close() })

  // Without the key, in each client's own error shape.
  const anthropic = await get(`${gateway.url}/v1/models`, { 'anthropic-version': '2023-06-01' })
  assert.equal(anthropic.status, 401)
  assert.equal(JSON.parse(anthropic.body).error.type, 'authentication_error')
  const openai = await get(`${gateway.url}/v1/models`, { authorization: 'Bearer wrong-key' })
  assert.equal(openai.status, 401)
  assert.doesNotMatch(openai.body, /qwen2\.5-coder/, 'no model list leaks')
  assert.equal((await get(`${gateway.url}/v1/usage`)).status, 401)
  const metrics = await get(`${gateway.url}/metrics`)
  assert.equal(metrics.status, 401)
  assert.doesNotMatch(metrics.body, /lynkr_/)

  // With the key, either header.
  const listed = await get(`${gateway.url}/v1/models`, { 'x-api-key': 'team-key', 'anthropic-version': '2023-06-01' })
  assert.equal(listed.status, 200)
  assert.ok(JSON.parse(listed.body).data.some((model: { id: string }) => model.id === 'ollama:qwen2.5-coder:7b'))
  assert.equal((await get(`${gateway.url}/v1/models`, { authorization: 'Bearer team-key' })).status, 200)
  assert.equal((await get(`${gateway.url}/v1/usage`, { authorization: 'Bearer team-key' })).status, 200)
  const scraped = await get(`${gateway.url}/metrics`, { authorization: 'Bearer team-key' })
  assert.equal(scraped.status, 200)
  assert.match(scraped.body, /lynkr_http_requests_total/)

  // Load balancers and orchestrators probe without credentials.
  assert.equal((await get(`${gateway.url}/health/live`)).status, 200)
  assert.notEqual((await get(`${gateway.url}/health/ready`)).status, 401)
})

test('/metrics: METRICS_API_KEY is the scraper\'s own key; METRICS_PUBLIC=true opens it', async (t) => {
  const ollama = await startFakeOllama()
  const keyed = await startGateway(ollamaEnv(ollama.url, { LYNKR_API_KEY: 'team-key', METRICS_API_KEY: 'scraper-key' }))
  const open = await startGateway(ollamaEnv(ollama.url, { LYNKR_API_KEY: 'team-key', METRICS_PUBLIC: 'true' }))
  const scraperOnly = await startGateway(ollamaEnv(ollama.url, { METRICS_API_KEY: 'scraper-key' }))
  t.after(async () => { await keyed.close(); await open.close(); await scraperOnly.close(); await ollama.close() })

  assert.equal((await get(`${keyed.url}/metrics`, { authorization: 'Bearer scraper-key' })).status, 200)
  assert.equal((await get(`${keyed.url}/metrics`, { authorization: 'Bearer team-key' })).status, 200)
  assert.equal((await get(`${keyed.url}/metrics`, { authorization: 'Bearer other' })).status, 401)
  // The scraper's key opens the metrics only.
  assert.equal((await get(`${keyed.url}/v1/models`, { authorization: 'Bearer scraper-key' })).status, 401)

  assert.equal((await get(`${open.url}/metrics`)).status, 200)
  assert.equal((await get(`${open.url}/v1/models`)).status, 401, 'METRICS_PUBLIC opens the metrics, nothing else')

  // A metrics key alone guards the metrics; clients need no key.
  assert.equal((await get(`${scraperOnly.url}/metrics`)).status, 401)
  assert.equal((await get(`${scraperOnly.url}/metrics`, { authorization: 'Bearer scraper-key' })).status, 200)
  assert.equal((await get(`${scraperOnly.url}/v1/models`)).status, 200)
})

test('without LYNKR_API_KEY the model list and metrics are open (loopback default)', async (t) => {
  const ollama = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(ollama.url))
  t.after(async () => { await gateway.close(); await ollama.close() })
  assert.equal((await get(`${gateway.url}/v1/models`)).status, 200)
  assert.equal((await get(`${gateway.url}/metrics`)).status, 200)
})
