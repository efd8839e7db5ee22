// `pnpm bench:soak`: does lynkr hold on to anything per request? A mixed load runs in rounds against the built
// gateway — Claude Code-style streamed and whole answers with a new session id each (tier routing on, so the
// session store fills), OpenAI front-door calls, count_tokens over fresh text, invalid JSON, and clients that
// hang up mid-stream — and after each round the heap is measured after a full GC. The first half of the
// rounds fills the bounded caches; over the second half the heap must stay flat. SOAK_ROUNDS (default 6) ×
// SOAK_ROUND_SECONDS (default 10); KINDS=0,2 limits the mix to some request kinds (indexes into `kinds`).
// The worst event-loop stall is printed per round, and for a last phase where Claude Code-sized bodies
// (16–30 MB: a screenshot, a PDF, long tool output) arrive together while streams are being served
// (SOAK_LARGE_ROUNDS, default 3; 0 skips it).
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { Pool } from 'undici'

const rounds = Number(process.env.SOAK_ROUNDS ?? 6)
const roundSeconds = Number(process.env.SOAK_ROUND_SECONDS ?? 10)
/** Heap growth allowed over the second half of the rounds. */
const MAX_GROWTH_MB = 3
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

interface Memory { heapUsed: number, rss: number, external: number, arrayBuffers: number }

async function startUpstream (): Promise<{ child: ChildProcess, port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', here('./instant-openai-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /ready (\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`upstream exited ${code}`)))
  })
  return { child, port }
}

async function startGateway (upstreamPort: number, dataDir: string): Promise<{ child: ChildProcess, port: number, memory: () => Promise<Memory>, stall: () => Promise<number> }> {
  const upstream = `http://127.0.0.1:${upstreamPort}/v1`
  const child = fork(here('./soak-gateway.ts'), {
    // SOAK_GATEWAY_ARGS: extra node flags for the gateway, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
    execArgv: ['--expose-gc', '--import', 'tsx', ...(process.env.SOAK_GATEWAY_ARGS ?? '').split(' ').filter(Boolean)],
    env: {
      ...process.env,
      MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'soak', OPENAI_MODEL: 'bench-model', OPENAI_ENDPOINT: upstream,
      TIER_SIMPLE: 'openai:bench-simple', TIER_MEDIUM: 'openai:bench-medium', TIER_COMPLEX: 'openai:bench-complex', TIER_REASONING: 'openai:bench-reasoning',
      // A smaller session store fills within the first rounds (the default 10 000 takes ~30 000 requests here).
      ROUTER_SESSION_MAX: '2000', FALLBACK_ENABLED: 'false', LYNKR_DATA_DIR: dataDir, HEALTH_PROBE_INTERVAL_MS: '0', LOG_LEVEL: 'warn'
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type: string, port: number }) => resolve(message.port))
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)))
  })
  const memory = async (): Promise<Memory> => await new Promise((resolve) => {
    const on = (message: { type: string } & Memory): void => {
      if (message.type !== 'memory') return
      child.off('message', on)
      resolve(message)
    }
    child.on('message', on)
    child.send({ type: 'memory' })
  })
  const stall = async (): Promise<number> => await new Promise((resolve) => {
    const on = (message: { type: string, worstMs: number }): void => {
      if (message.type !== 'stall') return
      child.off('message', on)
      resolve(message.worstMs)
    }
    child.on('message', on)
    child.send({ type: 'stall' })
  })
  return { child, port, memory, stall }
}

const system = 'You are a careful coding assistant working in a large repository. '.repeat(20)
const tools = [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]
let counter = 0
let next = 0
const fresh = (): string => `${Date.now().toString(36)}-${(counter++).toString(36)}`

