import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Pool } from 'undici'
import { bodyChunks } from './body-chunks.ts'

test('stopping early drains an undici body instead of destroying it: no abort error, and the connection is reused', async (t) => {
  let connections = 0
  const server = createServer((_req, res) => {
    res.write('data: one\n\n')
    setTimeout(() => res.end('data: two\n\ndata: [DONE]\n\n'), 20)
  })
  server.on('connection', () => { connections++ })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 })
  t.after(async () => { await pool.close() })

  for (let i = 0; i < 3; i++) {
    const response = await pool.request({ path: '/', method: 'GET' })
    const errors: unknown[] = []
    response.body.on('error', (error) => errors.push(error))
    for await (const chunk of bodyChunks(response.body)) {
      assert.match(String(chunk), /one/)
      break
    }
    await new Promise<void>((resolve) => response.body.once('close', resolve))
    assert.deepEqual(errors, [], 'the body ended without an error')
  }
  assert.equal(connections, 1, 'one keep-alive connection served all three')
})

test('a plain async iterable that is left early is closed (its finally runs)', async () => {
  let closed = false
  async function * source (): AsyncGenerator<number> {
    try { yield 1; yield 2 } finally { closed = true }
  }
  for await (const value of bodyChunks(source())) { assert.equal(value, 1); break }
  assert.equal(closed, true)
})
