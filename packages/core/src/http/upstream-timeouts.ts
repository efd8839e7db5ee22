import { LynkrConfigError } from '../config-error.ts'

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * The TCP/TLS connect timeout for a provider's UpstreamClient: `<PROVIDER>_CONNECT_TIMEOUT_MS`, else
 * `UPSTREAM_CONNECT_TIMEOUT_MS`, else 10 s. (First-byte and idle timeouts are applied around every call by
 * the router plugin, so providers need not handle them.)
 */
export function connectTimeoutFor (env: Record<string, string | undefined>, provider: string): number {
  const prefix = provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
  for (const name of [`${prefix}_CONNECT_TIMEOUT_MS`, 'UPSTREAM_CONNECT_TIMEOUT_MS']) {
    const text = env[name]?.trim()
    if (text === undefined || text === '') continue
    const value = Number(text)
    if (!Number.isInteger(value) || value < 10) throw new LynkrConfigError(`${name}="${text}" must be a number of milliseconds (at least 10)`, name)
    return value
  }
  return DEFAULT_CONNECT_TIMEOUT_MS
}
