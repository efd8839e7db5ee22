// `pnpm bench:footprint`: what `npx lynkr start` costs on this machine, next to what a bare Node HTTP server and
// an empty Fastify app cost when started and measured the same way in the same run. Each is started
// FOOTPRINT_RUNS times (default 3; the median time from spawn to GET /health/live answering is reported), then
// sampled 5 s after start, 2 s after load and 30 s after load: lynkr gets 10,000 mixed requests (Anthropic and OpenAI, streaming
// and not, count_tokens, model lists, health) against an instant OpenAI-compatible upstream on 127.0.0.1, the
// baselines 10,000 GET /health/live. The breakdown comes from /proc (RSS: anonymous vs file-backed, threads)
// and from a preloaded probe (footprint-probe.cjs) in every thread: V8 heap used/total (of it the young
// generation), external and ArrayBuffer memory, V8's malloc'd memory.
//   FOOTPRINT_MIX=no-count   lynkr's mix without count_tokens (the tokenizer never loads): its share shows
//   FOOTPRINT_ONLY=lynkr     skip the baselines
//   FOOTPRINT_SNAPSHOTS=dir  write main-thread heap snapshots there (idle, loaded, settled) to compare retained objects
//   FOOTPRINT_NODE_FLAGS     node flags for lynkr (space-separated, through NODE_OPTIONS: lynkr runs as its bin file
//                            itself, like `npx lynkr`, so the shebang's flags apply and win over these)
//   FOOTPRINT_BIN            another build's bin/lynkr.js (another worktree), for before/after in one sitting
//   FOOTPRINT_REQUESTS, FOOTPRINT_RUNS; NODE_OPTIONS and MALLOC_ARENA_MAX are passed to lynkr only
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as delay } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { startInstantUpstream } from './instant-openai-upstream.ts'

const bin = process.env.FOOTPRINT_BIN ?? fileURLToPath(new URL('../../packages/lynkr/bin/lynkr.js', import.meta.url))
const bareServer = fileURLToPath(new URL('./footprint-bare-server.mjs', import.meta.url))
const probe = fileURLToPath(new URL('./footprint-probe.cjs', import.meta.url))
const REQUESTS = Number(process.env.FOOTPRINT_REQUESTS ?? 10_000)
const RUNS = Number(process.env.FOOTPRINT_RUNS ?? 3)
const SNAPSHOTS = process.env.FOOTPRINT_SNAPSHOTS
const NO_COUNT = process.env.FOOTPRINT_MIX === 'no-count'
const CONCURRENCY = 8
const IDLE_MS = 5_000
const SETTLED_MS = 30_000
const MB = 1024 * 1024

interface Target {
  name: string
  /** Names its heap snapshots. */
  key: string
  nodeFlags?: string[]
  /**
   * Arguments after the node executable (the measured script and its own arguments); with `direct`, the
   * script is run itself, as `npx lynkr` runs the .bin link: its shebang's node flags apply, and node flags
   * of the bench (the probe, FOOTPRINT_NODE_FLAGS) go through NODE_OPTIONS.
   */
  args: string[]
  direct?: boolean
  env: Record<string, string>
  load: (url: string, dispatcher: Agent, i: number) => Promise<void>
  loadName: string
}

interface ThreadSample { threadId: number, heapUsed: number, heapTotal: number, newSpace: number, external: number, arrayBuffers: number, malloced: number }
interface Sample { rss: number, rssAnon: number, rssFile: number, threads: number, perThread: ThreadSample[] }

async function freePort (): Promise<number> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/** A figure of /proc/<pid>/status (Linux), in bytes for kB figures. */
function procStatus (pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`${field}:\\s+(\\d+)( kB)?`).exec(status)!
  return Number(match[1]) * (match[2] === undefined ? 1 : 1024)
}

async function sample (child: ChildProcess, label: string): Promise<Sample> {
  if (SNAPSHOTS !== undefined) {
    const written = new Promise((resolve) => child.once('message', resolve))
    child.send({ snapshot: join(SNAPSHOTS, `${label}.heapsnapshot`) })
    await written
  }
  const answer = new Promise<{ threads: ThreadSample[] }>((resolve) => child.once('message', resolve as (message: unknown) => void))
  child.send('sample')
  const { threads } = await answer
  const pid = child.pid!
  return {
    rss: procStatus(pid, 'VmRSS'),
    rssAnon: procStatus(pid, 'RssAnon'),
    rssFile: procStatus(pid, 'RssFile'),
    threads: procStatus(pid, 'Threads'),
    perThread: threads.sort((a, b) => a.threadId - b.threadId)
  }
}

async function start (target: Target, withProbe: boolean): Promise<{ child: ChildProcess, url: string, startMs: number }> {
  const port = await freePort()
  const began = performance.now()
  const flags = [...(withProbe ? ['--require', probe] : []), ...target.nodeFlags ?? []]
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, PORT: String(port), ...target.env }
  if (target.direct === true) env.NODE_OPTIONS = [env.NODE_OPTIONS ?? '', ...flags].join(' ').trim()
  const [command, args] = target.direct === true ? [target.args[0]!, target.args.slice(1)] : [process.execPath, [...flags, ...target.args]]
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', ...(withProbe ? ['ipc' as const] : [])], env })
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${target.name} exited with ${child.exitCode}`)
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

async function send (url: string, dispatcher: Agent, path: string, headers: Record<string, string> | undefined, body?: string): Promise<void> {
  const response = await request(`${url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body, dispatcher })
  await response.body.dump()
  if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`)
}

/** One of ten request kinds, round robin (with FOOTPRINT_MIX=no-count, a whole turn instead of count_tokens). */
async function mixed (url: string, dispatcher: Agent, i: number): Promise<void> {
  switch (i % 10) {
    case 0: case 1: case 2: return await send(url, dispatcher, '/v1/messages', anthropic, claudeCodeBody(i, true))
    case 3: return await send(url, dispatcher, '/v1/messages', anthropic, claudeCodeBody(i, false))
    case 4: return await send(url, dispatcher, NO_COUNT ? '/v1/messages' : '/v1/messages/count_tokens', anthropic, claudeCodeBody(i, false))
    case 5: case 6: return await send(url, dispatcher, '/v1/chat/completions', openai, JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: `question ${i}` }] }))
    case 7: return await send(url, dispatcher, '/v1/chat/completions', openai, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i}` }] }))
    case 8: return await send(url, dispatcher, '/v1/models', anthropic)
    default: return await send(url, dispatcher, '/health/ready', undefined)
  }
}

