import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { cleanEnv, lynkrBin, workdir } from './helpers/lynkr-cli.ts'
import type { ResultPromise } from 'execa'
import { request } from 'undici'
import { catalog } from 'lynkr'

const bin = lynkrBin

async function waitForPort (child: ResultPromise, output: { text: string }): Promise<number> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.text)
    if (match) return Number(match[1])
    if (child.exitCode !== null) throw new Error(`lynkr exited early: ${output.text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`lynkr did not start: ${output.text}`)
}

test('lynkr --help explains the commands and main variables, and lists every provider lynkr has', async () => {
  const result = await execa('node', [bin, '--help'], { reject: false })
  assert.equal(result.exitCode, 0)
  for (const command of ['lynkr start', 'lynkr claude', 'lynkr usage', 'lynkr doctor']) assert.match(result.stdout, new RegExp(command))
  assert.match(result.stdout, /MODEL_PROVIDER/)
  assert.match(result.stdout, /OLLAMA_ENDPOINT/)
  const providers = catalog.flatMap((entry) => entry.providers ?? [])
  assert.ok(providers.length >= 12)
  for (const provider of providers) assert.match(result.stdout, new RegExp(`^  ${provider} +(local server|enabled by)`, 'm'), provider)
  assert.match(result.stdout, /^  bedrock +enabled by AWS_BEDROCK_API_KEY or AWS_BEARER_TOKEN_BEDROCK, or when selected$/m)
  // Where every variable is: a command, since an installed lynkr has no config/ directory.
  assert.match(result.stdout, /^Every variable, with its default: lynkr env/m)
})

test('a mistyped option or a missing value is one line saying so, exit 2, no stack trace', async () => {
  for (const [args, message] of [[['--prot', '9000'], /^lynkr: Unknown option '--prot'$/m], [['start', '--port'], /^lynkr: Option '-p, --port <value>' argument missing$/m], [['usage', '--since'], /^lynkr: Option '--since <value>' argument missing$/m]] as const) {
    const result = await execa('node', [bin, ...args], { reject: false, cwd: tmpdir() })
    assert.equal(result.exitCode, 2, result.stderr)
    assert.match(result.stderr, message)
    assert.match(result.stderr, /^Run lynkr --help for the commands and options\.$/m)
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace')
  }
})

test('lynkr env prints every variable lynkr reads, the same text as config/lynkr.env.example', async () => {
  const result = await execa('node', [bin, 'env'], { reject: false, cwd: tmpdir() })
  assert.equal(result.exitCode, 0, result.stderr)
  assert.equal(result.stdout + '\n', readFileSync(new URL('../config/lynkr.env.example', import.meta.url), 'utf8'))
  assert.match(result.stdout, /^# MODEL_PROVIDER=ollama$/m)
})

test('zero configuration starts on 127.0.0.1 with Ollama as the provider, says what is unreachable, and exits 0 on SIGTERM', async (t) => {
  const cwd = workdir(t)
  // Point Ollama at a closed port so the result does not depend on what runs on this machine.
  const child = execa('node', [bin, 'start'], { cwd, env: cleanEnv(cwd, { PORT: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' }), extendEnv: false, reject: false, all: true })
  const output = { text: '' }
  child.all!.on('data', (chunk: Buffer) => { output.text += chunk.toString() })
  t.after(() => { child.kill('SIGKILL') })
  const port = await waitForPort(child, output)
  const ready = await request(`http://127.0.0.1:${port}/health/ready?deep=true`)
  const body = await ready.body.json() as any
  assert.equal(ready.statusCode, 503)
  assert.equal(body.defaultProvider, 'ollama')
  assert.match(body.providers.ollama.detail, /Could not reach ollama upstream at http:\/\/127\.0\.0\.1:9/)
  const deadline = Date.now() + 5000
  while (!/provider ollama is not ready/.test(output.text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.match(output.text, /provider ollama is not ready: Could not reach ollama/, 'the boot log says it plainly')
  child.kill('SIGTERM')
  const result = await child
  assert.equal(result.exitCode, 0, output.text)
})

test('a .env in the working directory is loaded, and a bad value stops the boot with one clear line', async (t) => {
  const cwd = workdir(t)
  writeFileSync(join(cwd, '.env'), 'MODEL_PROVIDER=bedrockish\nPORT=0\n')
  const result = await execa('node', [bin, 'start'], { cwd, env: cleanEnv(cwd), extendEnv: false, reject: false, timeout: 20_000 })
  assert.equal(result.exitCode, 1)
  assert.match(result.stderr, /^lynkr: configuration error: MODEL_PROVIDER="bedrockish" is not a provider lynkr knows; valid values: /)
  assert.equal(result.stderr.trim().split('\n').length, 1, 'one line, no stack trace')
})

test('LOG_LEVEL sets the level and HOST/PORT are honoured', async (t) => {
  const cwd = workdir(t)
  const child = execa('node', [bin, 'start'], { cwd, env: cleanEnv(cwd, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' }), extendEnv: false, reject: false, all: true })
  t.after(() => { child.kill('SIGKILL') })
  const output = { text: '' }
  child.all!.on('data', (chunk: Buffer) => { output.text += chunk.toString() })
  // The boot's "provider ollama is not ready" warning; waited for, not timed (boot is slower on a busy machine).
  for (let waited = 0; !/"level":40/.test(output.text); waited += 100) {
    if (waited > 30_000) assert.fail(`no warning within 30 s: ${output.text}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.doesNotMatch(output.text, /"level":30/, 'no info lines at warn level')
  child.kill('SIGTERM')
  assert.equal((await child).exitCode, 0)
})

test('a port already in use (the original Lynkr still running on 8081) is one line naming PORT, exit 1, no stack trace', async (t) => {
  const cwd = workdir(t)
  const taken = createServer((_request, response) => { response.end('not lynkr') })
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.after(() => { taken.close() })
  const port = (taken.address() as AddressInfo).port
  const result = await execa('node', [bin, 'start'], { cwd, env: cleanEnv(cwd, { PORT: String(port), LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: 'http://127.0.0.1:9' }), extendEnv: false, reject: false, timeout: 60_000 })
  assert.equal(result.exitCode, 1, result.stderr)
  assert.match(result.stderr, new RegExp(`^lynkr: configuration error: port ${port} on 127\\.0\\.0\\.1 is already in use \\(another lynkr, or the original Lynkr still running\\?\\): stop it, or set PORT to a free port$`, 'm'))
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace')
})
