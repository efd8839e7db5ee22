import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { setTimeout as delay } from 'node:timers/promises'
import { buildServer, LynkrConfigError } from 'lynkr'
import { startGateway } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import { mintEntraToken, startFakeEntra } from './helpers/fake-entra.ts'
import type { FakeEntra } from './helpers/fake-entra.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeAzureOpenAI } from './helpers/fake-openai-dialects.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// Microsoft Entra ID auth for azure-openai and azure-anthropic against a fake Entra ID (token endpoint and
// managed identity endpoints) and Azure fakes with key auth disabled, which accept only its tokens.

const TENANT = '3f1c2a9e-5b7d-4e21-9c8a-0d6e4b2f7a13'
const APP = 'b8e2d4c6-1a3f-4b5d-8e7f-9a0b1c2d3e4f'
const SECRET = 'Qx8~lynkr.fake-client-secret_value'
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }

const servicePrincipal = (entra: FakeEntra, secret = SECRET): Record<string, string> =>
  ({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: secret, AZURE_AUTHORITY_HOST: entra.url })
const azureOpenAIEnv = (fake: FakeUpstream, extra: Record<string, string>): Record<string, string> =>
  ({ MODEL_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: fake.url, AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod', ...NO_RETRIES, ...extra })
const foundryEnv = (fake: FakeUpstream, extra: Record<string, string>): Record<string, string> =>
  ({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5', ...NO_RETRIES, ...extra })

/** A Claude Code-style turn through the Anthropic front door. */
async function ask (gateway: TestGateway): Promise<{ status: number, body: any }> {
  const reply = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
  })
  return { status: reply.status, body: await reply.json() }
}

/** Chat requests the Azure fake received (not health probes). */
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => Array.isArray(request.body?.messages))
const bearerOf = (request: RecordedRequest): string | undefined => /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1]

async function until (condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(20)
  }
}

async function deepProbe (gateway: TestGateway, provider: string): Promise<{ status: number, ok: boolean, detail: string }> {
  const response = await fetch(`${gateway.url}/health/ready?deep=true`)
  const body = await response.json() as { providers: Record<string, { ok: boolean, detail: string }> }
  return { status: response.status, ...body.providers[provider]! }
}

test('azure-openai with a service principal, key auth disabled on the resource: one token, reused by every call', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET } })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const gateway = await startGateway(azureOpenAIEnv(fake, servicePrincipal(entra)))
  t.after(async () => { await gateway.close(); await fake.close(); await entra.close() })

  for (let i = 0; i < 3; i++) {
    const reply = await ask(gateway)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.equal(reply.body.content[0].text, 'ok')
  }
  assert.equal((await deepProbe(gateway, 'azure-openai')).ok, true)

  const [tokenRequest, ...more] = entra.tokenRequests()
  assert.equal(more.length, 0, 'one token for three chats and a health probe')
  assert.equal(tokenRequest!.method, 'POST')
  assert.equal(tokenRequest!.path, `/${TENANT}/oauth2/v2.0/token`)
  assert.equal(tokenRequest!.headers['content-type'], 'application/x-www-form-urlencoded')
  assert.deepEqual(Object.fromEntries(new URLSearchParams(tokenRequest!.rawBody)), {
    grant_type: 'client_credentials', client_id: APP, client_secret: SECRET, scope: 'https://cognitiveservices.azure.com/.default'
  })
  assert.equal(chats(fake).length, 3)
  for (const chat of chats(fake)) {
    assert.equal(bearerOf(chat), entra.issued[0]!.token)
    assert.equal(chat.headers['api-key'], undefined)
  }
})

