import { LynkrConfigError } from '../config-error.ts'

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * The TCP/TLS connect timeout for a provider's UpstreamClient: `<PROVIDER>_CONNECT_TIMEOUT_MS`, else
 * `UPSTREAM_CONNECT_TIMEOUT_MS`, else 10 s. (First-byte and idle timeouts are applied around every call by
 * the router plugin, so providers need not handle them.)
 */
export function connectTimeoutFor (env: Record<string, string | undefined>, provider: string): number {
  return readMillisecondsVariable(env, `${providerEnvPrefix(provider)}_CONNECT_TIMEOUT_MS`) ??
    readMillisecondsVariable(env, 'UPSTREAM_CONNECT_TIMEOUT_MS') ??
    DEFAULT_CONNECT_TIMEOUT_MS
}

/** The variable prefix of a provider id: `azure-anthropic` → `AZURE_ANTHROPIC`. */
export function providerEnvPrefix (provider: string): string {
  return provider.toUpperCase().replace(/[^A-Z0-9]+/g, '_')
}

/** A per-provider duration variable: undefined when unset, a config error when not a whole number ≥ 10. */
export function readMillisecondsVariable (env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name]?.trim()
  if (text === undefined || text === '') return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 10) throw new LynkrConfigError(`${name}="${text}" must be a number of milliseconds (at least 10)`, name)
  return value
}
