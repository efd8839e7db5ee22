import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import Fastify from 'fastify'
import { request } from 'undici'
import lynkr from 'lynkr'
import type { LynkrGateway } from 'lynkr'
import { startFakeOllama } from './helpers/fake-ollama.ts'

const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const message = (content: string) => JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content }] })

/** The code block under "## Embedding" in the root README, exactly as users copy it. */
function readmeExample (): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('## Embedding'))
  const match = /```ts\n([\s\S]*?)```/.exec(section)
  assert.ok(match, 'the README has an embedding example')
  return match[1]!
}

test('the README embedding example, as written, runs with every default plugin; the host exits by itself right after close()', async (t) => {
  const ollama = await startFakeOllama()
  ollama.respondWith({ text: 'embedded hello' })
  const cwd = mkdtempSync(join(tmpdir(), 'lynkr-embed-'))
  t.after(async () => { await ollama.close(); rmSync(cwd, { recursive: true, force: true }) })

  const example = readmeExample()
  assert.match(example, /prefix: '\/llm'/)
  // Only the addresses change: the fake upstream, any free port, no logging in the test output.
  const code = example
    .replace('http://127.0.0.1:11434', ollama.url)
    .replace('port: 3000', 'port: 0')
    .replace('Fastify({ logger: true })', 'Fastify()')
  assert.notEqual(code, example, 'the example still names the addresses this test replaces')
  // The host: the example, then it reports its port, counts tokens on request and closes when told.
  const host = join(fileURLToPath(new URL('.', import.meta.url)), `.embed-host-${process.pid}.ts`)
  writeFileSync(host, `${code}
import { writeSync } from 'node:fs'
const { port } = app.server.address() as { port: number }
console.log(JSON.stringify({ port, gateway: gateway?.plugins }))
process.stdin.once('data', async () => {
  process.stdin.destroy() // an open stdin would keep the process alive, not lynkr
  await app.close()
  const closedAt = performance.now()
  process.on('exit', () => { writeSync(1, JSON.stringify({ exitedAfterCloseMs: performance.now() - closedAt }) + '\\n') })
})
`)
  t.after(() => { rmSync(host, { force: true }) })

  const child = execa(process.execPath, ['--import', import.meta.resolve('tsx'), '--conditions=lynkr-src', host], {
    cwd, reject: false, all: true, stdin: 'pipe', env: { ...process.env, HEALTH_PROBE_INTERVAL_MS: '0' }
  })
  t.after(() => { child.kill('SIGKILL') })
  let output = ''
  child.all!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const started = await new Promise<{ port: number, gateway: string[] }>((resolve, reject) => {
    const poll = setInterval(() => {
      const line = output.split('\n').find((text) => text.startsWith('{"port"'))
      if (line !== undefined) { clearInterval(poll); resolve(JSON.parse(line)) }
      if (child.exitCode !== null) { clearInterval(poll); reject(new Error(`the host exited: ${output}`)) }
    }, 50)
  })
  const base = `http://127.0.0.1:${started.port}/llm`
  // onReady handed the host the gateway, with the default plugins.
  for (const plugin of ['api-anthropic', 'api-openai', 'health', 'metrics', 'router', 'storage', 'usage', 'provider-ollama']) {
    assert.ok(started.gateway.includes(plugin), `${plugin} in ${started.gateway.join(', ')}`)
  }

  const reply = await request(`${base}/v1/messages`, { method: 'POST', headers: anthropicHeaders, body: message('hi') })
  assert.equal(reply.statusCode, 200)
  assert.equal(((await reply.body.json()) as any).content[0].text, 'embedded hello')
  const models = await request(`${base}/v1/models`, { headers: anthropicHeaders })
  assert.equal(models.statusCode, 200)
  assert.ok(((await models.body.json()) as any).data.some((model: { id: string }) => model.id === 'ollama:qwen3:8b'))
  // count_tokens loads the tokenizer: close() must leave nothing running behind it.
  const counted = await request(`${base}/v1/messages/count_tokens`, { method: 'POST', headers: anthropicHeaders, body: message('count these words') })
  assert.equal(counted.statusCode, 200)
  assert.ok(((await counted.body.json()) as any).input_tokens > 0)
  assert.equal((await request(`${base}/health/live`)).statusCode, 200)

  child.stdin!.end('close\n')
  const result = await child
  assert.equal(result.exitCode, 0, output)
  const exited = output.split('\n').find((line) => line.startsWith('{"exitedAfterCloseMs"'))
  assert.ok(exited, `the host exited by itself: ${output}`)
  const { exitedAfterCloseMs } = JSON.parse(exited) as { exitedAfterCloseMs: number }
  assert.ok(exitedAfterCloseMs < 1000, `exited ${Math.round(exitedAfterCloseMs)} ms after close()`)

  // The store went where the host said, nothing into its working directory's ./data.
  assert.ok(existsSync(join(cwd, 'var/lynkr/lynkr.db')), 'lynkr.db under dataDir')
  assert.equal(existsSync(join(cwd, 'data')), false)
})

