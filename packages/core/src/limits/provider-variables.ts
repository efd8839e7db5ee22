import { Type } from 'typebox'
import type { TInteger, TOptional } from 'typebox'
import { limitsFromEnv } from './model-limits.ts'
import type { ModelLimits } from './model-limits.ts'

/** Ten minutes: long agent turns on slow local models must not be cut. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000

export type TimeoutVariable<P extends string> = { [K in `${P}_TIMEOUT_MS`]: TInteger }
export type LimitVariables<P extends string> = { [K in `${P}_MAX_OUTPUT_TOKENS` | `${P}_CONTEXT_WINDOW`]: TOptional<TInteger> } & TimeoutVariable<P>

/** `<PREFIX>_TIMEOUT_MS`, for a provider's env schema. */
export function timeoutVariable<P extends string> (prefix: P): TimeoutVariable<P> {
  return {
    [`${prefix}_TIMEOUT_MS`]: Type.Integer({ default: DEFAULT_UPSTREAM_TIMEOUT_MS, minimum: 1000, description: 'how long the upstream may take to start answering (response headers), in ms' })
  } as TimeoutVariable<P>
}

/** `<PREFIX>_MAX_OUTPUT_TOKENS`, `<PREFIX>_CONTEXT_WINDOW` and `<PREFIX>_TIMEOUT_MS`, for a provider's env schema. */
export function limitVariables<P extends string> (prefix: P): LimitVariables<P> {
  return {
    [`${prefix}_MAX_OUTPUT_TOKENS`]: Type.Optional(Type.Integer({ minimum: 1, description: "the model's output cap: larger max_tokens are lowered to it (overrides the built-in table)" })),
    [`${prefix}_CONTEXT_WINDOW`]: Type.Optional(Type.Integer({ minimum: 1024, description: "the model's context window in tokens: longer prompts get \"prompt is too long\" (overrides the built-in table)" })),
    ...timeoutVariable(prefix)
  } as LimitVariables<P>
}

/** What `limitVariables(prefix)` read from the environment, as adapter options. */
export function limitOptions (env: object, prefix: string): { limits: ModelLimits | undefined, timeoutMs: number } {
  const values = env as Record<string, number | undefined>
  return {
    limits: limitsFromEnv(values[`${prefix}_MAX_OUTPUT_TOKENS`], values[`${prefix}_CONTEXT_WINDOW`]),
    timeoutMs: values[`${prefix}_TIMEOUT_MS`] ?? DEFAULT_UPSTREAM_TIMEOUT_MS
  }
}
