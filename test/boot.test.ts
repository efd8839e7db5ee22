import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { buildServer } from 'lynkr'
import { LynkrConfigError } from 'lynkr'

async function bootError (env: Record<string, string>): Promise<LynkrConfigError> {
  let app: Awaited<ReturnType<typeof buildServer>> | undefined
  try {
    app = await buildServer({ env, logger: false })
    await app.ready()
  } catch (error) {
    await app?.close().catch(() => {})
    assert.ok(error instanceof LynkrConfigError, `expected a configuration error, got ${String(error)}`)
    return error
  }
  await app!.close()
  throw new Error('boot succeeded but should have failed')
}

test('configuration errors stop the boot with one message naming the variable and the valid choices', async () => {
  const unknown = await bootError({ MODEL_PROVIDER: 'gpt-magic' })
  assert.match(unknown.message, /MODEL_PROVIDER="gpt-magic".*valid values: .*ollama.*openai/)
  assert.equal(unknown.variable, 'MODEL_PROVIDER')

  const missingKey = await bootError({ MODEL_PROVIDER: 'openai' })
  assert.match(missingKey.message, /OPENAI_API_KEY is required/)

  assert.match((await bootError({ OLLAMA_NUM_CTX: 'lots' })).message, /OLLAMA_NUM_CTX/)
  assert.match((await bootError({ OLLAMA_ENDPOINT: 'localhost-without-scheme' })).message, /OLLAMA_ENDPOINT must be an http\(s\) URL/)
  assert.match((await bootError({ REQUEST_JSON_LIMIT: 'huge' })).message, /REQUEST_JSON_LIMIT/)
  assert.match((await bootError({ LYNKR_MAX_TOOL_TURNS: '0' })).message, /LYNKR_MAX_TOOL_TURNS="0" must be a whole number of model turns, 1 or more/)
  assert.match((await bootError({ LYNKR_GATEWAY_TOOL_BLOCKS: 'visible' })).message, /LYNKR_GATEWAY_TOOL_BLOCKS="visible" must be one of hidden, server/)
  assert.match((await bootError({ TOOL_EXECUTION_MODE: 'sometimes' })).message, /TOOL_EXECUTION_MODE="sometimes" must be server .* or client/)
  assert.match((await bootError({ POLICY_MAX_STEPS: '-1' })).message, /POLICY_MAX_STEPS="-1" must be a whole number of model turns/)
  assert.match((await bootError({ POLICY_MAX_TOOL_CALLS: 'many' })).message, /POLICY_MAX_TOOL_CALLS="many" must be a whole number of tool calls/)
  assert.match((await bootError({ OLLAMA_CONNECT_TIMEOUT_MS: 'soon' })).message, /OLLAMA_CONNECT_TIMEOUT_MS="soon" must be a number of milliseconds/)
  assert.match((await bootError({ TIER_SIMPLE: 'just-a-model' })).message, /TIER_SIMPLE="just-a-model" must be provider:model/)
  assert.match((await bootError({ LYNKR_PLUGINS: 'api-anthropic,provider-nope' })).message, /unknown plugin "provider-nope"/)
  // The semantic cache only with an embeddings provider (issue 14, phase 2).
  assert.match((await bootError({ SEMANTIC_CACHE_ENABLED: 'true', LYNKR_DATA_DIR: ':memory:', MCP_MANIFEST_DIRS: '' })).message, /SEMANTIC_CACHE_ENABLED=true needs an embeddings provider: set OLLAMA_EMBEDDINGS_MODEL/)
})

test('the environment decides which plugins load; nothing else is registered', async () => {
  const app = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' }, logger: false })
  await app.ready()
  assert.ok(app.lynkr.plugins.includes('provider-ollama'))
  assert.ok(!app.lynkr.plugins.includes('provider-openai'), 'openai stays unloaded without its variables')
  assert.deepEqual(app.lynkr.providers.list().map((p) => p.id), ['ollama'])
  await app.close()

  const both = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', OPENAI_API_KEY: 'k', TIER_SIMPLE: 'ollama:a' }, logger: false })
  await both.ready()
  assert.deepEqual(both.lynkr.providers.list().map((p) => p.id).sort(), ['ollama', 'openai'], 'credentials make a provider available for provider:model')
  assert.ok(both.lynkr.notes.some((note) => /tier routing is off: TIER_MEDIUM, TIER_COMPLEX, TIER_REASONING are not set/.test(note)))
  await both.close()

  const minimal = await buildServer({ env: { HEALTH_PROBE_INTERVAL_MS: '0', LYNKR_PLUGINS: 'api-anthropic,provider-ollama' }, logger: false })
  await minimal.ready()
  assert.equal(minimal.hasRoute({ method: 'GET', url: '/health/live' }), false, 'health was not enabled, so its routes do not exist')
  assert.equal(minimal.hasRoute({ method: 'POST', url: '/v1/messages' }), true)
  await minimal.close()
})

test('the request body limit is 32 MB by default (Lynkr\'s was 1gb: the README says why), and REQUEST_JSON_LIMIT moves it', async (t) => {
  const app = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' }, logger: false })
  t.after(async () => { await app.close() })
  // 33 MB of prompt: refused before any upstream is asked, in Anthropic's error shape.
  const payload = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] })
  const refused = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, payload })
  assert.equal(refused.statusCode, 413)
  assert.equal(refused.json().error.type, 'request_too_large')
  assert.match(refused.json().error.message, /REQUEST_JSON_LIMIT/)
  // 31 MB is read and parsed: the request is then judged on its content (here: max_tokens is missing), not its size.
  const small = JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x'.repeat(31 * 1024 * 1024) }] })
  const passed = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, payload: small })
  assert.equal(passed.statusCode, 400, passed.body.slice(0, 300))
  assert.match(passed.json().error.message, /max_tokens/)
  assert.match(refused.json().error.message, /larger than the 32mb limit \(REQUEST_JSON_LIMIT\)/, 'the 413 says what the limit is')
})

test('REQUEST_JSON_LIMIT above 32mb (Lynkr\'s .env.example sets 1gb) is lowered to 32mb, with a boot warning shown in /health/ready', async (t) => {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _encoding, done) { for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line)); done() } })
  const app = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', REQUEST_JSON_LIMIT: '1gb' }, logger: { level: 'warn', stream } })
  t.after(async () => { await app.close() })
  await app.ready()
  assert.equal(app.lynkr.bodyLimit, 32 * 1024 * 1024)
  const warning = lines.filter((line) => line.level === 40 && /REQUEST_JSON_LIMIT/.test(line.msg))
  assert.equal(warning.length, 1, JSON.stringify(lines))
  assert.match(warning[0]!.msg, /^REQUEST_JSON_LIMIT=1gb is above lynkr's maximum and is lowered to 32mb: /)
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  assert.ok(ready.json().notes.includes(warning[0]!.msg))
  const payload = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] })
  const refused = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, payload })
  assert.equal(refused.statusCode, 413)
})
