import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { buildServer } from 'lynkr'
import { startFakeOpenAI } from './helpers/fake-openai.ts'

const UPSTREAM_KEY = 'sk-live-UPSTREAM-0123456789abcdef'
const CLIENT_KEY = 'lynkr-client-SECRET-fedcba9876543210'

test('structured logs carry the request id (taken from x-request-id or generated, and returned) and never a key or token', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const fake = await startFakeOpenAI({ apiKey: UPSTREAM_KEY })
  const app = await buildServer({
    env: {
      MODEL_PROVIDER: 'openai', OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_ENDPOINT: `${fake.url}/v1`, LYNKR_API_KEY: CLIENT_KEY,
      LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', UPSTREAM_MAX_RETRIES: '0', UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '2000'
    },
    logger: { level: 'trace', stream }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => { await app.close(); await fake.close() })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const send = async (headers: Record<string, string>, stream = true) => {
    const response = await request(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', cookie: `session=${CLIENT_KEY}`, ...headers },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 20, stream, messages: [{ role: 'user', content: 'hi' }] })
    })
    await response.body.text()
    return response
  }

  const ok = await send({ 'x-api-key': CLIENT_KEY, 'x-request-id': 'req-from-client-42' })
  assert.equal(ok.statusCode, 200)
  assert.equal(ok.headers['x-request-id'], 'req-from-client-42')
  const generated = await send({ authorization: `Bearer ${CLIENT_KEY}` }, false)
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  assert.equal((await send({ 'x-api-key': 'wrong-key' })).statusCode, 401)
  fake.respondWith({ status: 500, error: 'upstream exploded' })
  assert.equal((await send({ 'x-api-key': CLIENT_KEY, 'x-request-id': 'req-failing' })).statusCode, 500)
  // A plugin that logs headers (its own or an upstream call's) gets them censored too.
  app.log.info({ headers: { authorization: `Bearer ${CLIENT_KEY}` }, upstream: { headers: { 'x-api-key': UPSTREAM_KEY, authorization: `Bearer ${UPSTREAM_KEY}` } } }, 'headers probe')
  await app.close()

  const text = lines.join('\n')
  for (const secret of [UPSTREAM_KEY, CLIENT_KEY]) assert.ok(!text.includes(secret), `a secret reached the log:\n${lines.filter((l) => l.includes(secret)).join('\n')}`)
  const records = lines.map((line) => JSON.parse(line) as Record<string, any>)
  const probe = records.find((r) => r.msg === 'headers probe')!
  assert.deepEqual(probe.headers, { authorization: '[redacted]' })
  assert.deepEqual(probe.upstream.headers, { 'x-api-key': '[redacted]', authorization: '[redacted]' })
  const mine = records.filter((r) => r.reqId === 'req-from-client-42')
  assert.ok(mine.some((r) => r.msg === 'incoming request'))
  const finished = mine.find((r) => r.msg === 'chat call finished')
  assert.ok(finished, 'one structured line per chat call')
  assert.equal(finished.provider, 'openai')
  assert.equal(typeof finished.costUsd, 'number')
  assert.equal(typeof finished.usage.input_tokens, 'number')
  assert.ok(records.some((r) => r.reqId === 'req-failing' && r.level >= 50 && /upstream exploded/.test(JSON.stringify(r))), 'the failure is logged with its request id')
  assert.ok(records.every((r) => r.reqId === undefined || typeof r.reqId === 'string'))
})
