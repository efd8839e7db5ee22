// `pnpm bench`: requests/s and p50/p99 latency directly to a loopback upstream with instant replies, and
// through lynkr on the translated path (Anthropic in → OpenAI-compatible out), in one run, side by side,
// with a minimal translating proxy as the floor. autocannon drives the load from this process. Two layouts
// of the 2 cores: the fake upstream in its own process ("separate"), or inside this process next to the
// load generator ("shared", where direct traffic is bounded by this one thread, as in the issue's
// reference measurement). BENCH_LAYOUT=separate|shared runs one of them.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { Pool } from 'undici'
import { startInstantUpstream } from './instant-openai-upstream.ts'

const duration = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16)
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

function start (args: string[], env: Record<string, string>, ready?: RegExp): Promise<{ child: ChildProcess, port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    if (ready === undefined) resolve({ child, port: 0 })
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = ready?.exec(output)
      if (match) resolve({ child, port: Number(match[1]) })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
  })
}

async function waitForHealth (port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/live`)
      if (response.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error('lynkr did not start')
}

interface Run { rps: number, p50: number, p99: number, errors: number }

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/**
 * Latency without queueing: one request at a time, timed with hrtime (autocannon reports whole
 * milliseconds, too coarse for sub-millisecond overhead). Throughput: autocannon at `connections`.
 */
async function load (url: string, body: string, headers: Record<string, string>): Promise<Run> {
  // Warm up connections and the JIT first: a gateway in service is warm, and the first thousands of requests
  // through a cold process (compilation, lazy set-up) otherwise dominate the unloaded p99.
  await autocannon({ url, method: 'POST', body, headers, connections, duration: 2 })
  const client = new Pool(new URL(url).origin, { connections: 1 })
  const path = new URL(url).pathname
  const samples: number[] = []
  let errors = 0
  const until = Date.now() + Math.max(2, duration / 2) * 1000
  for (let i = 0; Date.now() < until; i++) {
    const started = process.hrtime.bigint()
    const response = await client.request({ path, method: 'POST', headers, body })
    await response.body.text()
    if (response.statusCode !== 200) errors++
    if (i >= 100) samples.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
  await client.close()
  samples.sort((a, b) => a - b)
  const result = await autocannon({ url, method: 'POST', body, headers, connections, duration })
  return { rps: result.requests.average, p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), errors: errors + result.errors + result.non2xx }
}

const system = 'You are a careful coding assistant. '.repeat(20)
const anthropicBody = JSON.stringify({
  model: 'claude-opus-5-5',
  max_tokens: 1024,
  system: [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }],
  tools: [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'What is six times seven?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'echo $((6*7))' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '42' }] }
  ]
})
// What lynkr sends upstream for that request, so the baseline does the same upstream work.
const openAIBody = JSON.stringify({
  model: 'bench-model',
  messages: [
    { role: 'system', content: system },
    { role: 'user', content: 'What is six times seven?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"echo $((6*7))"}' } }] },
    { role: 'tool', tool_call_id: 'toolu_1', content: '42' }
  ],
  tools: [{ type: 'function', function: { name: 'Bash', description: 'Run a shell command', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
  max_tokens: 1024
})

// The same requests as streams: Claude Code always streams.
const anthropicStreamBody = JSON.stringify({ ...JSON.parse(anthropicBody), stream: true })
const openAIStreamBody = JSON.stringify({ ...JSON.parse(openAIBody), stream: true, stream_options: { include_usage: true } })

async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

interface Layout { name: string, upstream: () => Promise<{ port: number, stop: () => void }> }

const layouts: Layout[] = [
  {
    name: 'separate',
    upstream: async () => {
      const { child, port } = await start(['--import', 'tsx', here('./instant-openai-upstream.ts')], {}, /ready (\d+)/)
      return { port, stop: () => child.kill('SIGTERM') }
    }
  },
  {
    name: 'shared',
    upstream: async () => {
      const { server, port } = await startInstantUpstream()
      return { port, stop: () => { server.closeAllConnections(); server.close() } }
    }
  }
].filter((layout) => process.env.BENCH_LAYOUT === undefined || process.env.BENCH_LAYOUT === layout.name)

const row = (name: string, run: Run): string =>
  `${name.padEnd(28)} ${run.rps.toFixed(0).padStart(8)} req/s (${connections} conns)   unloaded p50 ${run.p50.toFixed(3)} ms   p99 ${run.p99.toFixed(3)} ms   errors ${run.errors}`

async function runLayout (layout: Layout): Promise<boolean> {
  const upstream = await layout.upstream()
  const gatewayPort = await freePort()
  const gateway = await start([here('../../packages/lynkr/bin/lynkr.js'), 'start'], {
    PORT: String(gatewayPort), LOG_LEVEL: 'warn', MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'bench', OPENAI_MODEL: 'bench-model',
    OPENAI_ENDPOINT: `http://127.0.0.1:${upstream.port}/v1`, HEALTH_PROBE_INTERVAL_MS: '0'
  })
  await waitForHealth(gatewayPort)
  const floor = await start(['--import', 'tsx', here('./minimal-translating-proxy.ts'), `http://127.0.0.1:${upstream.port}`], {}, /ready (\d+)/)
  try {
    const direct = await load(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, openAIBody, { 'content-type': 'application/json', authorization: 'Bearer bench' })
    const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
    const minimal = await load(`http://127.0.0.1:${floor.port}/v1/messages`, anthropicBody, anthropicHeaders)
    const through = await load(`http://127.0.0.1:${gatewayPort}/v1/messages`, anthropicBody, anthropicHeaders)
    const directStream = await load(`http://127.0.0.1:${upstream.port}/v1/chat/completions`, openAIStreamBody, { 'content-type': 'application/json', authorization: 'Bearer bench' })
    const throughStream = await load(`http://127.0.0.1:${gatewayPort}/v1/messages`, anthropicStreamBody, anthropicHeaders)
    console.log(`\nlynkr translate benchmark, layout "${layout.name}" — ${connections} connections, ${duration} s each, node ${process.version}`)
    console.log(row('direct to upstream', direct))
    console.log(row('minimal translating proxy', minimal))
    console.log(row('through lynkr (anth→openai)', through))
    console.log(`added latency   p50 ${(through.p50 - direct.p50).toFixed(3)} ms (target ≤ 0.5)   p99 ${(through.p99 - direct.p99).toFixed(3)} ms (target ≤ 2)`)
    console.log(`throughput      ${(through.rps / direct.rps * 100).toFixed(0)}% of direct (target ≥ 60%); the minimal proxy reaches ${(minimal.rps / direct.rps * 100).toFixed(0)}% of direct, lynkr ${(through.rps / minimal.rps * 100).toFixed(0)}% of the minimal proxy`)
    console.log(row('direct, streaming', directStream))
    console.log(row('through lynkr, streaming', throughStream))
    console.log(`streaming       added p50 ${(throughStream.p50 - directStream.p50).toFixed(3)} ms, p99 ${(throughStream.p99 - directStream.p99).toFixed(3)} ms; throughput ${(throughStream.rps / directStream.rps * 100).toFixed(0)}% of direct`)
    return through.errors === 0 && throughStream.errors === 0
  } finally {
    gateway.child.kill('SIGTERM')
    floor.child.kill('SIGTERM')
    upstream.stop()
  }
}

for (const layout of layouts) {
  if (!await runLayout(layout)) process.exitCode = 1
}
