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
  const problems = describeEnvErrors([...Value.Errors(schema, value)] as EnvError[], data)
  throw new LynkrConfigError(`${pluginId}: ${problems.map((problem) => problem.text).join('; ')}`, problems[0]?.variable)
}

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|AUTH|CREDENTIAL/i

const TYPE_WORDS: Record<string, string> = { integer: 'an integer (a whole number)', number: 'a number', boolean: 'a boolean (true or false)', string: 'a string' }

/**
 * One line per variable, with the value given: `MEMORY_INJECTION_FORMAT="weird": valid values: plain, system`
 * rather than TypeBox's one error per union member ("must be equal to constant" four times).
 */
function describeEnvErrors (errors: EnvError[], given: Record<string, string>): Array<{ variable: string | undefined, text: string }> {
  const byVariable = new Map<string, EnvError[]>()
  const required: string[] = []
  for (const item of errors) {
    const names = item.params?.requiredProperties
    if (Array.isArray(names)) { required.push(...names as string[]); continue }
    const variable = item.instancePath?.replace(/^\//, '') ?? ''
    byVariable.set(variable, [...byVariable.get(variable) ?? [], item])
  }
  const problems = [...byVariable].map(([variable, items]) => {
    // The value helps spot a typo; a credential's is never echoed into logs.
    const shown = given[variable] === undefined || SECRET_NAME.test(variable) ? variable : `${variable}="${given[variable]}"`
    const allowed = items.flatMap((item) => Array.isArray(item.params?.allowedValues) ? item.params.allowedValues as unknown[] : 'allowedValue' in (item.params ?? {}) ? [item.params!.allowedValue] : [])
    if (allowed.length > 0) return { variable, text: `${shown} is not allowed; valid values: ${allowed.join(', ')}` }
    const first = items[0]!
    const type = typeof first.params?.type === 'string' ? TYPE_WORDS[first.params.type] : undefined
    return { variable, text: `${shown} ${type === undefined ? first.message ?? 'is invalid' : `must be ${type}`}` }
  })
  if (required.length > 0) problems.unshift({ variable: required[0]!, text: `${required.join(', ')} ${required.length === 1 ? 'is' : 'are'} required` })
  return problems
}
