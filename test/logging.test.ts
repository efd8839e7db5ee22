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

test('an embedder that cannot be reached is one warning line per request (no stack), and the request is still answered', async (t) => {
  const { startFakeOllama } = await import('./helpers/fake-ollama.ts')
  const ollama = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(async () => { await ollama.close() })
  ollama.respondWith({ text: 'hello', usage: { input: 10, output: 1 } })
  const records: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line)); done() } })
  const app = await buildServer({
    env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: ollama.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', SEMANTIC_CACHE_ENABLED: 'true', OLLAMA_EMBEDDINGS_MODEL: 'nomic-embed-text', OLLAMA_EMBEDDINGS_ENDPOINT: 'http://127.0.0.1:9/api/embeddings', UPSTREAM_MAX_RETRIES: '0' },
    logger: { level: 'info', stream }
  })
  t.after(async () => { await app.close() })
  const response = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, payload: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } })
  assert.equal(response.statusCode, 200, response.body)
  const warnings = records.filter((r) => /semantic cache: embedding the prompt failed/.test(r.msg ?? ''))
  assert.equal(warnings.length, 1, JSON.stringify(warnings))
  assert.equal(warnings[0]!.level, 40)
  assert.equal(warnings[0]!.err, undefined, 'no error object, no stack')
  assert.equal(warnings[0]!.code, 'LYNKR_UPSTREAM_UNREACHABLE')
  assert.match(warnings[0]!.reason, /Could not reach ollama upstream at http:\/\/127\.0\.0\.1:9/)
  assert.equal(records.filter((r) => r.level >= 50).length, 0, JSON.stringify(records.filter((r) => r.level >= 50)))
})
