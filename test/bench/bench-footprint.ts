// `pnpm bench:footprint`: what `npx lynkr start` costs on this machine. Starts the built CLI (as users run
// it, default plugins) against an instant OpenAI-compatible upstream on 127.0.0.1 and prints the time from
// spawn to /health/live answering, the resident memory when idle, and the resident memory after 10,000
// mixed requests (Anthropic and OpenAI, streaming and not, count_tokens, model lists, health).
// FOOTPRINT_RUNS (default 3) starts it that many times; the median start time is reported.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { startInstantUpstream } from './instant-openai-upstream.ts'

const bin = fileURLToPath(new URL('../../packages/lynkr/bin/lynkr.js', import.meta.url))
const REQUESTS = Number(process.env.FOOTPRINT_REQUESTS ?? 10_000)
const RUNS = Number(process.env.FOOTPRINT_RUNS ?? 3)
const CONCURRENCY = 8
const IDLE_MS = 5_000

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/** Resident set size of a process, from /proc (Linux), in MB. */
function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1])
  return kb / 1024
}

async function start (upstreamPort: number, dataDir: string): Promise<{ child: ChildProcess, url: string, startMs: number }> {
  const port = await freePort()
  const began = performance.now()
  const child = spawn(process.execPath, [bin, 'start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      ...(process.env.NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.NODE_OPTIONS }),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MODEL_PROVIDER: 'openai',
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_ENDPOINT: `http://127.0.0.1:${upstreamPort}/v1`,
      OPENAI_MODEL: 'bench-model',
      LYNKR_DATA_DIR: dataDir
    }
  })
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`lynkr exited with ${child.exitCode}`)
    try {
      const response = await request(`${url}/health/live`)
      await response.body.dump()
      if (response.statusCode === 200) return { child, url, startMs: performance.now() - began }
    } catch { /* not listening yet */ }
    await delay(5)
  }
}

async function stop (child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** A Claude Code–shaped turn: a long system prompt, tools, a short conversation. */
function claudeCodeBody (i: number, stream: boolean): string {
  const tools = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob'].map((name) => ({
    name, description: `${name} tool: performs the ${name.toLowerCase()} operation on the workspace with the given arguments.`,
    input_schema: { type: 'object', properties: { path: { type: 'string' }, command: { type: 'string' } } }
  }))
  return JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream,
    system: [{ type: 'text', text: 'You are Claude Code, an interactive CLI tool that helps users with software engineering tasks. '.repeat(20) }],
    tools,
    messages: [
      { role: 'user', content: `Request ${i}: read src/index.ts and explain what it exports.` },
      { role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { path: 'src/index.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: `export const value${i} = ${i}\n`.repeat(30) }] }
    ]
  })
}

const anthropic = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const openai = { 'content-type': 'application/json', authorization: 'Bearer k' }

/** One of ten request kinds, round robin. */
async function mixed (url: string, dispatcher: Agent, i: number): Promise<void> {
  const kind = i % 10
  const send = async (path: string, headers: Record<string, string> | undefined, body?: string): Promise<void> => {
    const response = await request(`${url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body, dispatcher })
    await response.body.dump()
    if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`)
  }
  switch (kind) {
    case 0: case 1: case 2: return await send('/v1/messages', anthropic, claudeCodeBody(i, true))
    case 3: return await send('/v1/messages', anthropic, claudeCodeBody(i, false))
    case 4: return await send('/v1/messages/count_tokens', anthropic, claudeCodeBody(i, false))
    case 5: case 6: return await send('/v1/chat/completions', openai, JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `question ${i}` }] }))
    case 7: return await send('/v1/chat/completions', openai, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i}` }] }))
    case 8: return await send('/v1/models', anthropic)
    default: return await send('/health/ready', undefined)
  }
}

const upstream = await startInstantUpstream()
const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-footprint-'))
try {
  const starts: number[] = []
  for (let run = 1; run < RUNS; run++) {
    const { child, startMs } = await start(upstream.port, dataDir)
    starts.push(startMs)
    await stop(child)
  }
  const { child, url, startMs } = await start(upstream.port, dataDir)
  starts.push(startMs)
  await delay(IDLE_MS)
  const idle = rssMb(child.pid!)

  const dispatcher = new Agent({ connections: CONCURRENCY })
  let next = 0
  const began = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) await mixed(url, dispatcher, next++)
  }))
  const loadSeconds = (performance.now() - began) / 1000
  await delay(2_000)
  const loaded = rssMb(child.pid!)
  await dispatcher.close()
  await stop(child)

  starts.sort((a, b) => a - b)
  const median = starts[Math.floor(starts.length / 2)]!
  console.log(`lynkr footprint (Node ${process.versions.node}, ${RUNS} starts, default plugins, OpenAI-compatible upstream on 127.0.0.1)`)
  console.log(`start to /health/live   ${Math.round(median)} ms median (${starts.map((ms) => Math.round(ms)).join(', ')} ms)`)
  console.log(`RSS idle (${IDLE_MS / 1000} s after start)   ${idle.toFixed(1)} MB`)
  console.log(`RSS after ${REQUESTS.toLocaleString('en')} mixed requests   ${loaded.toFixed(1)} MB (${loadSeconds.toFixed(1)} s of load, ${CONCURRENCY} connections)`)
} finally {
  upstream.server.closeAllConnections()
  upstream.server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
