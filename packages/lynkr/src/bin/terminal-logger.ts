import { LynkrConfigError } from '@lynkr/core'

/** Fields the pretty request line already says in words. */
const SAID_IN_THE_LINE = 'pid,hostname,reqId,statusCode,responseTime,provider,model,tier,outcome,usage,costUsd'

/**
 * pino options for `lynkr start`: one readable line per event on a terminal, JSON lines otherwise (for log
 * collectors). LOG_FORMAT=pretty|json overrides the guess. pino-pretty is loaded only when used.
 */
export async function terminalLogger (env: Record<string, string | undefined>, isTTY = process.stdout.isTTY === true): Promise<Record<string, unknown>> {
  const level = env.LOG_LEVEL ?? 'info'
  const format = env.LOG_FORMAT?.trim().toLowerCase() || (isTTY ? 'pretty' : 'json')
  if (format === 'json') return { level }
  if (format !== 'pretty') throw new LynkrConfigError(`LOG_FORMAT="${env.LOG_FORMAT}" must be pretty or json`, 'LOG_FORMAT')
  const { default: pretty } = await import('pino-pretty')
  return { level, stream: pretty({ colorize: isTTY, translateTime: 'SYS:HH:MM:ss', ignore: SAID_IN_THE_LINE, singleLine: true, sync: true }) }
}
