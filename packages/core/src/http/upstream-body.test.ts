import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'undici'
import { LynkrError } from '@lynkr/protocol'
import { UpstreamClient } from './upstream-client.ts'
import { readSseEvents } from './read-sse-events.ts'

async function serve (t: { after: (fn: () => unknown) => void }, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string, connections: () => number }> {
  let connections = 0
  const server = createServer(handler)
  server.on('connection', () => { connections++ })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, connections: () => connections }
}

function clientFor (t: { after: (fn: () => unknown) => void }): UpstreamClient {
  const client = new UpstreamClient({ dispatcher: new Agent({ connections: 1 }) })
  t.after(async () => { await client.close() })
  return client
}

test('text() and json() read a whole body, however it was chunked, multi-byte characters included', async (t) => {
  const reply = JSON.stringify({ text: 'héllo wörld ✓'.repeat(2000) })
  const bytes = Buffer.from(reply)
  const upstream = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    // Split inside a multi-byte character on purpose.
    res.write(bytes.subarray(0, 7))
    setTimeout(() => res.end(bytes.subarray(7)), 5)
  })
  const client = clientFor(t)
  const first = await client.send({ provider: 'test', url: upstream.url, body: '{}' })
  assert.equal(first.statusCode, 200)
  assert.equal(first.headers['content-type'], 'application/json')
  assert.equal(await first.body.text(), reply)
  assert.deepEqual(await client.sendJson({ provider: 'test', url: upstream.url, body: '{}' }), JSON.parse(reply))
})

test('a reader that stops early drains a short rest: the connection is reused', async (t) => {
  const upstream = await serve(t, (_req, res) => {
    res.write('data: one\n\n')
    setTimeout(() => res.end('data: two\n\ndata: [DONE]\n\n'), 20)
  })
  const client = clientFor(t)
  for (let i = 0; i < 3; i++) {
    const response = await client.send({ provider: 'test', url: upstream.url, body: '{}' })
    for await (const event of readSseEvents(response.body)) {
      assert.equal(event.data, 'one')
      break
    }
    await response.body.dump()
  }
  assert.equal(upstream.connections(), 1)
})

test('a reader that stops early on a long answer closes that connection instead of reading it all', async (t) => {
  let closedEarly = false
  const upstream = await serve(t, (req, res) => {
    res.write('data: first\n\n')
    const chunk = `data: ${'x'.repeat(16 * 1024)}\n\n`
    let sent = 0
    const timer = setInterval(() => {
      // 2 MiB in all, far more than a released body may drain.
      if (sent++ < 128) res.write(chunk)
      else { clearInterval(timer); res.end() }
    }, 1)
    req.socket.on('close', () => { clearInterval(timer); closedEarly = sent < 128 })
  })
  const client = clientFor(t)
  const response = await client.send({ provider: 'test', url: upstream.url, body: '{}' })
  for await (const event of readSseEvents(response.body)) {
    assert.equal(event.data, 'first')
    break
  }
  await response.body.dump()
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(closedEarly, true, 'the upstream saw the connection close before it finished')
})

test('a reader that stalls pauses the connection (bounded memory), then still gets every byte', async (t) => {
  const parts = 8000
  let written = 0
  const upstream = await serve(t, (_req, res) => {
    let i = 0
    const write = (): void => {
      while (i < parts) {
        const chunk = `data: ${i++} ${'y'.repeat(4096)}\n\n`
        written += chunk.length
        if (!res.write(chunk)) { res.once('drain', write); return }
      }
      res.end()
    }
    write()
  })
  const client = clientFor(t)
  const response = await client.send({ provider: 'test', url: upstream.url, body: '{}' })
  let expected = 0
  let writtenWhileStalled = 0
  for await (const event of readSseEvents(response.body)) {
    assert.equal(event.data.split(' ')[0], String(expected++))
    if (expected === 1) {
      await new Promise((resolve) => setTimeout(resolve, 300))
      writtenWhileStalled = written
    }
  }
  assert.equal(expected, parts)
  // 32 MiB in all; a stalled reader holds the upstream back at what the sockets buffer (a few MiB) plus 64 KiB.
  assert.ok(writtenWhileStalled < 16 * 1024 * 1024, `the upstream had written ${writtenWhileStalled} bytes while the reader stalled`)
})

test('an abort mid-body ends the reader with the signal\'s reason, after the chunks that had arrived', async (t) => {
  const upstream = await serve(t, (_req, res) => { res.write('data: one\n\n') })
  const client = clientFor(t)
  const controller = new AbortController()
  const response = await client.send({ provider: 'test', url: upstream.url, body: '{}', signal: controller.signal })
  const seen: string[] = []
  const reason = new LynkrError('timeout', 'stream idle too long', { status: 504 })
  await assert.rejects(async () => {
    for await (const event of readSseEvents(response.body)) {
      seen.push(event.data)
      controller.abort(reason)
    }
  }, (error) => error === reason)
  assert.deepEqual(seen, ['one'])
})

test('an abort before the answer arrives rejects the call with the signal\'s reason', async (t) => {
  let served = 0
  const controller = new AbortController()
  const reason = new LynkrError('timeout', 'no first byte', { status: 504 })
  // The upstream never answers; the abort comes once it has the request (not after a fixed delay: a busy
  // machine may not have sent it yet).
  const upstream = await serve(t, () => { served++; controller.abort(reason) })
  const client = clientFor(t)
  await assert.rejects(client.send({ provider: 'test', url: upstream.url, body: '{}', signal: controller.signal }), (error) => error === reason)
  assert.equal(served, 1)
  const already = new AbortController()
  already.abort(reason)
  await assert.rejects(client.send({ provider: 'test', url: upstream.url, body: '{}', signal: already.signal }), (error) => error === reason)
  assert.equal(served, 1, 'an already aborted call is not sent')
})

test('a connection cut mid-body fails the reader with a transport error after the chunks that had arrived', async (t) => {
  const upstream = await serve(t, (_req, res) => {
    res.write('data: one\n\n')
    setTimeout(() => res.socket?.destroy(), 20)
  })
  const client = clientFor(t)
  const response = await client.send({ provider: 'test', url: upstream.url, body: '{}' })
  const seen: string[] = []
  await assert.rejects(async () => {
    for await (const event of readSseEvents(response.body)) seen.push(event.data)
  }, (error: Error) => /other side closed|socket/i.test(error.message))
  assert.deepEqual(seen, ['one'])
})

test('a non-2xx answer is read and thrown as a mapped error', async (t) => {
  const upstream = await serve(t, (_req, res) => {
    res.writeHead(429, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } }))
  })
  const client = clientFor(t)
  await assert.rejects(client.send({ provider: 'test', url: upstream.url, body: '{}' }), (error: LynkrError) => error.status === 429 && /slow down/.test(error.message))
})
