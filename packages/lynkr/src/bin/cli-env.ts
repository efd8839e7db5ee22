import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { LynkrConfigError } from '@lynkr/core'

/** Loads `--env-file` or ./.env into process.env; variables already set in the environment win. */
export function loadEnvFile (option: string | undefined): void {
  const envFile = resolve(option ?? '.env')
  if (existsSync(envFile)) process.loadEnvFile(envFile)
  else if (option !== undefined) throw new LynkrConfigError(`--env-file ${envFile} does not exist`)
}

export interface ListenAddress { port: number, host: string }

/** Where `lynkr start` listens: --port/--host, else PORT/HOST, else 127.0.0.1:8081. */
export function listenAddress (options: { port?: string, host?: string }, env: Record<string, string | undefined>): ListenAddress {
  const text = options.port ?? env.PORT
  const port = Number(text ?? 8081)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LynkrConfigError(`PORT must be a port number, got "${text}"`, 'PORT')
  return { port, host: options.host ?? env.HOST ?? '127.0.0.1' }
}

/** A port lynkr cannot listen on is the user's setting to change, not a crash: one line naming PORT/HOST. */
export function listenError (error: unknown, { host, port }: ListenAddress): unknown {
  const code = (error as { code?: unknown }).code
  if (code === 'EADDRINUSE') return new LynkrConfigError(`port ${port} on ${host} is already in use (another lynkr, or the original Lynkr still running?): stop it, or set PORT to a free port`, 'PORT')
  if (code === 'EACCES') return new LynkrConfigError(`port ${port} on ${host} needs privileges this user lacks: set PORT to 1024 or above`, 'PORT')
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new LynkrConfigError(`HOST=${host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its interfaces' addresses`, 'HOST')
  return error
}

/** The address a local client dials for a listen address (a wildcard host is reached on loopback). */
export function dialUrl ({ host, port }: ListenAddress): string {
  const local = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`
}

/** What answers on the address: a lynkr, something else, or nothing. */
export async function whoListens (url: string): Promise<'lynkr' | 'other' | 'nothing'> {
  try {
    const response = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(3000) })
    const body = await response.text()
    return response.status === 200 && /"status"\s*:\s*"ok"/.test(body) ? 'lynkr' : 'other'
  } catch {
    return 'nothing'
  }
}
