// The baselines bench:footprint measures next to lynkr, started and sampled the same way: `node` is a bare
// Node HTTP server, `fastify` an empty Fastify app (the version lynkr uses, no logger), each answering
// GET /health/live on PORT. Plain JavaScript so the measured process needs no loader.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'

const port = Number(process.env.PORT)
if (process.argv[2] === 'fastify') {
  const require = createRequire(new URL('../../packages/lynkr/package.json', import.meta.url))
  const { default: Fastify } = await import(require.resolve('fastify'))
  const app = Fastify()
  app.get('/health/live', async () => ({ status: 'ok' }))
  await app.listen({ port, host: '127.0.0.1' })
} else {
  createServer((request, response) => {
    response.writeHead(request.url === '/health/live' ? 200 : 404, { 'content-type': 'application/json' })
    response.end('{"status":"ok"}')
  }).listen(port, '127.0.0.1')
}
process.once('SIGTERM', () => process.exit(0))
