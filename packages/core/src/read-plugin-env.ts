import envSchema from 'env-schema'
import type { Static, TSchema } from 'typebox'
import { LynkrConfigError } from './config-error.ts'

/**
 * Reads one plugin's slice of the environment: typed, defaulted, coerced, and nothing but its own keys.
 * `env: false` keeps embedders and tests hermetic (only `data` is read). env-schema mutates the schema it
 * is given, so it gets a copy.
 */
export function readPluginEnv<S extends TSchema> (schema: S, env: Record<string, string | undefined>, pluginId: string): Static<S> {
  const data: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') data[key] = value
  try {
    return envSchema<Static<S>>({ schema: structuredClone(schema) as object, data, env: false, dotenv: false })
  } catch (error) {
    throw new LynkrConfigError(`${pluginId}: ${describeEnvError(error as Error)}`)
  }
}

function describeEnvError (error: Error & { errors?: Array<{ instancePath?: string, message?: string, params?: Record<string, unknown> }> }): string {
  if (!Array.isArray(error.errors)) return error.message
  return error.errors.map((item) => {
    const variable = item.instancePath?.replace(/^\//, '') || String(item.params?.missingProperty ?? '')
    const allowed = Array.isArray(item.params?.allowedValues) ? `; valid values: ${(item.params.allowedValues as unknown[]).join(', ')}` : ''
    return `${variable} ${item.message ?? 'is invalid'}${allowed}`
  }).join('; ')
}
