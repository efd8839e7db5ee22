import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startGateway } from './helpers/gateway.ts'

const CLOSED = 'http://127.0.0.1:9'
const tiersOnOpenAI = { TIER_SIMPLE: 'openai:gpt-4o-mini', TIER_MEDIUM: 'openai:gpt-4o-mini', TIER_COMPLEX: 'openai:gpt-4o', TIER_REASONING: 'openai:o3', FALLBACK_ENABLED: 'false' }

const providersOf = (plugins: string[]): string[] => plugins.filter((id) => id.startsWith('provider-')).sort()

// With all four tiers set, MODEL_PROVIDER is never routed to (Lynkr's rule too): its provider must not be
// enabled for nothing, or an Ollama that is not running fails /health/ready and lynkr doctor.
for (const [label, modelProvider] of [['MODEL_PROVIDER unset (default ollama)', {}], ['MODEL_PROVIDER=ollama', { MODEL_PROVIDER: 'ollama' }]] as const) {
  test(`all four tiers on another provider, ${label}: Ollama is not enabled, /health/ready is ready, requests go to the tiers`, async (t) => {
    const openai = await startFakeOpenAI({ apiKey: 'sk-test', models: ['gpt-4o-mini', 'gpt-4o', 'o3'] })
    t.after(async () => { await openai.close() })
    const gateway = await startGateway({ ...tiersOnOpenAI, ...modelProvider, OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${openai.url}/v1`, OLLAMA_ENDPOINT: CLOSED })
    t.after(async () => { await gateway.close() })

    assert.deepEqual(providersOf(gateway.app.lynkr.plugins), ['provider-openai'])
    assert.equal(gateway.app.lynkr.routing.defaultInUse, false)
    const ready = await request(`${gateway.url}/health/ready?deep=true`)
    const body = await ready.body.json() as any
    assert.equal(ready.statusCode, 200, JSON.stringify(body))
    assert.equal(body.status, 'ready')
    assert.equal(body.defaultProvider, null, 'no default provider: the tiers route every request')
    assert.deepEqual(Object.keys(body.providers), ['openai'])
    // Configured but unused is said at boot and in /health/ready; an unset MODEL_PROVIDER configured nothing.
    const unused = (body.notes as string[]).filter((note) => /MODEL_PROVIDER/.test(note))
    if ('MODEL_PROVIDER' in modelProvider) {
      assert.deepEqual(unused, ['MODEL_PROVIDER=ollama is configured but not used: tier routing (all four TIER_* are set) routes every request, so ollama is off'])
    } else {
      assert.deepEqual(unused, [])
    }

    const answer = await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
    })
    assert.equal(answer.statusCode, 200, await answer.body.text())
    assert.equal(openai.requests.filter((r) => r.method === 'POST').at(-1)?.body.model, 'gpt-4o-mini')

    // Naming the unused provider in a request: a 400 that does not send the user to MODEL_PROVIDER.
    const named = await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'ollama:qwen2.5-coder:7b', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
    })
    const refusal = await named.body.json() as any
    assert.equal(named.statusCode, 400)
    assert.match(refusal.error.message, /names provider ollama, which is not enabled: set a TIER_\* variable naming it \(MODEL_PROVIDER is not used: tier routing/)
  })
}

test('zero configuration and partial tiers still route to Ollama, which is then enabled and blocks readiness when down', async (t) => {
  for (const env of [{}, { TIER_SIMPLE: 'openai:gpt-4o-mini', OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${CLOSED}/v1` }]) {
    const gateway = await startGateway({ OLLAMA_ENDPOINT: CLOSED, ...env })
    t.after(async () => { await gateway.close() })
    assert.ok(gateway.app.lynkr.plugins.includes('provider-ollama'), JSON.stringify(env))
    assert.equal(gateway.app.lynkr.routing.defaultInUse, true)
    const ready = await request(`${gateway.url}/health/ready?deep=true`)
    const body = await ready.body.json() as any
    assert.equal(ready.statusCode, 503)
    assert.equal(body.defaultProvider, 'ollama')
  }
})

test('a provider named by a plugin\'s provider:model variable is enabled for it, with tier routing on', async (t) => {
  const openai = await startFakeOpenAI({ apiKey: 'sk-test' })
  t.after(async () => { await openai.close() })
  const base = { ...tiersOnOpenAI, OPENAI_API_KEY: 'sk-test', OPENAI_ENDPOINT: `${openai.url}/v1`, OLLAMA_ENDPOINT: CLOSED }
  for (const env of [
    { HISTORY_COMPRESSION_ENABLED: 'true', HISTORY_SUMMARY_MODEL: 'ollama:qwen2.5:0.5b' },
    { MEMORY_ENABLED: 'true', MEMORY_EXTRACTOR: 'model', MEMORY_EXTRACTOR_MODEL: 'ollama:qwen2.5:3b' }
  ]) {
    const gateway = await startGateway({ ...base, ...env })
    t.after(async () => { await gateway.close() })
    assert.deepEqual(providersOf(gateway.app.lynkr.plugins), ['provider-ollama', 'provider-openai'], JSON.stringify(env))
  }
  // A bare model (of the request's own provider), or the extractor left heuristic, names no provider.
  for (const env of [
    { HISTORY_COMPRESSION_ENABLED: 'true', HISTORY_SUMMARY_MODEL: 'gpt-4o-mini' },
    { MEMORY_ENABLED: 'true', MEMORY_EXTRACTOR_MODEL: 'ollama:qwen2.5:3b' }
  ]) {
    const gateway = await startGateway({ ...base, ...env })
    t.after(async () => { await gateway.close() })
    assert.deepEqual(providersOf(gateway.app.lynkr.plugins), ['provider-openai'], JSON.stringify(env))
  }
})
