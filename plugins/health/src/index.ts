import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type {} from '@lynkr/core'
import { probeProvider } from './probe-providers.ts'
import type { ProbeResult } from './probe-providers.ts'

export interface HealthOptions {
  /** Re-probe providers this often in the background (0 = only at boot and on ?deep=true). */
  probeIntervalMs: number
  probeTimeoutMs: number
}

async function health (app: FastifyInstance, options: HealthOptions): Promise<void> {
  const last = new Map<string, ProbeResult>()
  let timer: NodeJS.Timeout | undefined

  async function probeAll (): Promise<ProbeResult[]> {
    const results = await Promise.all(app.lynkr.providers.list().map((adapter) => probeProvider(adapter, options.probeTimeoutMs)))
    for (const result of results) {
      const before = last.get(result.provider)
      last.set(result.provider, result)
      if (!result.ok && before?.ok !== false) app.log.warn(`provider ${result.provider} is not ready: ${result.detail}`)
      else if (result.ok && before?.ok === false) app.log.info(`provider ${result.provider} is ready again: ${result.detail}`)
    }
    return results
  }

  function report (results: ProbeResult[]) {
    const defaultProvider = app.lynkr.routing.defaultProvider
    const blocking = results.find((result) => result.provider === defaultProvider && !result.ok)
    return {
      status: blocking ? 'unavailable' : 'ready',
      defaultProvider,
      routing: app.lynkr.routing.strategyName,
      plugins: app.lynkr.plugins,
      providers: Object.fromEntries(results.map(({ provider, ...rest }) => [provider, rest])),
      notes: app.lynkr.notes
    }
  }

  app.get('/health/live', async () => ({ status: 'ok' }))

  app.get<{ Querystring: { deep?: string } }>('/health/ready', async (request, reply) => {
    const deep = request.query.deep === 'true' || request.query.deep === '1'
    const results = deep ? await probeAll() : [...last.values()]
    const body = report(results)
    return reply.code(body.status === 'ready' ? 200 : 503).send(body)
  })

  // The boot log says plainly what is unreachable: probe once when the server is ready, then periodically.
  app.addHook('onReady', async () => {
    void probeAll()
    if (options.probeIntervalMs > 0) {
      timer = setInterval(() => { void probeAll() }, options.probeIntervalMs)
      timer.unref()
    }
  })
  app.addHook('onClose', async () => { if (timer) clearInterval(timer) })
}

export default fp(health, { name: '@lynkr/health', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'ops',
  env: Type.Object({
    HEALTH_PROBE_INTERVAL_MS: Type.Integer({ default: 30000, minimum: 0 }),
    HEALTH_PROBE_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100 })
  }),
  toOptions: (env): HealthOptions => ({ probeIntervalMs: env.HEALTH_PROBE_INTERVAL_MS, probeTimeoutMs: env.HEALTH_PROBE_TIMEOUT_MS })
})
