import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { cleanEnv, lynkrBin, workdir } from './helpers/lynkr-cli.ts'
import type { ResultPromise } from 'execa'
import { request } from 'undici'
import { buildServer } from 'lynkr'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { agentResponder } from './helpers/agent-responder.ts'
import { claudeBin } from './helpers/run-claude-code.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'

const bin = lynkrBin
const CLOSED = 'http://127.0.0.1:9'

async function lynkr (args: string[], cwd: string, env: Record<string, string>, timeout = 60_000) {
  return await execa(process.execPath, [bin, ...args], { cwd, env: cleanEnv(cwd, env), extendEnv: false, reject: false, timeout, stdin: 'ignore' })
}

// Claude Code's own isolation (protocols.md A.0): no telemetry, no update checks.
const CLAUDE_QUIET = { DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1', TERM: 'dumb' }

test('lynkr claude starts lynkr, runs Claude Code through it with the arguments given, stops it, and exits with Claude Code\'s code', { timeout: 240_000 }, async (t) => {
  const cwd = workdir(t)
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  const marker = `lynkr-claude-cmd-${Date.now()}`
  fake.respondWith(agentResponder(marker))
  const env = { ...CLAUDE_QUIET, CLAUDE_CODE_BIN: claudeBin, PORT: '0', OLLAMA_ENDPOINT: fake.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', HEALTH_PROBE_INTERVAL_MS: '0' }

  const run = await lynkr(['claude', '-p', 'Run the marker command and tell me what it printed.', '--output-format', 'json', '--allowedTools', 'Bash'], cwd, env, 180_000)
  assert.equal(run.exitCode, 0, `stderr: ${run.stderr.slice(-2000)}`)
  assert.match(run.stderr, /lynkr: started at http:\/\/127\.0\.0\.1:\d+ for this Claude Code session \(log: .*lynkr\.log\)/)
  const result = JSON.parse(run.stdout) as { is_error: boolean, result: string }
  assert.equal(result.is_error, false)
  assert.match(result.result, new RegExp(`Result: ${marker}`))
  assert.ok(fake.requests.filter((r) => r.method === 'POST').length >= 2, 'the tool turn and the answer went through lynkr to the upstream')
  // The gateway logged to its file, not over Claude Code's output.
  const log = readFileSync(join(cwd, 'data', 'lynkr.log'), 'utf8')
  assert.match(log, /POST \/v1\/messages/)
  assert.doesNotMatch(run.stdout, /"level"/)

  // Claude Code's failure is lynkr claude's failure, with the same code.
  const direct = await execa(claudeBin, ['--no-such-option'], { cwd, env: cleanEnv(cwd, CLAUDE_QUIET), extendEnv: false, reject: false, stdin: 'ignore' })
  assert.notEqual(direct.exitCode, 0)
  const wrapped = await lynkr(['wrap', 'claude', '--no-such-option'], cwd, env)
  assert.equal(wrapped.exitCode, direct.exitCode, wrapped.stderr)
})

test('lynkr claude uses the lynkr already running on PORT instead of starting another', { timeout: 240_000 }, async (t) => {
  const cwd = workdir(t)
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  const marker = `lynkr-claude-running-${Date.now()}`
  fake.respondWith(agentResponder(marker))
  const gateway = await startGateway(ollamaEnv(fake.url))
  t.after(() => gateway.close())
  const port = new URL(gateway.url).port
  // This environment's own Ollama is unreachable: only the running gateway can answer.
  const run = await lynkr(['claude', '-p', 'Run the marker command and tell me what it printed.', '--output-format', 'json', '--allowedTools', 'Bash'], cwd,
    { ...CLAUDE_QUIET, CLAUDE_CODE_BIN: claudeBin, PORT: port, OLLAMA_ENDPOINT: CLOSED }, 180_000)
  assert.equal(run.exitCode, 0, run.stderr.slice(-2000))
  assert.match(run.stderr, new RegExp(`using the lynkr already running at http://127\\.0\\.0\\.1:${port}`))
  assert.match(JSON.parse(run.stdout).result, new RegExp(`Result: ${marker}`))
  assert.equal(existsSync(join(cwd, 'data')), false, 'no second gateway (and no store of its own)')
  // The running gateway is still there.
  assert.equal((await request(`${gateway.url}/health/live`)).statusCode, 200)
})

test('lynkr claude without Claude Code says how to get it', async (t) => {
  const cwd = workdir(t)
  const run = await lynkr(['claude', '-p', 'hi'], cwd, { PATH: '/nonexistent', PORT: '0' })
  assert.equal(run.exitCode, 1)
  assert.match(run.stderr, /Claude Code was not found on PATH: install it .* or set CLAUDE_CODE_BIN/)
})

test('lynkr usage prints requests, tokens and cost by day, provider and model from the ledger, as a table or JSON', async (t) => {
  const cwd = workdir(t)
  assert.match((await lynkr(['usage'], cwd, {})).stdout, /No usage recorded yet: there is no ledger at .*data\/lynkr\.db/)

  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  fake.respondWith({ text: 'hello', usage: { input: 120, output: 7 } })
  const app = await buildServer({ env: { ...ollamaEnv(fake.url), LYNKR_DATA_DIR: join(cwd, 'data'), HEALTH_PROBE_INTERVAL_MS: '0' }, logger: false })
  for (let i = 0; i < 3; i++) {
    const response = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, payload: { model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] } })
    assert.equal(response.statusCode, 200, response.body)
  }
  await app.close() // flushes the ledger

  const json = await lynkr(['usage', '--json', '--since', '1d'], cwd, {})
  assert.equal(json.exitCode, 0, json.stderr)
  const report = JSON.parse(json.stdout) as { rows: any[], totals: any }
  assert.equal(report.rows.length, 1)
  const today = new Date()
  const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`
  assert.deepEqual({ ...report.rows[0], cost_usd: undefined }, { day, provider: 'ollama', model: 'qwen2.5-coder:7b', requests: 3, errors: 0, input_tokens: 360, output_tokens: 21, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: undefined, unpriced_requests: 0 })
  assert.equal(report.totals.requests, 3)

  const table = await lynkr(['usage'], cwd, {})
  assert.equal(table.exitCode, 0, table.stderr)
  const lines = table.stdout.trim().split('\n')
  assert.match(lines[0]!, /^day\s+provider\s+model\s+requests\s+input\s+output\s+cache read\s+cache write\s+cost$/)
  assert.match(lines[2]!, new RegExp(`^${day}\\s+ollama\\s+qwen2\\.5-coder:7b\\s+3\\s+360\\s+21\\s+0\\s+0\\s+\\$0\\.00$`))
  assert.match(lines[3]!, /^total\s+3\s+360\s+21\s+0\s+0\s+\$0\.00$/)

  // Before any of these calls: nothing.
  assert.match((await lynkr(['usage', '--since', '2999-01-01'], cwd, {})).stdout, /^No requests since/)
  const bad = await lynkr(['usage', '--since', 'last tuesday'], cwd, {})
  assert.equal(bad.exitCode, 1)
  assert.match(bad.stderr, /--since "last tuesday" must be a number of days \(7d\), a date \(2025-01-31\) or an ISO timestamp/)
})

test('lynkr doctor probes each enabled provider for real and says what to fix, exiting 1 when something is broken', async (t) => {
  const cwd = workdir(t)
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  const base = { LYNKR_DATA_DIR: ':memory:', PORT: '0', OLLAMA_MODEL: 'qwen2.5-coder:7b' }

  const healthy = await lynkr(['doctor'], cwd, { ...base, OLLAMA_ENDPOINT: fake.url, GRACEFUL_SHUTDOWN_TIMEOUT: '9000', HEADROOM_ENABLED: 'true' })
  assert.equal(healthy.exitCode, 0, healthy.stdout + healthy.stderr)
  assert.match(healthy.stdout, /^✓ configuration: default provider ollama/m)
  // A Lynkr .env: what is read under another name, and what is not supported (a warning, not a failure).
  assert.match(healthy.stdout, /^✓ Lynkr variables read under lynkr's names: GRACEFUL_SHUTDOWN_TIMEOUT → SHUTDOWN_GRACE_MS=9000$/m)
  assert.match(healthy.stdout, /^! 1 Lynkr variable\(s\) set here are not supported by lynkr \(yet\) and have no effect \(README: Migrating from Lynkr\):\n {4}Headroom compression sidecar: HEADROOM_ENABLED — the Python sidecar is not integrated/m)
  assert.equal(healthy.stdout.match(/HEADROOM_ENABLED/g)?.length, 1, 'listed once, not again in the boot warning')
  assert.match(healthy.stdout, /^✓ provider ollama \(default\): /m)
  assert.ok(fake.requests.some((r) => r.method === 'GET'), 'the probe reached the upstream')

  const down = await lynkr(['doctor'], cwd, { ...base, OLLAMA_ENDPOINT: CLOSED })
  assert.equal(down.exitCode, 1)
  assert.match(down.stdout, /^✗ provider ollama \(default\): Could not reach ollama upstream at http:\/\/127\.0\.0\.1:9/m)
  assert.match(down.stdout, /^ {2}fix: check OLLAMA_ENDPOINT.* \(is the server running\?\)$/m)

  // A second provider, enabled by its key, is probed too; its failure counts.
  const openai = await lynkr(['doctor'], cwd, { ...base, OLLAMA_ENDPOINT: fake.url, OPENAI_API_KEY: 'sk-x', OPENAI_ENDPOINT: `${CLOSED}/v1` })
  assert.equal(openai.exitCode, 1)
  assert.match(openai.stdout, /^✓ provider ollama \(default\)/m)
  assert.match(openai.stdout, /^✗ provider openai: Could not reach openai upstream/m)
  assert.match(openai.stdout, /^ {2}fix: check OPENAI_ENDPOINT, OPENAI_API_KEY$/m)

  // All four tiers on another provider: MODEL_PROVIDER's Ollama (not running) is never routed to, so it is not
  // enabled, not probed and not a failure; doctor says it is unused.
  const openaiFake = await startFakeOpenAI({ apiKey: 'sk-x' })
  t.after(() => openaiFake.close())
  const tiers = { TIER_SIMPLE: 'openai:gpt-4o-mini', TIER_MEDIUM: 'openai:gpt-4o-mini', TIER_COMPLEX: 'openai:gpt-4o-mini', TIER_REASONING: 'openai:gpt-4o-mini', FALLBACK_ENABLED: 'false' }
  const tiered = await lynkr(['doctor'], cwd, { ...base, ...tiers, MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: CLOSED, OPENAI_API_KEY: 'sk-x', OPENAI_ENDPOINT: `${openaiFake.url}/v1` })
  assert.equal(tiered.exitCode, 0, tiered.stdout + tiered.stderr)
  assert.match(tiered.stdout, /^✓ configuration: routing tiers \(MODEL_PROVIDER not used\); plugins: /m)
  assert.match(tiered.stdout, /^! MODEL_PROVIDER=ollama is configured but not used: tier routing/m)
  assert.match(tiered.stdout, /^✓ provider openai: /m)
  assert.doesNotMatch(tiered.stdout, /provider ollama/)

  const config = await lynkr(['doctor'], cwd, { ...base, MODEL_PROVIDER: 'moonshot' })
  assert.equal(config.exitCode, 1)
  assert.match(config.stdout, /^✗ configuration: provider-moonshot \(enabled by MODEL_PROVIDER=moonshot\): MOONSHOT_API_KEY is required/m)
  assert.match(config.stdout, /^ {2}fix: set or correct MOONSHOT_API_KEY/m)
  // A value of the wrong kind: the value given, and the variable to correct.
  const typo = await lynkr(['doctor'], cwd, { ...base, OLLAMA_ENDPOINT: fake.url, UPSTREAM_MAX_RETRIES: 'three' })
  assert.equal(typo.exitCode, 1)
  assert.match(typo.stdout, /^✗ configuration: router: UPSTREAM_MAX_RETRIES="three" must be an integer \(a whole number\)$/m)
  assert.match(typo.stdout, /^ {2}fix: set or correct UPSTREAM_MAX_RETRIES/m)
})

async function waitFor (child: ResultPromise, output: { text: string }, pattern: RegExp): Promise<RegExpExecArray> {
  for (let waited = 0; waited < 30_000; waited += 50) {
    const match = pattern.exec(output.text)
    if (match) return match
    if (child.exitCode !== null) throw new Error(`lynkr exited: ${output.text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no ${pattern} within 30 s: ${output.text}`)
}

async function startLynkr (t: { after: (fn: () => void) => void }, env: Record<string, string>) {
  const cwd = workdir(t)
  const child = execa('node', [bin, 'start'], { cwd, env: cleanEnv(cwd, { PORT: '0', LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', ...env }), extendEnv: false, reject: false, all: true })
  t.after(() => { child.kill('SIGKILL') })
  const output = { text: '' }
  child.all!.on('data', (chunk: Buffer) => { output.text += chunk.toString() })
  const port = Number((await waitFor(child, output, /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  return { child, output, url: `http://127.0.0.1:${port}` }
}

async function ask (url: string): Promise<number> {
  const response = await request(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
  })
  await response.body.text()
  return response.statusCode
}

