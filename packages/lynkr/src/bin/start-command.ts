import type { FastifyInstance } from 'fastify'
import { buildServer } from '../server.ts'
import { listenAddress, listenError } from './cli-env.ts'
import { collectWhenQuiet } from './idle-collector.ts'
import { terminalLogger } from './terminal-logger.ts'
import { version } from './version.ts'

/** `lynkr start`: listen until SIGTERM/SIGINT, then let in-flight streams finish (SHUTDOWN_GRACE_MS). */
export async function startCommand (options: { port?: string, host?: string }): Promise<void> {
  const { port, host } = listenAddress(options, process.env)
  const app = await buildServer({ env: process.env, logger: await terminalLogger(process.env) })
  collectWhenQuiet(app)
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info(`${signal} received, closing`)
    // In-flight streams get SHUTDOWN_GRACE_MS (preClose in core); this is the backstop after it.
    const deadline = setTimeout(() => { app.log.warn('shutdown deadline passed, exiting'); process.exit(1) }, app.lynkr.shutdownGraceMs + 5_000)
    deadline.unref()
    app.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))

  try {
    await app.listen({ port, host })
  } catch (error) {
    await app.close().catch(() => {})
    throw listenError(error, { port, host })
  }
  app.log.info(`lynkr ${version()} listening on http://${host}:${boundPort(app)} (${app.lynkr.routing.describe()}; plugins: ${app.lynkr.plugins.join(', ')})`)
}

export function boundPort (app: FastifyInstance): number {
  return (app.server.address() as { port: number }).port
}