function messagesBody (stream: boolean): string {
  const id = fresh()
  return JSON.stringify({
    model: 'claude-opus-4-5', max_tokens: 4096, stream, system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }], tools,
    metadata: { user_id: `user-${id}` },
    messages: [
      { role: 'user', content: [{ type: 'text', text: `Fix the failing test in module ${id}.` }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${id.replace(/-/g, '')}`, name: 'Bash', input: { command: `npm test -- ${id}` } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${id.replace(/-/g, '')}`, content: `FAIL ${id}\n`.repeat(20) }] }
    ]
  })
}

const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
type Req = { method: 'POST', path: string, headers: Record<string, string>, body: string }
/** Each request kind, built fresh per request so no two are alike. */
const kinds: Array<() => Req> = [
  () => ({ method: 'POST', path: '/v1/messages', headers: { ...anthropicHeaders, 'x-claude-code-session-id': fresh() }, body: messagesBody(true) }),
  () => ({ method: 'POST', path: '/v1/messages?beta=true', headers: { ...anthropicHeaders, 'x-claude-code-session-id': fresh() }, body: messagesBody(false) }),
  () => ({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ model: 'bench-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'system', content: system }, { role: 'user', content: `explain ${fresh()}` }] }) }),
  () => ({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `summarise ${fresh()}` }] }) }),
  () => ({ method: 'POST', path: '/v1/messages/count_tokens', headers: anthropicHeaders, body: JSON.stringify({ model: 'claude-opus-4-5', messages: [{ role: 'user', content: `${fresh()} `.repeat(80) }] }) }),
  () => ({ method: 'POST', path: '/v1/messages', headers: anthropicHeaders, body: '{"model": "claude-opus-4-5", "messages": [' })
]

/** A Claude Code request at 16–30 MB: a screenshot and a PDF as base64, and long tool output. */
function largeBody (megabytes: number): string {
  const id = fresh()
  const image = Buffer.alloc(Math.floor(megabytes * 1048576 * 0.3), id.length).toString('base64')
  const pdf = Buffer.alloc(Math.floor(megabytes * 1048576 * 0.2), 3).toString('base64')
  const line = `export function handler${id.replace(/-/g, '')} (request, reply) { return reply.send({ ok: true }) }\n`
  const turns: unknown[] = []
  for (let size = 0, i = 0; size < megabytes * 1048576 * 0.3; i++) {
    const output = line.repeat(100)
    size += output.length
    turns.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: `/src/f${i}.ts` } }] })
    turns.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: output }] })
  }
  return JSON.stringify({
    model: 'claude-opus-4-5', max_tokens: 1024, stream: true, system: [{ type: 'text', text: system }], tools,
    messages: [
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } }, { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } }, { type: 'text', text: `Look at these, ${id}` }] },
      ...turns,
      { role: 'assistant', content: [{ type: 'text', text: 'Done reading.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Now fix it.' }] }
    ]
  })
}

/** Four large bodies at once, while a stream kind keeps the loop busy: the worst stall they cause. */
async function largeBodies (port: number, stall: () => Promise<number>): Promise<{ worstMs: number, statuses: number[] }> {
  const bodies = [16, 22, 26, 30].map(largeBody)
  await stall() // the bodies were built here, not in the gateway: start its measurement now
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 8 })
  const statuses = await Promise.all(bodies.map(async (body) => {
    // Not the shared anthropicHeaders: autocannon writes its own content-length into the objects it sends.
    const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
    const response = await pool.request({ method: 'POST', path: '/v1/messages', headers, body })
    await response.body.text()
    return response.statusCode
  }))
  await pool.close()
  return { worstMs: await stall(), statuses }
}

const chosen = (process.env.KINDS ?? '').split(',').filter(Boolean).map(Number)
const pick = (): Req => chosen.length > 0 ? kinds[chosen[next++ % chosen.length]!]!() : kinds[next++ % kinds.length]!()