test('logs: one readable line per request with LOG_FORMAT=pretty (health probes only at debug), JSON lines when not on a terminal', async (t) => {
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  fake.respondWith({ text: 'hello', usage: { input: 50, output: 3 } })

  const pretty = await startLynkr(t, { LOG_FORMAT: 'pretty', OLLAMA_ENDPOINT: fake.url, OLLAMA_MODEL: 'qwen2.5-coder:7b' })
  assert.equal((await request(`${pretty.url}/health/live`)).statusCode, 200)
  assert.equal(await ask(pretty.url), 200)
  const line = (await waitFor(pretty.child, pretty.output, /^.*POST \/v1\/messages 200 \d+ ms.*$/m))[0]
  assert.match(line, /INFO.*POST \/v1\/messages 200 \d+ ms ollama\/qwen2\.5-coder:7b in \d+ out 3 tokens/)
  assert.doesNotMatch(pretty.output.text, /^\{/m, 'no JSON lines')
  assert.doesNotMatch(pretty.output.text, /health\/live/, 'probes are not logged at info')
  assert.equal(pretty.output.text.split('\n').filter((l) => l.includes('/v1/messages')).length, 1, 'one line per request')

  const json = await startLynkr(t, { OLLAMA_ENDPOINT: fake.url, OLLAMA_MODEL: 'qwen2.5-coder:7b' })
  assert.equal(await ask(json.url), 200)
  const record = JSON.parse((await waitFor(json.child, json.output, /^\{.*POST \/v1\/messages 200.*\}$/m))[0])
  assert.equal(record.level, 30)
  assert.equal(record.provider, 'ollama')
  assert.equal(record.usage.output_tokens, 3)
})

test('on a real terminal (no LOG_FORMAT), lynkr start logs readable coloured lines, not JSON', async (t) => {
  // util-linux `script` gives the process a pseudo-terminal, as a person's shell does.
  const script = await execa('script', ['--version'], { reject: false })
  if (script.exitCode !== 0) { t.skip('no `script` on this machine to provide a terminal'); return }
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  fake.respondWith({ text: 'hello', usage: { input: 50, output: 3 } })
  const cwd = workdir(t)
  const env = cleanEnv(cwd, { PORT: '0', LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0', OLLAMA_ENDPOINT: fake.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', TERM: 'xterm' })
  const child = execa('script', ['-qfec', `${process.execPath} ${bin} start`, '/dev/null'], { cwd, env, extendEnv: false, reject: false, all: true, stdin: 'pipe' })
  t.after(() => { child.kill('SIGKILL') })
  const output = { text: '' }
  // eslint-disable-next-line no-control-regex
  child.all!.on('data', (chunk: Buffer) => { output.text += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '') })
  const port = Number((await waitFor(child, output, /listening on http:\/\/127\.0\.0\.1:(\d+)/))[1])
  assert.equal(await ask(`http://127.0.0.1:${port}`), 200)
  const line = (await waitFor(child, output, /^.*POST \/v1\/messages 200 \d+ ms.*$/m))[0]
  assert.match(line, /^\[\d\d:\d\d:\d\d\] INFO: POST \/v1\/messages 200 \d+ ms ollama\/qwen2\.5-coder:7b in \d+ out 3 tokens/)
  assert.doesNotMatch(output.text, /^\{"level"/m, 'no JSON lines on a terminal')
})

test('an unreachable upstream is one warning line, not an error with a stack trace', async (t) => {
  const lynkrProcess = await startLynkr(t, { OLLAMA_ENDPOINT: CLOSED, UPSTREAM_MAX_RETRIES: '0' })
  assert.equal(await ask(lynkrProcess.url), 502)
  await waitFor(lynkrProcess.child, lynkrProcess.output, /POST \/v1\/messages 502/)
  const records = lynkrProcess.output.text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>)
  const failure = records.filter((r) => r.reqId !== undefined && /Could not reach ollama upstream/.test(r.msg ?? ''))
  assert.equal(failure.length, 1, JSON.stringify(failure))
  assert.equal(failure[0]!.level, 40)
  assert.equal(failure[0]!.err, undefined, 'no error object, no stack')
  assert.equal(records.filter((r) => r.level >= 50).length, 0, lynkrProcess.output.text)
  assert.match(records.find((r) => /POST \/v1\/messages 502/.test(r.msg))!.msg, /^POST \/v1\/messages 502 \d+ ms ollama\/qwen2\.5-coder:latest error$/)
})