async function live (url: string, dispatcher: Agent): Promise<void> {
  await send(url, dispatcher, '/health/live', undefined)
}

interface Result { target: Target, starts: number[], idle: Sample, loaded: Sample, settled: Sample, loadSeconds: number }

async function measure (target: Target): Promise<Result> {
  const starts: number[] = []
  for (let run = 1; run < RUNS; run++) {
    const { child, startMs } = await start(target, false)
    starts.push(startMs)
    await stop(child)
  }
  // The last start carries the probe (its own cost is a BroadcastChannel per thread).
  const { child, url, startMs } = await start(target, true)
  starts.push(startMs)
  await delay(IDLE_MS)
  const idle = await sample(child, `${target.key}-idle`)
  const dispatcher = new Agent({ connections: CONCURRENCY })
  let next = 0
  const began = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) await target.load(url, dispatcher, next++)
  }))
  const loadSeconds = (performance.now() - began) / 1000
  await delay(2_000)
  const loaded = await sample(child, `${target.key}-loaded`)
  await dispatcher.close()
  // V8 gives back the heap a burst grew only after a while without allocation (its memory reducer).
  await delay(SETTLED_MS - 2_000)
  const settled = await sample(child, `${target.key}-settled`)
  await stop(child)
  return { target, starts: starts.sort((a, b) => a - b), idle, loaded, settled, loadSeconds }
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1)
const median = (values: number[]): number => values[Math.floor(values.length / 2)]!

function report (results: Result[]): void {
  const requests = REQUESTS.toLocaleString('en')
  console.log(`footprint (Node ${process.versions.node}, ${RUNS} starts each, load average ${loadavg()[0]!.toFixed(1)} at the end, ${CONCURRENCY} connections)`)
  console.log('')
  console.log(`| | start to /health/live (median) | RSS idle (5 s after start) | RSS 2 s after load | RSS ${SETTLED_MS / 1000} s after load |`)
  console.log('| --- | --- | --- | --- | --- |')
  for (const { target, starts, idle, loaded, settled, loadSeconds } of results) {
    console.log(`| ${target.name} | ${Math.round(median(starts))} ms (${starts.map((ms) => Math.round(ms)).join(', ')}) | ${mb(idle.rss)} MB | ${mb(loaded.rss)} MB (${requests} ${target.loadName} in ${loadSeconds.toFixed(1)} s) | ${mb(settled.rss)} MB |`)
  }
  for (const { target, idle, loaded, settled } of results) {
    console.log('')
    console.log(`${target.name}: RSS = anonymous + file-backed (code); per thread: V8 heap used / total (young generation), external (of it ArrayBuffers), V8 malloc`)
    for (const [when, s] of [['idle', idle], ['loaded', loaded], ['settled', settled]] as const) {
      console.log(`  ${when.padEnd(7)} RSS ${mb(s.rss)} MB = ${mb(s.rssAnon)} anon + ${mb(s.rssFile)} file; ${s.threads} OS threads, ${s.perThread.length} JS thread(s)`)
      for (const t of s.perThread) {
        const name = t.threadId === 0 ? 'main' : `worker ${t.threadId}`
        console.log(`    ${name.padEnd(9)} heap ${mb(t.heapUsed)} / ${mb(t.heapTotal)} MB (young ${mb(t.newSpace)}), external ${mb(t.external)} MB (buffers ${mb(t.arrayBuffers)}), malloc ${mb(t.malloced)} MB`)
      }
    }
  }
}

const upstream = await startInstantUpstream()
const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-footprint-'))
const lynkr: Target = {
  key: 'lynkr',
  name: NO_COUNT ? '`lynkr start` (mix without count_tokens)' : '`lynkr start`',
  nodeFlags: process.env.FOOTPRINT_NODE_FLAGS?.split(' ').filter((flag) => flag !== ''),
  args: [bin, 'start'],
  direct: true,
  env: {
    ...Object.fromEntries(['NODE_OPTIONS', 'MALLOC_ARENA_MAX'].flatMap((name) => process.env[name] === undefined ? [] : [[name, process.env[name]!]])),
    LOG_LEVEL: 'warn',
    MODEL_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_ENDPOINT: `http://127.0.0.1:${upstream.port}/v1`,
    OPENAI_MODEL: 'bench-model',
    LYNKR_DATA_DIR: dataDir
  },
  load: mixed,
  loadName: 'mixed requests'
}
const baselines: Target[] = process.env.FOOTPRINT_ONLY === 'lynkr'
  ? []
  : [
      { key: 'node', name: 'bare Node HTTP server', args: [bareServer, 'node'], env: {}, load: live, loadName: 'GET /health/live' },
      { key: 'fastify', name: 'empty Fastify app', args: [bareServer, 'fastify'], env: {}, load: live, loadName: 'GET /health/live' }
    ]
try {
  const results: Result[] = []
  for (const target of [...baselines, lynkr]) results.push(await measure(target))
  report(results)
} finally {
  upstream.server.closeAllConnections()
  upstream.server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
