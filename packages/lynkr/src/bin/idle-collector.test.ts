import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { collectWhenQuiet } from './idle-collector.ts'

const MB = 1024 * 1024

test('collectWhenQuiet: once requests stop, the garbage they left is collected (V8 alone keeps it while nothing allocates)', async (t) => {
  const app = Fastify()
  let burst: Array<{ i: number, text: string }> | null = []
  // The burst's data: ~50 MB that lives long enough to reach the old generation (any collection V8 runs while it
  // is built finds it alive), then dropped by the burst's last request.
  app.get('/burst', async () => {
    for (let i = 0; i < 500_000; i++) burst!.push({ i, text: `request body ${i}`.repeat(4) })
    return { ok: true }
  })
  app.get('/done', async () => {
    burst = null
    return { ok: true }
  })
  collectWhenQuiet(app, 50)
  t.after(async () => { await app.close() })
  await app.ready()
  assert.equal((await app.inject('/burst')).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  assert.equal((await app.inject('/done')).statusCode, 200)
  const before = process.memoryUsage().heapUsed
  assert.ok(before > 60 * MB, `the burst left garbage (${Math.round(before / MB)} MB used)`)
  // Well before V8's memory reducer would look (its first check comes seconds later), however busy the machine.
  const deadline = Date.now() + 3_000
  while (process.memoryUsage().heapUsed > before - 40 * MB && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const after = process.memoryUsage().heapUsed
  assert.ok(after < before - 40 * MB, `collected: ${Math.round(before / MB)} MB -> ${Math.round(after / MB)} MB`)
})
