import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { request } from 'undici'
import { sendFrames } from './stream-to-client.ts'

/** A gateway-like route that streams what `source` yields and counts the writes it made on the response. */
async function streamingApp (t: { after: (fn: () => unknown) => void }, source: () => AsyncIterable<string>, pingIntervalMs = 60_000): Promise<{ url: string, writes: string[] }> {
  const app = Fastify()
  const writes: string[] = []
  app.get('/stream', (_request, reply) => {
    const response = reply.raw
    const write = response.write.bind(response) as (chunk: string) => boolean
    const end = response.end.bind(response) as (chunk?: string) => void
    response.write = ((chunk: string) => { writes.push(chunk); return write(chunk) }) as typeof response.write
    response.end = ((chunk?: string) => { writes.push(`END:${chunk ?? ''}`); end(chunk) }) as typeof response.end
    reply.header('content-type', 'text/event-stream')
    sendFrames(reply, source(), { pingFrame: ': ping\n\n', pingIntervalMs })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(async () => { await app.close() })
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/stream`, writes }
}

const wait = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

test('frames ready together leave in one write; frames that come later leave as they come; the end goes with the last ones', async (t) => {
  let sourceDone = false
  const { url, writes } = await streamingApp(t, async function * () {
    // One upstream network chunk's worth: three frames without a macrotask in between.
    yield 'a\n\n'; yield 'b\n\n'; yield 'c\n\n'
    await wait(50)
    yield 'd\n\n'; yield 'e\n\n'
    sourceDone = true
  })
  const response = await request(url)
  const arrivals: Array<{ text: string, sourceDone: boolean }> = []
  for await (const chunk of response.body) arrivals.push({ text: String(chunk), sourceDone })
  assert.equal(arrivals.map((arrival) => arrival.text).join(''), 'a\n\nb\n\nc\n\nd\n\ne\n\n')
  assert.equal(arrivals[0]!.sourceDone, false, 'the first frames reached the client while the source was still waiting')
  assert.deepEqual(writes, ['a\n\nb\n\nc\n\n', 'END:d\n\ne\n\n'])
})

test('a ping goes out during a long silence, between whole frames', async (t) => {
  const { url } = await streamingApp(t, async function * () {
    yield 'event: one\ndata: 1\n\n'
    await wait(700)
    yield 'event: two\ndata: 2\n\n'
  }, 200)
  const response = await request(url)
  const text = await response.body.text()
  assert.match(text, /^event: one\ndata: 1\n\n(: ping\n\n)+event: two\ndata: 2\n\n$/)
})

test('a source that fails ends the response (no hang), after what it had produced', async (t) => {
  const { url } = await streamingApp(t, async function * () {
    yield 'a\n\n'
    await wait(10)
    throw new Error('upstream broke')
  })
  const response = await request(url)
  assert.equal(await response.body.text(), 'a\n\n')
})
