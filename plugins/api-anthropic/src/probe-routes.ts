import type { FastifyInstance } from 'fastify'

/** Claude Code probes the base URL (`HEAD /`, `HEAD /api/hello`) before its first request; HEAD is derived from GET. */
export async function probeRoutes (app: FastifyInstance): Promise<void> {
  const hello = async () => ({ name: 'lynkr', status: 'ok' })
  if (!app.hasRoute({ method: 'GET', url: app.prefix === '' ? '/' : app.prefix })) app.get('/', hello)
  app.get('/api/hello', hello)
}
