import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { LynkrConfigError } from 'lynkr'
import { startGateway } from './helpers/gateway.ts'

const tiers = { MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', TIER_SIMPLE: 'ollama:a', TIER_MEDIUM: 'ollama:b', TIER_COMPLEX: 'ollama:c', TIER_REASONING: 'ollama:d' }

async function bootError (env: Record<string, string>): Promise<LynkrConfigError> {
  try {
    const gateway = await startGateway(env)
    await gateway.close()
  } catch (error) {
    assert.ok(error instanceof LynkrConfigError, `expected a configuration error, got ${String(error)}`)
    return error
  }
  assert.fail('the gateway booted')
}

test('a local fallback provider is a boot error with a clear message', async () => {
  const error = await bootError({ ...tiers, FALLBACK_PROVIDER: 'ollama' })
  assert.match(error.message, /FALLBACK_PROVIDER="ollama" is a local provider/)
  assert.match(error.message, /FALLBACK_ENABLED=false/)
})

test('tiers + fallback enabled + a fallback without credentials: the boot names the variable to set or FALLBACK_ENABLED=false', async () => {
  const error = await bootError({ ...tiers, FALLBACK_PROVIDER: 'openai' })
  assert.match(error.message, /falls back to FALLBACK_PROVIDER=openai, which needs OPENAI_API_KEY: set OPENAI_API_KEY/)
  assert.match(error.message, /FALLBACK_ENABLED=false/)
  assert.equal(error.variable, 'OPENAI_API_KEY')
})

test('tiers with the default fallback nobody configured: tier routing boots without a fallback and says so (Lynkr only warned)', async (t) => {
  const gateway = await startGateway(tiers)
  t.after(async () => { await gateway.close() })
  assert.ok(!gateway.app.lynkr.plugins.includes('provider-databricks'))
  const ready = await (await request(`${gateway.url}/health/ready`)).body.json() as any
  assert.equal(ready.tierRouting.fallback, null)
  assert.ok(ready.notes.includes('tier routing has no fallback: the default FALLBACK_PROVIDER=databricks is not configured (set its credentials, choose another FALLBACK_PROVIDER, or set FALLBACK_ENABLED=false to say so)'), JSON.stringify(ready.notes))
  // Configured by its credentials, the default fallback is used (and its missing settings name themselves).
  const error = await bootError({ ...tiers, DATABRICKS_API_KEY: 'dapi-x' })
  assert.equal(error.variable, 'DATABRICKS_API_BASE')
})

test('FALLBACK_ENABLED=false boots tier routing without a fallback; static routing ignores every fallback setting', async (t) => {
  const tiered = await startGateway({ ...tiers, FALLBACK_ENABLED: 'false' })
  t.after(async () => { await tiered.close() })
  const ready = await (await request(`${tiered.url}/health/ready`)).body.json() as any
  assert.equal(ready.routing, 'tiers')
  assert.deepEqual(ready.tierRouting, { enabled: true, tiers: { SIMPLE: { provider: 'ollama', model: 'a' }, MEDIUM: { provider: 'ollama', model: 'b' }, COMPLEX: { provider: 'ollama', model: 'c' }, REASONING: { provider: 'ollama', model: 'd' } }, fallback: null, sessions: 0 })

  const alone = await startGateway({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' })
  t.after(async () => { await alone.close() })
  assert.equal((await (await request(`${alone.url}/health/ready`)).body.json() as any).routing, 'static')

  const ignored = await startGateway({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', FALLBACK_PROVIDER: 'ollama', FALLBACK_ENABLED: 'nonsense' })
  t.after(async () => { await ignored.close() })
  const partial = await startGateway({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', TIER_SIMPLE: 'ollama:a', TIER_COMPLEX: 'ollama:c' })
  t.after(async () => { await partial.close() })
  const notes = (await (await request(`${partial.url}/health/ready`)).body.json() as any).notes
  assert.ok(notes.some((note: string) => /tier routing is off: TIER_MEDIUM, TIER_REASONING are not set/.test(note)), JSON.stringify(notes))
})