test('lynkr memory list, search and forget read the memory store per project, as a table or JSON', async (t) => {
  const cwd = workdir(t)
  assert.match((await lynkr(['memory', 'list'], cwd, {})).stdout, /^No memories: there is no store at .*data\/lynkr\.db/)
  const fake = await startFakeOllama({ models: ['qwen2.5-coder:7b'] })
  t.after(() => fake.close())
  const app = await buildServer({ env: { ...ollamaEnv(fake.url), MEMORY_ENABLED: 'true', LYNKR_DATA_DIR: join(cwd, 'data'), HEALTH_PROBE_INTERVAL_MS: '0' }, logger: false })
  const add = async (workspace: string, content: string, extra: Record<string, string> = {}): Promise<number> => {
    const response = await app.inject({ method: 'POST', url: '/v1/memories', payload: { workspace, content, ...extra } })
    assert.equal(response.statusCode, 201, response.body)
    return (response.json() as { id: number }).id
  }
  const pnpm = await add(cwd, 'In this project we use pnpm, never npm', { kind: 'preference' })
  await add(cwd, 'The API listens on port 8080', { kind: 'fact' })
  await add('/elsewhere', 'Deploys go straight to production')
  await add('/elsewhere', 'I prefer short commit messages', { scope: 'global' })
  await app.close()

  // The default project is the working directory (what Claude Code states as its own).
  const listed = await lynkr(['memory', 'list', '--json'], cwd, {})
  assert.equal(listed.exitCode, 0, listed.stderr)
  const data = (JSON.parse(listed.stdout) as { project: string, data: Array<{ scope: string, content: string }> })
  assert.equal(data.project, cwd)
  assert.deepEqual(data.data.map((memory) => `${memory.scope}:${memory.content}`).sort(), ['global:I prefer short commit messages', 'project:In this project we use pnpm, never npm', 'project:The API listens on port 8080'])
  assert.equal(JSON.parse((await lynkr(['memory', 'list', '--json', '--limit', '1'], cwd, {})).stdout).data.length, 1)

  const table = await lynkr(['memory', 'search', 'package', 'manager', 'pnpm', '--project', '.'], cwd, {})
  assert.equal(table.exitCode, 0, table.stderr)
  const lines = table.stdout.trim().split('\n')
  assert.equal(lines[0], `Memories for ${cwd} matching "package manager pnpm":`)
  assert.match(lines[1]!, /^id\s+scope\s+kind\s+importance\s+recalled\s+created\s+memory$/)
  assert.match(lines[3]!, new RegExp(`^${pnpm}\\s+project\\s+preference\\s+[\\d.]+\\s+0\\s+\\d{4}-\\d{2}-\\d{2}\\s+In this project we use pnpm, never npm$`))
  assert.equal(lines.length, 4, 'one match')

  const other = JSON.parse((await lynkr(['memory', 'search', 'deploys', '--project', '/elsewhere', '--json'], cwd, {})).stdout) as { data: Array<{ content: string }> }
  assert.deepEqual(other.data.map((memory) => memory.content), ['Deploys go straight to production'])
  assert.deepEqual(JSON.parse((await lynkr(['memory', 'search', 'deploys', '--json'], cwd, {})).stdout).data, [], 'another project\'s memory is not this one\'s')

  const refused = await lynkr(['memory', 'forget', String(pnpm), '--project', '/elsewhere'], cwd, {})
  assert.equal(refused.exitCode, 1)
  assert.match(refused.stdout, new RegExp(`No memory ${pnpm} in /elsewhere or the global memories`))
  const forgot = await lynkr(['memory', 'forget', String(pnpm)], cwd, {})
  assert.equal(forgot.exitCode, 0, forgot.stderr)
  assert.equal(forgot.stdout, `Forgot memory ${pnpm}.`)
  assert.match((await lynkr(['memory', 'search', 'pnpm'], cwd, {})).stdout, /^No memories match "pnpm" in /)

  const bad = await lynkr(['memory', 'purge'], cwd, {})
  assert.equal(bad.exitCode, 1)
  assert.match(bad.stderr, /lynkr memory purge: use list, search <query> or forget <id>/)
  assert.match((await lynkr(['memory', 'list', '--limit', 'lots'], cwd, {})).stderr, /--limit "lots" must be a whole number/)
})
