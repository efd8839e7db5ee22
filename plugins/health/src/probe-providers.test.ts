import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ProviderAdapter } from '@lynkr/protocol'
import { probeProvider } from './probe-providers.ts'

function adapter (checkHealth?: ProviderAdapter['checkHealth']): ProviderAdapter {
  return {
    specificationVersion: 'v1',
    id: 'fake',
    defaultModel: 'm',
    listModels: () => [],
    chat: async () => [],
    chatStream: async () => (async function * () {})(),
    ...(checkHealth === undefined ? {} : { checkHealth })
  }
}

test('a provider without a health check counts as ready and says so', async () => {
  const result = await probeProvider(adapter(), 100)
  assert.equal(result.ok, true)
  assert.match(result.detail, /no health check/)
})

test('a failing check is reported with its message, never thrown', async () => {
  const result = await probeProvider(adapter(async () => { throw new Error('connect ECONNREFUSED') }), 1000)
  assert.equal(result.ok, false)
  assert.equal(result.detail, 'connect ECONNREFUSED')
})

test('a check that never answers is cut at the deadline', async () => {
  const started = Date.now()
  const result = await probeProvider(adapter(async ({ signal }) => await new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason))
  })), 50)
  assert.equal(result.ok, false)
  assert.equal(result.detail, 'no answer within 50 ms')
  assert.ok(Date.now() - started < 2000)
})

test('a passing check keeps its detail and latency', async () => {
  const result = await probeProvider(adapter(async () => ({ ok: true, detail: 'model present', latencyMs: 3 })), 1000)
  assert.deepEqual({ ok: result.ok, detail: result.detail, latencyMs: result.latencyMs, provider: result.provider }, { ok: true, detail: 'model present', latencyMs: 3, provider: 'fake' })
})