test('a token near its expiry is replaced before it expires, while calls keep flowing', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET }, expiresIn: 4 })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const gateway = await startGateway(azureOpenAIEnv(fake, servicePrincipal(entra)))
  t.after(async () => { await gateway.close(); await fake.close(); await entra.close() })

  const statuses: number[] = []
  const usesNewToken = (): boolean => entra.issued.length > 1 && bearerOf(chats(fake).at(-1)!) === entra.issued[1]!.token
  // A call every 100 ms: once half of the four-second life is gone, one of them starts a refresh (the rest
  // leaves a loaded machine room before the old token expires).
  while (statuses.length === 0 || !usesNewToken()) {
    statuses.push((await ask(gateway)).status)
    if (Date.now() > entra.issued[0]!.expiresAt + 2_000) assert.fail('the token was not replaced')
    await delay(100)
  }
  assert.ok(statuses.every((status) => status === 200), `every call was served (the fake refuses expired tokens): ${statuses.join(',')}`)
  const [first, second] = entra.issued
  assert.ok(second!.issuedAt < first!.issuedAt + first!.expiresIn * 1000, 'the new token was fetched before the old one expired (by its expires_in)')
  const used = chats(fake).map(bearerOf)
  assert.ok(used.slice(used.indexOf(second!.token)).every((token) => token === second!.token), 'the old token is not used after the new one')
})

test('concurrent first calls share one token request', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET }, delayMs: 300 })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const gateway = await startGateway(azureOpenAIEnv(fake, servicePrincipal(entra)))
  t.after(async () => { await gateway.close(); await fake.close(); await entra.close() })

  const replies = await Promise.all(Array.from({ length: 6 }, async () => await ask(gateway)))
  assert.deepEqual(replies.map((reply) => reply.status), [200, 200, 200, 200, 200, 200])
  assert.equal(entra.tokenRequests().length, 1, 'six chats (and the boot probe) waited for the same token request')
  assert.equal(new Set(chats(fake).map(bearerOf)).size, 1)
})

test('azure-anthropic on Microsoft Foundry: ai.azure.com tokens; a refused secret is a 502 naming it, in chats, the deep probe and the boot log', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET } })
  const fake = await startFakeAnthropic({ entra: true, maxOutputTokens: 64_000 })
  const gateway = await startGateway(foundryEnv(fake, servicePrincipal(entra)))
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() } })
  const refused = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', ...foundryEnv(fake, servicePrincipal(entra, 'the-secret-id-not-its-value')) }, logger: { level: 'info', stream } })
  await refused.listen({ port: 0, host: '127.0.0.1' })
  const bad: TestGateway = { app: refused, url: `http://127.0.0.1:${(refused.server.address() as { port: number }).port}`, close: async () => { await refused.close() } }
  t.after(async () => { await gateway.close(); await bad.close(); await fake.close(); await entra.close() })

  const reply = await ask(gateway)
  assert.equal(reply.status, 200, JSON.stringify(reply.body))
  const chat = chats(fake).at(-1)!
  assert.equal(bearerOf(chat), entra.issued[0]!.token)
  assert.equal(chat.headers['x-api-key'], undefined)
  assert.equal(new URLSearchParams(entra.tokenRequests()[0]!.rawBody).get('scope'), 'https://ai.azure.com/.default')
  assert.equal((await deepProbe(gateway, 'azure-anthropic')).ok, true)

  const expected = /azure-anthropic upstream rejected the gateway's credentials \(Microsoft Entra ID token request: invalid_client\): AADSTS7000215: Invalid client secret provided\..*\(check AZURE_CLIENT_SECRET\)/
  const failed = await ask(bad)
  assert.equal(failed.status, 502)
  assert.equal(failed.body.type, 'error')
  assert.equal(failed.body.error.type, 'api_error')
  assert.match(failed.body.error.message, expected)
  const probe = await deepProbe(bad, 'azure-anthropic')
  assert.equal(probe.status, 503)
  assert.equal(probe.ok, false)
  assert.match(probe.detail, expected)
  assert.equal(chats(fake).length, 1, 'nothing reached Foundry without a token')
  const refusedRequests = entra.tokenRequests().filter((request) => new URLSearchParams(request.rawBody).get('client_secret') !== SECRET)
  assert.equal(refusedRequests.length, 1, 'a refused secret is not asked again at once (boot probe, chat and deep probe)')

  const log = lines.map((line) => JSON.parse(line) as { msg: string })
  assert.ok(log.some((line) => /azure-anthropic authenticates with Microsoft Entra ID tokens for https:\/\/ai\.azure\.com\/\.default as service principal b8e2d4c6/.test(line.msg)))
  assert.ok(log.some((line) => /provider azure-anthropic is not ready: .*AADSTS7000215/.test(line.msg)), lines.join('\n'))
  assert.ok(!lines.join('\n').includes('the-secret-id-not-its-value'), 'the secret never reaches the log')
})

