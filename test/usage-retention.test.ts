import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { openAIEnv, startGateway } from './helpers/gateway.ts'
import { openStore } from '../plugins/storage/src/index.ts'

test('the ledger keeps USAGE_RETENTION_DAYS of history: older rows are gone once the gateway is up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-retention-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const fake = await startFakeOpenAI()
  t.after(async () => { await fake.close() })
  const env = openAIEnv(fake.url, { LYNKR_DATA_DIR: dir, USAGE_FLUSH_INTERVAL_MS: '10' })

  // A first gateway records one call, which the second one (with a 1-day retention) must keep.
  const first = await startGateway(env)
  fake.respondWith({ text: 'hi' })
  const call = await request(`${first.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(call.statusCode, 200)
  await call.body.dump()
  const recorded = await (await request(`${first.url}/v1/usage?from=0`)).body.json() as { totals: { requests: number } }
  assert.equal(recorded.totals.requests, 1)
  await first.close()

  // Back-date it by 3 days through the store, then boot with a 1-day retention.
  const store = openStore(dir)
  store.handle.exec(`update usage_ledger set ts = ts - ${3 * 86_400_000}`)
  await store.db.destroy()

  const second = await startGateway({ ...env, USAGE_RETENTION_DAYS: '1' })
  t.after(async () => { await second.close() })
  let left = -1
  for (let i = 0; i < 50 && left !== 0; i++) {
    left = ((await (await request(`${second.url}/v1/usage?from=0`)).body.json()) as { totals: { requests: number } }).totals.requests
    if (left !== 0) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  assert.equal(left, 0, 'the 3-day-old row was pruned at boot')
})