test('a host closing while the tokenizer is still loading exits by itself right away', async (t) => {
  const host = join(fileURLToPath(new URL('.', import.meta.url)), `.embed-close-${process.pid}.ts`)
  writeFileSync(host, `
import Fastify from 'fastify'
import lynkr from 'lynkr'
import { loadTokenizer } from '../packages/core/src/tokens/count-tokens.ts'
import { writeSync } from 'node:fs'
const app = Fastify()
await app.register(lynkr, { prefix: '/llm', env: { MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: 'http://127.0.0.1:9', HEALTH_PROBE_INTERVAL_MS: '0' }, dataDir: ':memory:' })
await app.ready()
void loadTokenizer().catch(() => {})
await app.close()
const closedAt = performance.now()
process.on('exit', () => { writeSync(1, JSON.stringify({ exitedAfterCloseMs: performance.now() - closedAt }) + '\\n') })
`)
  t.after(() => { rmSync(host, { force: true }) })
  const result = await execa(process.execPath, ['--import', import.meta.resolve('tsx'), '--conditions=lynkr-src', host], { reject: false, all: true, timeout: 60_000 })
  assert.equal(result.exitCode, 0, result.all)
  const exited = JSON.parse(result.all!.split('\n').find((line) => line.startsWith('{"exitedAfterCloseMs"'))!) as { exitedAfterCloseMs: number }
  assert.ok(exited.exitedAfterCloseMs < 1000, `exited ${Math.round(exited.exitedAfterCloseMs)} ms after close()`)
})

test('lynkr under a prefix: all default plugins, one instance and two side by side, each its own gateway', async (t) => {
  const first = await startFakeOllama()
  const second = await startFakeOllama()
  first.respondWith({ text: 'from the first' })
  second.respondWith({ text: 'from the second' })
  const app = Fastify()
  app.get('/', async () => ({ host: 'own route' }))
  const gateways: Record<string, LynkrGateway> = {}
  const env = (url: string, model: string) => ({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: url, OLLAMA_MODEL: model, HEALTH_PROBE_INTERVAL_MS: '0' })
  await app.register(lynkr, { prefix: '/a', env: env(first.url, 'qwen-a'), dataDir: ':memory:', onReady: (gateway) => { gateways.a = gateway } })
  await app.register(lynkr, { prefix: '/b', env: { ...env(second.url, 'qwen-b'), LYNKR_API_KEY: 'b-key' }, dataDir: ':memory:', onReady: (gateway) => { gateways.b = gateway } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => { await app.close(); await first.close(); await second.close() })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  assert.deepEqual(await (await request(`${base}/`)).body.json(), { host: 'own route' }, 'the host keeps its own root route')
  const a = await request(`${base}/a/v1/messages`, { method: 'POST', headers: anthropicHeaders, body: message('hi') })
  assert.equal(((await a.body.json()) as any).content[0].text, 'from the first')
  const b = await request(`${base}/b/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer b-key' }, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(((await b.body.json()) as any).choices[0].message.content, 'from the second')
  const chats = (upstream: typeof first) => upstream.requests.filter((recorded) => recorded.path === '/api/chat').length
  assert.equal(chats(first), 1)
  assert.equal(chats(second), 1)

  // Each instance lists its own models, in the caller's dialect, behind its own key.
  const modelsA = await (await request(`${base}/a/v1/models`, { headers: { authorization: 'Bearer x' } })).body.json() as any
  assert.equal(modelsA.object, 'list')
  assert.ok(modelsA.data.some((model: { id: string }) => model.id === 'ollama:qwen-a'))
  assert.ok(!modelsA.data.some((model: { id: string }) => model.id === 'ollama:qwen-b'))
  const refused = await request(`${base}/b/v1/models`, { headers: { authorization: 'Bearer wrong' } })
  assert.equal(refused.statusCode, 401)
  const refusal = await refused.body.json() as any
  assert.equal(refusal.type, undefined, 'an OpenAI client gets the OpenAI error shape under the prefix too')
  assert.equal(typeof refusal.error.message, 'string')
  assert.equal((await request(`${base}/a/health/live`)).statusCode, 200)
  assert.match(await (await request(`${base}/b/metrics`, { headers: { authorization: 'Bearer b-key' } })).body.text(), /lynkr_http_requests_total/)
  // Claude Code's probe of its base URL.
  assert.equal((await request(`${base}/a`, { method: 'HEAD' })).statusCode, 200)

  // The gateways onReady handed over are the instances that served the requests.
  assert.equal(gateways.a!.routing.defaultProvider, 'ollama')
  assert.notEqual(gateways.a, gateways.b)
  assert.equal(gateways.b!.apiKey, 'b-key')
  assert.equal(gateways.a!.apiKey, undefined)
})

test('hosts get typed access: onReady(gateway) compiles, app.lynkr on the host instance does not', async () => {
  // A program of its own that sees lynkr's published types (no lynkr-src condition, no plugin sources).
  const result = await execa('npx', ['tsc', '-p', 'test/types/tsconfig.json'], { cwd: fileURLToPath(new URL('..', import.meta.url)), reject: false, all: true })
  assert.equal(result.exitCode, 0, result.all)
})