test('managed identity: the App Service endpoint from its variables; IMDS (user-assigned) with AZURE_OPENAI_AUTH=entra', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, identityHeader: 'app-service-identity-header' })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const appService = await startGateway(azureOpenAIEnv(fake, { IDENTITY_ENDPOINT: `${entra.url}/msi/token`, IDENTITY_HEADER: 'app-service-identity-header' }))
  const vm = await startGateway(azureOpenAIEnv(fake, { AZURE_OPENAI_AUTH: 'entra', AZURE_POD_IDENTITY_AUTHORITY_HOST: entra.url, AZURE_CLIENT_ID: 'user-assigned-client-id' }))
  t.after(async () => { await appService.close(); await vm.close(); await fake.close(); await entra.close() })

  assert.equal((await ask(appService)).status, 200)
  const fromAppService = entra.tokenRequests()[0]!
  const appServiceUrl = new URL(fromAppService.path, 'http://x')
  assert.equal(appServiceUrl.pathname, '/msi/token')
  assert.equal(appServiceUrl.searchParams.get('api-version'), '2019-08-01')
  assert.equal(appServiceUrl.searchParams.get('resource'), 'https://cognitiveservices.azure.com')
  assert.equal(fromAppService.headers['x-identity-header'], 'app-service-identity-header')
  assert.equal(bearerOf(chats(fake).at(-1)!), entra.issued.find((issued) => issued.via === 'app_service')!.token)

  assert.equal((await ask(vm)).status, 200)
  const fromVm = entra.tokenRequests().find((request) => request.path.startsWith('/metadata/'))!
  const vmUrl = new URL(fromVm.path, 'http://x')
  assert.equal(vmUrl.searchParams.get('api-version'), '2018-02-01')
  assert.equal(vmUrl.searchParams.get('client_id'), 'user-assigned-client-id')
  assert.equal(fromVm.headers.metadata, 'true')
  assert.equal(bearerOf(chats(fake).at(-1)!), entra.issued.find((issued) => issued.via === 'imds')!.token)
})

test('a pre-fetched token is sent as is; the resource key wins over Entra ID variables unless AZURE_OPENAI_AUTH=entra', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET } })
  const foundry = await startFakeAnthropic({ entra: true, maxOutputTokens: 64_000 })
  const azure = await startFakeAzureOpenAI({ apiKey: 'azure-openai-key', deployments: ['gpt-4o-prod'] })
  const token = mintEntraToken('https://ai.azure.com').token
  const fixed = await startGateway(foundryEnv(foundry, { AZURE_ANTHROPIC_AD_TOKEN: token }))
  const keyed = await startGateway(azureOpenAIEnv(azure, { AZURE_OPENAI_API_KEY: 'azure-openai-key', ...servicePrincipal(entra) }))
  const forced = await startGateway(azureOpenAIEnv(azure, { AZURE_OPENAI_API_KEY: 'azure-openai-key', AZURE_OPENAI_AUTH: 'entra', ...servicePrincipal(entra) }))
  t.after(async () => { await fixed.close(); await keyed.close(); await forced.close(); await foundry.close(); await azure.close(); await entra.close() })

  assert.equal((await ask(fixed)).status, 200)
  assert.equal(bearerOf(chats(foundry).at(-1)!), token)
  assert.equal((await ask(keyed)).status, 200)
  assert.equal(chats(azure).at(-1)!.headers['api-key'], 'azure-openai-key')
  assert.equal(chats(azure).at(-1)!.headers.authorization, undefined)
  assert.equal((await ask(forced)).status, 200)
  assert.equal(bearerOf(chats(azure).at(-1)!), entra.issued.at(-1)!.token)
  assert.equal(chats(azure).at(-1)!.headers['api-key'], undefined)
  assert.equal(entra.tokenRequests().length, 1, 'only the gateway told to use Entra ID asked for a token')
})

