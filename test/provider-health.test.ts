import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { startGateway } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeGemini } from './helpers/fake-gemini.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// GET /health/ready?deep=true for the cloud providers whose probes are not a plain models list: each asks the
// fake the way it asks the real service, and the report says whether the endpoint answered and whether it
// accepted the gateway's credentials.

interface ProbeReport { status: number, ok: boolean, detail: string }

async function deepProbe (gateway: TestGateway, provider: string): Promise<ProbeReport> {
  const response = await fetch(`${gateway.url}/health/ready?deep=true`)
  const body = await response.json() as { providers: Record<string, { ok: boolean, detail: string }> }
  const report = body.providers[provider]
  assert.ok(report !== undefined, `no report for ${provider}: ${JSON.stringify(body)}`)
  return { status: response.status, ...report }
}

/** Boots a gateway with `env`, probes `provider` deeply once, and closes the gateway. */
async function probeOnce (env: Record<string, string>, provider: string): Promise<ProbeReport> {
  const gateway = await startGateway(env)
  try { return await deepProbe(gateway, provider) } finally { await gateway.close() }
}

/** A URL nothing listens on: a port taken and given back. */
async function closedUrl (): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/** An upstream that accepts connections and never answers. */
async function silentUpstream (): Promise<{ url: string, close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

interface HealthCase {
  provider: string
  name: string
  start: () => Promise<FakeUpstream>
  /** Gateway env pointing the provider at `url`, with the right credentials or wrong ones. */
  env: (url: string, credentials: 'good' | 'bad') => Record<string, string>
  /** The probe request as the fake received it. */
  isProbe: (request: RecordedRequest) => boolean
  healthy: RegExp
  refused: RegExp
}

const AWS = { accessKeyId: 'AKIDHEALTHPROBE', secretAccessKey: 'health/secret+KEY', region: 'eu-west-3' }

const cases: HealthCase[] = [
  {
    provider: 'bedrock',
    name: 'bedrock (sigv4, inference profile)',
    start: async () => await startFakeBedrock({ credentials: AWS }),
    env: (url, credentials) => ({
      MODEL_PROVIDER: 'bedrock', AWS_REGION: AWS.region, AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials === 'good' ? AWS.secretAccessKey : 'not-the-secret',
      AWS_BEDROCK_MODEL_ID: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', AWS_ENDPOINT_URL: url
    }),
    isProbe: (request) => request.method === 'GET' && request.path === '/inference-profiles/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0',
    healthy: /^inference profile eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0 is ACTIVE at http:\/\/127\.0\.0\.1:\d+ \(credentials accepted\)$/,
    refused: /bedrock upstream rejected the gateway's credentials \(InvalidSignatureException\): The request signature we calculated does not match/
  },
  {
    provider: 'bedrock',
    name: 'bedrock (api key, foundation model)',
    start: async () => await startFakeBedrock({ bearerToken: 'ABSKhealth' }),
    env: (url, credentials) => ({
      MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: credentials === 'good' ? 'ABSKhealth' : 'ABSKwrong',
      AWS_BEDROCK_MODEL_ID: 'amazon.nova-pro-v1:0', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url
    }),
    isProbe: (request) => request.method === 'GET' && request.path === '/foundation-models/amazon.nova-pro-v1%3A0',
    healthy: /^foundation model amazon\.nova-pro-v1:0 is ACTIVE at http:\/\/127\.0\.0\.1:\d+ \(credentials accepted\)$/,
    refused: /rejected the gateway's credentials \(AccessDeniedException\).*\(the deep probe calls GetFoundationModel: the credentials need bedrock:GetFoundationModel\)/
  },
  {
    provider: 'vertex',
    name: 'vertex (gemini api key)',
    start: async () => await startFakeGemini({ apiKey: 'gemini-key', models: ['gemini-2.5-flash'] }),
    env: (url, credentials) => ({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: credentials === 'good' ? 'gemini-key' : 'wrong-key', VERTEX_ENDPOINT: url, VERTEX_MODEL: 'gemini-2.5-flash' }),
    isProbe: (request) => request.method === 'POST' && request.path === '/v1beta/models/gemini-2.5-flash:countTokens' && request.headers['x-goog-api-key'] !== undefined,
    healthy: /^http:\/\/127\.0\.0\.1:\d+ accepted the API key and counted tokens for gemini-2\.5-flash; nothing was generated$/,
    refused: /vertex upstream rejected the gateway's credentials \(HTTP 400 API_KEY_INVALID\): API key not valid/
  },
  {
    provider: 'azure-anthropic',
    name: 'azure-anthropic',
    start: async () => await startFakeAnthropic({ apiKey: 'azure-key' }),
    env: (url, credentials) => ({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${url}/anthropic`, AZURE_ANTHROPIC_API_KEY: credentials === 'good' ? 'azure-key' : 'wrong-key', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5' }),
    isProbe: (request) => request.method === 'POST' && request.path === '/anthropic/v1/messages' && request.body?.messages === undefined,
    healthy: /^http:\/\/127\.0\.0\.1:\d+ accepted the credentials \(a request without messages was refused as invalid: max_tokens: Field required\); the model was not called$/,
    refused: /azure-anthropic upstream rejected the gateway's credentials \(HTTP 401\): invalid x-api-key/
  },
  {
    provider: 'zai',
    name: 'zai (anthropic format)',
    start: async () => await startFakeAnthropic({ apiKey: 'zai-key', auth: 'either' }),
    env: (url, credentials) => ({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: credentials === 'good' ? 'zai-key' : 'wrong-key', ZAI_ENDPOINT: `${url}/api/anthropic` }),
    isProbe: (request) => request.method === 'POST' && request.path === '/api/anthropic/v1/messages' && request.body?.model === 'GLM-4.7' && request.body?.messages === undefined,
    healthy: /accepted the credentials \(a request without messages was refused as invalid: max_tokens: Field required\); the model was not called$/,
    refused: /zai upstream rejected the gateway's credentials \(HTTP 401\)/
  },
  {
    provider: 'zai',
    name: 'zai (openai format)',
    start: async () => await startFakeOpenAI({ apiKey: 'zai-key' }),
    env: (url, credentials) => ({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: credentials === 'good' ? 'zai-key' : 'wrong-key', ZAI_ENDPOINT: `${url}/api/paas/v4`, ZAI_MODEL: 'glm-4.6' }),
    isProbe: (request) => request.method === 'GET' && request.path === '/api/paas/v4/models' && request.headers.authorization === 'Bearer zai-key',
    healthy: /^http:\/\/127\.0\.0\.1:\d+ answered$/,
    refused: /zai upstream rejected the gateway's credentials \(HTTP 401\): Incorrect API key provided/
  }
]

for (const probe of cases) {
  test(`deep health: ${probe.name}`, { timeout: 30_000 }, async (t) => {
    const fake = await probe.start()
    t.after(() => fake.close())

    await t.test('reachable with good credentials: ready, and the probe was the read-only request', async () => {
      const report = await probeOnce(probe.env(fake.url, 'good'), probe.provider)
      assert.deepEqual([report.status, report.ok], [200, true], report.detail)
      assert.match(report.detail, probe.healthy)
      assert.ok(fake.requests.some(probe.isProbe), JSON.stringify(fake.requests.map((request) => [request.method, request.path])))
    })

    await t.test('credentials refused: unavailable, and the detail names the refusal', async () => {
      const report = await probeOnce(probe.env(fake.url, 'bad'), probe.provider)
      assert.deepEqual([report.status, report.ok], [503, false], report.detail)
      assert.match(report.detail, probe.refused)
    })

    await t.test('unreachable: unavailable, and the detail names the address', async () => {
      const url = await closedUrl()
      const report = await probeOnce(probe.env(url, 'good'), probe.provider)
      assert.deepEqual([report.status, report.ok], [503, false], report.detail)
      assert.equal(report.detail, `Could not reach ${probe.provider} upstream at ${url}: ECONNREFUSED`)
    })

    await t.test('an upstream that never answers is cut at HEALTH_PROBE_TIMEOUT_MS', async () => {
      const silent = await silentUpstream()
      t.after(() => silent.close())
      const started = Date.now()
      const report = await probeOnce({ ...probe.env(silent.url, 'good'), HEALTH_PROBE_TIMEOUT_MS: '300' }, probe.provider)
      assert.deepEqual([report.status, report.ok, report.detail], [503, false, 'no answer within 300 ms'])
      assert.ok(Date.now() - started < 3000, `the probe took ${Date.now() - started} ms`)
    })
  })
}

test('deep health: bedrock looks the model up where it can be misconfigured', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSKhealth' })
  t.after(() => fake.close())
  const env = { MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSKhealth', AWS_ENDPOINT_URL: fake.url }
  const probe = async (model: string): Promise<ProbeReport> => await probeOnce({ ...env, AWS_BEDROCK_MODEL_ID: model }, 'bedrock')

  const bare = await probe('anthropic.claude-sonnet-4-5-20250929-v1:0')
  assert.equal(bare.ok, false)
  assert.match(bare.detail, /^foundation model anthropic\.claude-sonnet-4-5-20250929-v1:0 is not offered on demand .*\(inference types: INFERENCE_PROFILE\); set AWS_BEDROCK_MODEL_ID to a cross-region inference profile such as us\.anthropic/)

  const unknown = await probe('amazon.nova-ultra-v9:0')
  assert.equal(unknown.ok, false)
  assert.match(unknown.detail, /ValidationException: The provided model identifier is invalid/)

  const arn = await probe('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0')
  assert.equal(arn.ok, true, arn.detail)
  assert.ok(fake.requests.some((request) => request.path === `/inference-profiles/${encodeURIComponent('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0')}`))

  const provisioned = await probe('arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123')
  assert.equal(provisioned.ok, true, provisioned.detail)
  assert.match(provisioned.detail, /accepted the credentials; the provisioned-model arn:.* was not looked up/)
  assert.ok(fake.requests.some((request) => request.method === 'GET' && request.path === '/inference-profiles?maxResults=1'))
})

test('deep health: bedrock asks the control plane at AWS_ENDPOINT_URL_BEDROCK, chats go to the runtime endpoint', { timeout: 30_000 }, async (t) => {
  const runtime = await startFakeBedrock({ bearerToken: 'ABSKhealth' })
  const control = await startFakeBedrock({ bearerToken: 'ABSKhealth' })
  const gateway = await startGateway({
    MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSKhealth', AWS_BEDROCK_MODEL_ID: 'us.amazon.nova-pro-v1:0',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: runtime.url, AWS_ENDPOINT_URL_BEDROCK: control.url
  })
  t.after(async () => { await gateway.close(); await runtime.close(); await control.close() })
  const report = await deepProbe(gateway, 'bedrock')
  assert.equal(report.ok, true, report.detail)
  assert.ok(report.detail.includes(control.url), report.detail)
  assert.deepEqual(runtime.requests.filter((request) => request.method === 'GET'), [], 'no probe on the runtime endpoint')

  const chat = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(chat.status, 200, await chat.text())
  assert.equal(runtime.requests.filter((request) => request.method === 'POST').length, 1)
  assert.equal(control.requests.filter((request) => request.method === 'POST').length, 0)
})

test('deep health: a Gemini model the key cannot use is reported, with Google\'s words', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeGemini({ apiKey: 'gemini-key', models: ['gemini-2.5-flash'] })
  t.after(() => fake.close())
  const report = await probeOnce({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: 'gemini-key', VERTEX_ENDPOINT: fake.url, VERTEX_MODEL: 'gemini-9-ultra' }, 'vertex')
  assert.deepEqual([report.status, report.ok], [503, false])
  assert.match(report.detail, /^vertex upstream returned 404: models\/gemini-9-ultra is not found/)
})

test('deep health: azure-anthropic without AZURE_ANTHROPIC_MODEL names no model in its probe', { timeout: 30_000 }, async (t) => {
  // The client's own model names go through then; the probe must not invent one (Foundry routes on it).
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  t.after(() => fake.close())
  const report = await probeOnce({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key' }, 'azure-anthropic')
  assert.deepEqual([report.status, report.ok], [200, true], report.detail)
  assert.match(report.detail, /refused as invalid: model: Field required/)
  assert.deepEqual(fake.requests.at(-1)?.body, {})
})

test('with LYNKR_API_KEY, deep probes need the key, and 20 of them make at most one upstream probe per provider', async (t) => {
  const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${openai.url}/v1`, LYNKR_API_KEY: 'gateway-key' })
  t.after(async () => { await gateway.close(); await openai.close() })
  const probes = (): number => openai.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/models')).length
  // The boot probe: wait for it to reach the fake, then count only what the deep calls cause.
  while (probes() === 0) await new Promise((resolve) => setTimeout(resolve, 20))
  const before = probes()

  const anonymous = await Promise.all(Array.from({ length: 20 }, async () => await fetch(`${gateway.url}/health/ready?deep=true`)))
  for (const response of anonymous) assert.equal(response.status, 401, await response.text())
  assert.equal(probes(), before, 'callers without the key probe nothing')
  const shallow = await fetch(`${gateway.url}/health/ready`)
  assert.equal(shallow.status, 200, 'the last results stay public')

  const keyed = async (): Promise<Response> => await fetch(`${gateway.url}/health/ready?deep=true`, { headers: { authorization: 'Bearer gateway-key' } })
  const concurrent = await Promise.all(Array.from({ length: 10 }, keyed))
  for (let i = 0; i < 10; i++) concurrent.push(await keyed())
  for (const response of concurrent) {
    assert.equal(response.status, 200)
    const body = await response.json() as { providers: Record<string, { ok: boolean }> }
    assert.equal(body.providers.openai?.ok, true)
  }
  assert.ok(probes() - before <= 1, `20 deep calls made ${probes() - before} upstream probes`)
})
