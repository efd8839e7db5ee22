import type { Static, TObject, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { LynkrConfigError } from './config-error.ts'

interface EnvError { instancePath?: string, message?: string, params?: Record<string, unknown> }

/**
 * Reads one plugin's slice of the environment: typed, defaulted, coerced, and nothing but its own keys.
 * Only `env` is read (never process.env), which keeps embedders and tests hermetic. TypeBox's own value
 * functions rather than an Ajv-based reader: compiling a validator per plugin cost a third of the boot.
 */
export function readPluginEnv<S extends TSchema> (schema: S, env: Record<string, string | undefined>, pluginId: string): Static<S> {
  const data: Record<string, string> = {}
  for (const key of Object.keys((schema as unknown as TObject).properties ?? {})) {
    const value = env[key]
    if (value !== undefined && value !== '') data[key] = value
  }
  const value = Value.Convert(schema, Value.Default(schema, data))
  if (Value.Check(schema, value)) return value as Static<S>
  throw new LynkrConfigError(`${pluginId}: ${describeEnvErrors([...Value.Errors(schema, value)] as EnvError[])}`)
}

function describeEnvErrors (errors: EnvError[]): string {
  return errors.map((item) => {
    const required = item.params?.requiredProperties
    if (Array.isArray(required)) return `${required.join(', ')} ${required.length === 1 ? 'is' : 'are'} required`
    const variable = item.instancePath?.replace(/^\//, '') ?? ''
    const allowed = Array.isArray(item.params?.allowedValues) ? `; valid values: ${(item.params.allowedValues as unknown[]).join(', ')}` : ''
    return `${variable} ${item.message ?? 'is invalid'}${allowed}`
  }).join('; ')
}
