import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import type { ResultPromise } from 'execa'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'

// The built CLI, as users run it.
const bin = fileURLToPath(new URL('../packages/lynkr/bin/lynkr.js', import.meta.url))

async function startBin (t: { after: (fn: () => void) => void }, env: Record<string, string>): Promise<{ child: ResultPromise, url: string, output: { text: string } }> {
  const cwd = mkdtempSync(join(tmpdir(), 'lynkr-shutdown-'))
  t.after(() => rmSync(cwd, { recursive: true, force: true }))
  const child = execa('node', [bin, 'start'], {
    cwd, extendEnv: false, reject: false, all: true,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, PORT: '0', HEALTH_PROBE_INTERVAL_MS: '0', ...env }
  })
  t.after(() => { child.kill('SIGKILL') })
  const output = { text: '' }
  child.all!.on('data', (chunk: Buffer) => { output.text += chunk.toString() })
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output.text)
    if (match) return { child, url: `http://127.0.0.1:${match[1]}`, output }
    if (child.exitCode !== null) throw new Error(`lynkr exited early: ${output.text}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`lynkr did not start: ${output.text}`)
}

const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] })
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }

test('SIGTERM with a stream in flight: new requests are refused, the stream finishes, the process exits 0', async (t) => {
  const ollama = await startFakeOllama()
  ollama.respondWith({ text: 'one two three four five six seven eight nine ten', chunkDelayMs: 150 })
  t.after(async () => { await ollama.close() })
  const { child, url, output } = await startBin(t, { OLLAMA_ENDPOINT: ollama.url, SHUTDOWN_GRACE_MS: '10000' })

  const inFlight = await request(`${url}/v1/messages`, { method: 'POST', headers, body })
  assert.equal(inFlight.statusCode, 200)
  const text = inFlight.body.text()
  await new Promise((resolve) => setTimeout(resolve, 200))
  child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))
  const late = await request(`${url}/v1/messages`, { method: 'POST', headers, body }).then(async (response) => { await response.body.dump(); return response.statusCode }, (error: Error & { code?: string }) => error.code)
  assert.ok(late === 503 || late === 'ECONNREFUSED', `a request after SIGTERM got ${String(late)}`)

  const streamed = await text
  assert.match(streamed, /event: message_stop/, 'the in-flight stream ran to its end')
  assert.doesNotMatch(streamed, /event: error/)
  const result = await child
  assert.equal(result.exitCode, 0, output.text)
  assert.match(output.text, /waiting up to 10000 ms for 1 in-flight call/)
})

test('streams still running at SHUTDOWN_GRACE_MS end with an error event, then the process exits 0', async (t) => {
  const ollama = await startFakeOllama()
  ollama.respondWith({ text: 'one two three four five six seven eight nine ten', chunkDelayMs: 1000 })
  t.after(async () => { await ollama.close() })
  const { child, url, output } = await startBin(t, { OLLAMA_ENDPOINT: ollama.url, SHUTDOWN_GRACE_MS: '300' })

  const inFlight = await request(`${url}/v1/messages`, { method: 'POST', headers, body })
  const text = inFlight.body.text()
  await new Promise((resolve) => setTimeout(resolve, 100))
  const signalled = Date.now()
  child.kill('SIGTERM')
  const streamed = await text
  const frames = streamed.trim().split('\n\n')
  assert.match(frames.at(-1)!, /^event: error\ndata: .*"overloaded_error".*shutting down/)
  const result = await child
  assert.equal(result.exitCode, 0, output.text)
  assert.ok(Date.now() - signalled < 300 + 1500, `took ${Date.now() - signalled} ms`)
  assert.match(output.text, /ended 1 call\(s\) still running at the shutdown deadline/)
})
