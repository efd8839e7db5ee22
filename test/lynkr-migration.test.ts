import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseEnv } from 'node:util'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { buildServer } from 'lynkr'
import { startFakeMoonshot } from './helpers/fake-openai-dialects.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'

/** The fixture: what a Lynkr user's .env holds (Lynkr's .env.example with a user's keys filled in). */
const lynkrDotEnv = parseEnv(readFileSync(new URL('./fixtures/lynkr-dotenv.env', import.meta.url), 'utf8')) as Record<string, string>

async function boot (env: Record<string, string | undefined>) {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line)); done() } })
  const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', ...env }, logger: { level: 'info', stream } })
  return { app, lines }
}

async function bootError (env: Record<string, string | undefined>): Promise<string> {
  try {
    const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_DATA_DIR: ':memory:', ...env }, logger: false })
    await app.ready()
    await app.close()
  } catch (error) {
    return (error as Error).message
  }
  assert.fail('the boot should have failed')
}

test('a .env made from Lynkr\'s .env.example boots, warns once with the unsupported variables by feature, and its renamed variables take effect', async (t) => {
  const moonshot = await startFakeMoonshot({ apiKey: 'sk-moonshot-test' })
  const ollama = await startFakeOllama({ models: ['qwen2.5-coder:latest', 'nomic-embed-text'] })
  const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-migration-'))
  t.after(async () => { await moonshot.close(); await ollama.close(); rmSync(dataDir, { recursive: true, force: true }) })
  const { app, lines } = await boot({
    ...lynkrDotEnv,
    MOONSHOT_ENDPOINT: `${moonshot.url}/v1`,
    OLLAMA_ENDPOINT: ollama.url,
    OLLAMA_EMBEDDINGS_ENDPOINT: `${ollama.url}/api/embeddings`,
    SESSION_DB_PATH: join(dataDir, 'sessions.db')
  })
  t.after(async () => { await app.close() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  // Providers are enabled by selection or credentials only: the tiers' moonshot. MODEL_PROVIDER=ollama is not
  // routed to when all four tiers are set (as in Lynkr), so it enables nothing, and the boot says so.
  // AWS_BEDROCK_MODEL_ID and AZURE_ANTHROPIC_ENDPOINT are set, and enable nothing either.
  const providers = app.lynkr.plugins.filter((id) => id.startsWith('provider-')).sort()
  assert.deepEqual(providers, ['provider-moonshot'])
  assert.ok(lines.some((line) => line.level === 40 && /^MODEL_PROVIDER=ollama is configured but not used: tier routing/.test(line.msg)), 'the unused MODEL_PROVIDER is named')
  // Lynkr's 1gb body limit is lowered to lynkr's 32mb maximum, with a word.
  assert.equal(app.lynkr.bodyLimit, 32 * 1024 * 1024)
  assert.ok(lines.some((line) => line.level === 40 && /^REQUEST_JSON_LIMIT=1gb is above lynkr's maximum and is lowered to 32mb/.test(line.msg)))

  const warnings = lines.filter((line) => line.level === 40 && /Lynkr variable.*not supported/.test(line.msg))
  assert.equal(warnings.length, 1, `one warning: ${JSON.stringify(warnings)}`)
  const warning = warnings[0]!.msg as string
  for (const group of ['long-term memory: MEMORY_FORMAT', 'Headroom compression sidecar: HEADROOM_ENABLED', 'MCP servers and sandbox: MCP_SANDBOX_CONTAINER_WORKSPACE', 'token optimization: ', 'policy guardrails: ', 'web search and fetch service: WEB_SEARCH_ENDPOINT', 'routing intelligence: OPENROUTER_MAX_TOOLS_FOR_ROUTING;']) {
    assert.ok(warning.includes(group), `the warning names "${group}": ${warning}`)
  }
  // MEMORY_ENABLED and the memory variables lynkr reads are supported now: not reported.
  assert.ok(!/\bMEMORY_ENABLED\b/.test(warning), warning)
  assert.equal(app.lynkr.plugins.includes('memory'), true)
  // What asks for nothing lynkr lacks is not reported: features turned off, client-side tools, always-on tracking, NODE_ENV.
  // Nor the settings of a feature whose switch is off (CAVEMAN_LEVEL with CAVEMAN_ENABLED=false, TinyFish without its key).
  for (const quiet of ['CAVEMAN_', 'TASK_DECOMPOSITION_ENABLED', 'LYNKR_VISIBLE_ROUTING', 'LYNKR_PREFLIGHT_', 'TOOL_EXECUTION_MODE', 'SUGGESTION_MODE_MODEL', 'TOKEN_TRACKING_ENABLED', 'NODE_ENV', 'PREFER_OLLAMA', 'HEADROOM_LLMLINGUA', 'TINYFISH_']) {
    assert.ok(!warning.includes(quiet), `${quiet} is not reported: ${warning}`)
  }
  // Variables lynkr reads, but only in a plugin this .env leaves off (Lynkr ran its tools server-side by default;
  // lynkr's workspace tools are opt-in): one more warning, which says how to turn the plugin on.
  const off = lines.filter((line) => line.level === 40 && /read by lynkr plugins that are off/.test(line.msg))
  assert.equal(off.length, 1, JSON.stringify(off))
  assert.match(off[0]!.msg, /workspace-tools \(to turn it on, set WORKSPACE_TOOLS_ENABLED\): WORKSPACE_ROOT, WORKSPACE_TEST_TIMEOUT_MS/)
  assert.doesNotMatch(off[0]!.msg, /MEMORY_|HISTORY_|PROMPT_CACHE_/, 'their plugins are on (MEMORY_ENABLED, HISTORY_COMPRESSION_ENABLED, PROMPT_CACHE_ENABLED are set)')
  // Nor are the variables lynkr reads under the same name, or the aliases.
  for (const read of ['MOONSHOT_MODEL', 'OLLAMA_TIMEOUT_MS', 'API_RETRY_MAX_RETRIES', 'SESSION_DB_PATH']) assert.ok(!warning.includes(read), read)

  // /health/ready shows the same, with the aliases and their converted values.
  const ready = await request(`${url}/health/ready`)
  const body = await ready.body.json() as any
  assert.deepEqual(body.lynkrVariables.unsupported['long-term memory'].slice(0, 1), ['MEMORY_FORMAT'])
  assert.deepEqual(body.lynkrVariables.aliases.MEMORY_DECAY_HALF_LIFE, { as: 'MEMORY_DECAY_HALF_LIFE_DAYS', value: '30' }, 'Lynkr\'s half-life in days is ours')
  assert.equal(body.lynkrVariables.aliases.MEMORY_DECAY_ENABLED, undefined, 'decay on asks for nothing')
  assert.deepEqual(body.lynkrVariables.aliases.API_RETRY_MAX_RETRIES, { as: 'UPSTREAM_MAX_RETRIES', value: '3' })
  assert.deepEqual(body.lynkrVariables.aliases.LOAD_SHEDDING_ACTIVE_REQUESTS_THRESHOLD, { as: 'LOAD_SHED_MAX_CONCURRENT_UPSTREAM', value: '1000' })
  assert.equal(body.lynkrVariables.aliases.LOAD_SHEDDING_MEMORY_THRESHOLD.value, String(Math.floor(0.85 * totalmem())), 'a fraction of system memory becomes bytes')
  assert.deepEqual(body.lynkrVariables.aliases.LYNKR_STICKY_TTL_MS, { as: 'ROUTER_SESSION_TTL_MS', value: '21600000' })
  assert.ok(body.notes.some((note: string) => note === warning), 'the warning is among the notes')
  assert.ok(body.lynkrVariables.readByPluginsOff['workspace-tools'].includes('POLICY_GIT_ALLOW_COMMIT'), JSON.stringify(body.lynkrVariables.readByPluginsOff))
  assert.equal(body.lynkrVariables.readByPluginsOff.memory, undefined)

  // The aliases act: GRACEFUL_SHUTDOWN_TIMEOUT is the shutdown grace, SESSION_DB_PATH's directory holds the store.
  assert.equal(app.lynkr.shutdownGraceMs, 30_000)
  assert.equal(existsSync(join(dataDir, 'lynkr.db')), true, 'the store went where SESSION_DB_PATH pointed')

  // And it answers: a short request scores SIMPLE, which names moonshot.
  const response = await request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'any' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
  })
  assert.equal(response.statusCode, 200, await response.body.text())
  assert.equal(moonshot.requests.filter((r) => r.method === 'POST').at(-1)?.body.model, 'kimi-k2-thinking')

  // Lynkr's embeddings variables (its legacy /api/embeddings URL included) serve Cursor's /v1/embeddings.
  const embeddings = await request(`${url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'any', input: 'hello' }) })
  const vectors = await embeddings.body.json() as any
  assert.equal(embeddings.statusCode, 200, JSON.stringify(vectors))
  assert.equal(vectors.data.length, 1)
  assert.equal(ollama.requests.find((r) => r.path === '/api/embed')?.body.model, 'nomic-embed-text')

  // A model naming a provider this .env does not enable gets a 400 that says what to set.
  const bedrock = await request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'bedrock:us.anthropic.claude-3-5-sonnet-20241022-v2:0', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
  })
  const refusal = await bedrock.body.json() as any
  assert.equal(bedrock.statusCode, 400)
  assert.equal(refusal.error.type, 'invalid_request_error')
  assert.match(refusal.error.message, /names provider bedrock, which is not enabled: set AWS_BEDROCK_API_KEY or AWS_BEARER_TOKEN_BEDROCK \(its credentials\), or a TIER_\* variable naming it/)
})

test('Lynkr\'s retry variables drive lynkr\'s retries, with lynkr\'s own name winning when both are set', async (t) => {
  const ollama = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(async () => { await ollama.close() })
  ollama.respondWith({ status: 503, error: 'busy' })
  const attempts = async (env: Record<string, string>): Promise<{ count: number, lines: Array<Record<string, any>> }> => {
    const before = ollama.requests.length
    const { app, lines } = await boot({ LYNKR_DATA_DIR: ':memory:', OLLAMA_ENDPOINT: ollama.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', API_RETRY_INITIAL_DELAY: '1', API_RETRY_MAX_DELAY: '5', ...env })
    try {
      const response = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, payload: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } })
      assert.ok(response.statusCode >= 500, response.body)
    } finally {
      await app.close()
    }
    return { count: ollama.requests.filter((r) => r.method === 'POST').length - ollama.requests.slice(0, before).filter((r) => r.method === 'POST').length, lines }
  }
  assert.equal((await attempts({ API_RETRY_MAX_RETRIES: '0' })).count, 1)
  assert.equal((await attempts({ API_RETRY_MAX_RETRIES: '3' })).count, 4)
  const both = await attempts({ API_RETRY_MAX_RETRIES: '3', UPSTREAM_MAX_RETRIES: '1' })
  assert.equal(both.count, 2, 'UPSTREAM_MAX_RETRIES wins')
  assert.ok(both.lines.some((line) => line.level === 40 && /API_RETRY_MAX_RETRIES is ignored: UPSTREAM_MAX_RETRIES is set too/.test(line.msg)))
})

test('a provider is enabled by selection or its credentials, and a configuration error names what enabled it', async () => {
  // An endpoint or a model default alone enables nothing (the boot would fail if it did: no keys here).
  const app = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', AWS_BEDROCK_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', AZURE_ANTHROPIC_ENDPOINT: 'https://res.services.ai.azure.com/anthropic', MOONSHOT_ENDPOINT: 'https://api.moonshot.ai/v1', ZAI_MODEL: 'GLM-4.7' }, logger: false })
  await app.ready()
  assert.deepEqual(app.lynkr.plugins.filter((id) => id.startsWith('provider-')), ['provider-ollama'])
  await app.close()

  assert.match(await bootError({ TIER_SIMPLE: 'moonshot:kimi-k2', TIER_MEDIUM: 'ollama:q', TIER_COMPLEX: 'ollama:q', TIER_REASONING: 'ollama:q', FALLBACK_ENABLED: 'false' }),
    /^provider-moonshot \(enabled by TIER_SIMPLE=moonshot:kimi-k2\): MOONSHOT_API_KEY is required: moonshot needs an API key/)
  assert.match(await bootError({ AZURE_ANTHROPIC_API_KEY: 'key' }),
    /^provider-azure-anthropic \(enabled by AZURE_ANTHROPIC_API_KEY is set\): AZURE_ANTHROPIC_ENDPOINT is required/)
  assert.match(await bootError({ MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_MODEL_ID: 'x' }),
    /^provider-bedrock \(enabled by MODEL_PROVIDER=bedrock\): bedrock needs credentials/)
  assert.doesNotMatch(await bootError({ MODEL_PROVIDER: 'bedrock' }), /MODEL_PROVIDER=ollama/)
  // An alias value that cannot be converted names Lynkr's variable.
  assert.match(await bootError({ LOAD_SHEDDING_HEAP_THRESHOLD: '95%' }), /^LOAD_SHEDDING_HEAP_THRESHOLD="95%" \(Lynkr's name for LOAD_SHED_MAX_HEAP_USED/)
})