/** Clients that leave as soon as the stream starts: the abort path must release everything too. */
async function hangUps (port: number, until: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 2 })
  let count = 0
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      const controller = new AbortController()
      const request = kinds[0]!()
      try {
        const response = await pool.request({ ...request, signal: controller.signal })
        controller.abort()
        await response.body.text().catch(() => {})
        count++
      } catch {}
      // About 50 a second: enough to walk the abort path thousands of times without starving the main load.
      await new Promise((resolve) => setTimeout(resolve, 40))
    }
  }
  await Promise.all([worker(), worker()])
  await pool.close()
  return count
}

async function round (port: number, statuses: Map<number, number>): Promise<number> {
  const until = Date.now() + roundSeconds * 1000
  const leaving = hangUps(port, until)
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 12,
    duration: roundSeconds,
    requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, ...pick() }) }]
  })
  // Without a callback autocannon returns its instance, an event emitter that is also awaitable.
  ;(instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1))
  const result = await instance
  const left = await leaving
  return result.requests.total + left
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1).padStart(7)
const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-soak-'))
const upstream = await startUpstream()
const gateway = await startGateway(upstream.port, dataDir).catch((error: unknown) => {
  upstream.child.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
  throw error
})
try {
  const statuses = new Map<number, number>()
  const start = await gateway.memory()
  console.log(`\nlynkr soak — ${rounds} rounds of ${roundSeconds} s, mixed load (streams, whole answers, OpenAI front door, count_tokens, bad JSON, hang-ups), node ${process.version}`)
  console.log('round   requests   heap after GC (MB)   rss (MB)   external (MB)   worst event-loop stall (ms)')
  console.log(`start   ${'0'.padStart(8)}   ${mb(start.heapUsed)}              ${mb(start.rss)}   ${mb(start.external)}`)
  await gateway.stall()
  let total = 0
  const heaps: number[] = []
  const totals: number[] = []
  for (let i = 1; i <= rounds; i++) {
    total += await round(gateway.port, statuses)
    const worst = await gateway.stall()
    const memory = await gateway.memory()
    heaps.push(memory.heapUsed)
    totals.push(total)
    console.log(`${String(i).padEnd(5)}   ${String(total).padStart(8)}   ${mb(memory.heapUsed)}              ${mb(memory.rss)}   ${mb(memory.external)}   ${worst.toFixed(0).padStart(8)}`)
  }
  const largeRounds = Number(process.env.SOAK_LARGE_ROUNDS ?? 3)
  for (let i = 1; i <= largeRounds; i++) {
    const large = await largeBodies(gateway.port, gateway.stall)
    for (const status of large.statuses) statuses.set(status, (statuses.get(status) ?? 0) + 1)
    console.log(`large bodies ${i}: four Claude Code requests of 16, 22, 26 and 30 MB at once → ${large.statuses.join(', ')}; worst event-loop stall ${large.worstMs.toFixed(0)} ms`)
  }
  // The first half of the rounds fills the bounded caches (sessions, token counts); the second must be flat.
  const from = Math.floor((rounds - 1) / 2)
  const growth = (heaps.at(-1)! - heaps[from]!) / 1048576
  const perRequest = (heaps.at(-1)! - heaps[from]!) / Math.max(1, total - totals[from]!)
  console.log(`statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  console.log(`heap growth from round ${from + 1} to round ${rounds}: ${growth.toFixed(2)} MB (${perRequest.toFixed(1)} bytes per request; target ≤ ${MAX_GROWTH_MB} MB) — ${growth <= MAX_GROWTH_MB ? 'flat' : 'GROWING'}`)
  const unexpected = [...statuses.keys()].filter((status) => status !== 200 && status !== 400)
  if (growth > MAX_GROWTH_MB || unexpected.length > 0) process.exitCode = 1
} finally {
  gateway.child.send({ type: 'close' })
  upstream.child.kill('SIGTERM')
  await new Promise((resolve) => gateway.child.once('exit', resolve))
  rmSync(dataDir, { recursive: true, force: true })
}