test('half-set Entra ID variables stop the boot naming the missing one', async () => {
  const bootError = async (env: Record<string, string>): Promise<LynkrConfigError> => {
    let app: Awaited<ReturnType<typeof buildServer>> | undefined
    try {
      app = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', ...env }, logger: false })
      await app.ready()
    } catch (error) {
      await app?.close().catch(() => {})
      assert.ok(error instanceof LynkrConfigError, `expected a configuration error, got ${String(error)}`)
      return error
    }
    await app.close()
    throw new Error('boot succeeded but should have failed')
  }
  const noTenant = await bootError({ MODEL_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com', AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: SECRET })
  assert.equal(noTenant.variable, 'AZURE_TENANT_ID')
  assert.match(noTenant.message, /^provider-azure-openai \(enabled by MODEL_PROVIDER=azure-openai\): AZURE_TENANT_ID is required: AZURE_CLIENT_SECRET is set/)
  const noSecret = await bootError({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: 'https://res.services.ai.azure.com/anthropic', AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP })
  assert.equal(noSecret.variable, 'AZURE_CLIENT_SECRET')
  const badScope = await bootError({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: 'https://res.services.ai.azure.com/anthropic', AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_CLIENT_SECRET: SECRET, AZURE_ANTHROPIC_TOKEN_SCOPE: 'https://ai.azure.com' })
  assert.equal(badScope.variable, 'AZURE_ANTHROPIC_TOKEN_SCOPE')
})

test('next to another MODEL_PROVIDER, AZURE_OPENAI_AUTH=entra enables azure-openai without a key; the shared AZURE_CLIENT_* variables alone do not', { timeout: 60_000 }, async (t) => {
  const entra = await startFakeEntra({ tenantId: TENANT, clients: { [APP]: SECRET } })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const base = { MODEL_PROVIDER: 'ollama', AZURE_OPENAI_ENDPOINT: fake.url, AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod', ...NO_RETRIES, ...servicePrincipal(entra) }
  const optedIn = await startGateway({ ...base, AZURE_OPENAI_AUTH: 'entra' })
  const shared = await startGateway(base)
  t.after(async () => { await optedIn.close(); await shared.close(); await fake.close(); await entra.close() })
  fake.respondWith({ text: 'via entra' })
  const reply = await fetch(`${optedIn.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'azure-openai:gpt-4o-prod', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
  })
  assert.equal(reply.status, 200)
  assert.equal(((await reply.json()) as any).content[0].text, 'via entra')
  assert.ok(bearerOf(chats(fake).at(-1)!) !== undefined, 'an Entra ID token, not a key')
  assert.equal(shared.app.lynkr.providers.has('azure-openai'), false)
})

test('workload identity (AKS): the service account token file is exchanged as a client assertion, re-read for each token; a token Entra does not trust is a 502 naming the file', { timeout: 60_000 }, async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-wi-'))
  const file = join(dir, 'azure-identity-token')
  writeFileSync(file, 'eyJ.service-account-token.one\n')
  const entra = await startFakeEntra({ tenantId: TENANT, federated: { [APP]: 'eyJ.service-account-token.one' }, expiresIn: 4 })
  const fake = await startFakeAzureOpenAI({ deployments: ['gpt-4o-prod'] })
  const gateway = await startGateway(azureOpenAIEnv(fake, { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: APP, AZURE_FEDERATED_TOKEN_FILE: file, AZURE_AUTHORITY_HOST: entra.url }))
  t.after(async () => { await gateway.close(); await fake.close(); await entra.close(); rmSync(dir, { recursive: true, force: true }) })

  fake.respondWith({ text: 'from a pod' })
  const first = await ask(gateway)
  assert.equal(first.status, 200, JSON.stringify(first.body))
  assert.equal(entra.issued.at(-1)!.via, 'client_assertion')
  const form = new URLSearchParams(entra.tokenRequests().at(-1)!.rawBody)
  assert.equal(form.get('client_assertion'), 'eyJ.service-account-token.one', 'the file\'s token, trimmed')
  assert.equal(form.has('client_secret'), false)

  // The kubelet rotates the file; once the first Entra token has expired, the next one is asked for with the new
  // file content, which this Entra does not trust.
  writeFileSync(file, 'eyJ.some-other-token')
  await delay(Math.max(0, entra.issued[0]!.expiresAt - Date.now()) + 200)
  const after = await ask(gateway)
  assert.equal(after.status, 502)
  assert.match(after.body.error.message, /AADSTS700213.*check AZURE_FEDERATED_TOKEN_FILE/)
  assert.equal(new URLSearchParams(entra.tokenRequests().at(-1)!.rawBody).get('client_assertion'), 'eyJ.some-other-token', 'the file is read again')
})
