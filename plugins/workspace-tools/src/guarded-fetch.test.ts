import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PolicyError, WebPolicy } from '@lynkr/policy'
import { guardedFetch } from './guarded-fetch.ts'
import type { Resolve } from './guarded-fetch.ts'

// Every request goes to a server on 127.0.0.1; private and metadata addresses are refused before any
// connection (the guard sits in the connector too, so even a URL check that failed would not connect).

const refusedBy = async (promise: Promise<unknown>, policy: string, pattern?: RegExp): Promise<void> => {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PolicyError, `not a policy refusal: ${String(error)}`)
    assert.equal(error.policy, policy, error.message)
    if (pattern !== undefined) assert.match(error.message, pattern)
    return true
  })
}

describe('guardedFetch: the SSRF guard', () => {
  let server: Server
  let origin: string
  let port: number
  const paths: string[] = []
  before(async () => {
    server = createServer((request, response) => {
      paths.push(request.url ?? '')
      if (request.url === '/to-metadata') { response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }); response.end(); return }
      if (request.url === '/to-private') { response.writeHead(301, { location: 'http://10.0.0.1/admin' }); response.end(); return }
      if (request.url === '/to-localhost') { response.writeHead(307, { location: `http://localhost:${port}/hello` }); response.end(); return }
      if (request.url === '/to-mapped') { response.writeHead(302, { location: `http://[::ffff:127.0.0.1]:${port}/hello` }); response.end(); return }
      if (request.url === '/to-hello') { response.writeHead(302, { location: '/hello' }); response.end(); return }
      if (request.url === '/big') { response.end('x'.repeat(1_000_000)); return }
      if (request.url === '/silent') return
      response.setHeader('content-type', 'text/plain')
      response.end('hello from the test server')
    })
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
    port = (server.address() as AddressInfo).port
    origin = `http://127.0.0.1:${port}`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  // Only this policy reaches the test server: loopback opened for hosts named exactly (documented as dangerous).
  // The private and metadata hosts are on its list too: naming them never opens them.
  const local = new WebPolicy({ allowLoopback: true, allowedHosts: ['127.0.0.1', 'pinned.test', '169.254.169.254', '10.0.0.1', 'metadata.test'] })
  const fetchWith = (url: string, policy = local, resolve?: Resolve) => guardedFetch(url, { policy, timeoutMs: 10_000, maxBytes: 100_000, resolve })

  test('the positive control: an explicitly allowed loopback host is fetched', async () => {
    const page = await fetchWith(`${origin}/hello`)
    assert.equal(page.status, 200)
    assert.equal(page.body.toString(), 'hello from the test server')
  })

  test('loopback is refused by default: an address, localhost, and a name that resolves to loopback', async () => {
    const before = paths.length
    await refusedBy(fetchWith(`${origin}/hello`, new WebPolicy()), 'the SSRF guard', /127\.0\.0\.1, a loopback address/)
    await refusedBy(fetchWith(`http://localhost:${port}/hello`, new WebPolicy()), 'the SSRF guard', /loopback/)
    await refusedBy(fetchWith(`http://rebind.test:${port}/hello`, new WebPolicy(), async () => ['127.0.0.1']), 'the SSRF guard', /rebind\.test resolves to 127\.0\.0\.1/)
    await refusedBy(fetchWith(`http://dual.test:${port}/hello`, new WebPolicy(), async () => ['2606:2800:220:1:248:1893:25c8:1946', '::1']), 'the SSRF guard', /::1/)
    await refusedBy(fetchWith(`http://[::ffff:127.0.0.1]:${port}/hello`, new WebPolicy()), 'the SSRF guard')
    assert.equal(paths.length, before, 'the server saw none of them')
  })

  test('the metadata and private addresses are refused, as URLs and as what a name resolves to', async () => {
    await refusedBy(fetchWith('http://169.254.169.254/latest/meta-data/'), 'the SSRF guard', /link-local/)
    await refusedBy(fetchWith('http://metadata.test/', local, async () => ['169.254.169.254']), 'the SSRF guard', /169\.254\.169\.254/)
    await refusedBy(fetchWith('http://intranet.test/', new WebPolicy(), async () => ['10.1.2.3']), 'the SSRF guard', /private/)
    await refusedBy(fetchWith('http://cgnat.test/', new WebPolicy(), async () => ['100.64.1.1']), 'the SSRF guard', /carrier-grade NAT/)
    await refusedBy(fetchWith('http://ula.test/', new WebPolicy(), async () => ['fd00::1']), 'the SSRF guard', /unique local/)
  })

  test('redirects are followed by hand and each target checked again', async () => {
    await refusedBy(fetchWith(`${origin}/to-metadata`), 'the SSRF guard', /169\.254\.169\.254/)
    await refusedBy(fetchWith(`${origin}/to-private`), 'the SSRF guard', /10\.0\.0\.1/)
    await refusedBy(fetchWith(`${origin}/to-localhost`), 'POLICY_WEB_FETCH_ALLOWED_HOSTS', /localhost is not an allowed host/)
    await refusedBy(fetchWith(`${origin}/to-mapped`), 'POLICY_WEB_FETCH_ALLOWED_HOSTS')
    const followed = await fetchWith(`${origin}/to-hello`)
    assert.deepEqual([followed.status, followed.redirects], [200, [`${origin}/hello`]])
  })

  test('the connection goes to the address the guard checked (the name is resolved once, by the guard)', async () => {
    const asked: string[] = []
    const page = await fetchWith(`http://pinned.test:${port}/hello`, local, async (name) => { asked.push(name); return ['127.0.0.1'] })
    assert.equal(page.body.toString(), 'hello from the test server')
    assert.deepEqual(asked, ['pinned.test'])
  })

  test('the body is cut at maxBytes; a silent server times out', async () => {
    const big = await guardedFetch(`${origin}/big`, { policy: local, timeoutMs: 10_000, maxBytes: 1000 })
    assert.deepEqual([big.body.length, big.truncated], [1000, true])
    await assert.rejects(guardedFetch(`${origin}/silent`, { policy: local, timeoutMs: 500, maxBytes: 1000 }), /no answer within 500 ms/)
  })
})
