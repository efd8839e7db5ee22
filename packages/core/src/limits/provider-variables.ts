import { Type } from 'typebox'
import type { TInteger, TOptional } from 'typebox'
import { DEFAULT_MIN_OUTPUT_TOKENS, limitsFromEnv } from './model-limits.ts'
import type { ModelLimits } from './model-limits.ts'

/** Ten minutes: long agent turns on slow local models must not be cut. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 600_000

export type TimeoutVariable<P extends string> = { [K in `${P}_TIMEOUT_MS`]: TInteger }
export type MinOutputVariable<P extends string> = { [K in `${P}_MIN_OUTPUT_TOKENS`]: TOptional<TInteger> }
export type LimitVariables<P extends string> = { [K in `${P}_MAX_OUTPUT_TOKENS` | `${P}_CONTEXT_WINDOW`]: TOptional<TInteger> } & MinOutputVariable<P> & TimeoutVariable<P>

/** `<PREFIX>_TIMEOUT_MS`, for a provider's env schema. */
export function timeoutVariable<P extends string> (prefix: P): TimeoutVariable<P> {
  return {
    [`${prefix}_TIMEOUT_MS`]: Type.Integer({ default: DEFAULT_UPSTREAM_TIMEOUT_MS, minimum: 1000, description: 'how long the upstream may take to start answering (response headers), in ms' })
  } as TimeoutVariable<P>
}

/** `<PREFIX>_MIN_OUTPUT_TOKENS`: the answer room a prompt must leave in the window. */
export function minOutputVariable<P extends string> (prefix: P): MinOutputVariable<P> {
  return {
    [`${prefix}_MIN_OUTPUT_TOKENS`]: Type.Optional(Type.Integer({ minimum: 1, description: `the least room for the answer a prompt must leave in the window, else "prompt is too long" (default ${DEFAULT_MIN_OUTPUT_TOKENS}, or the request's smaller max_tokens)` }))
  } as MinOutputVariable<P>
}

/** `<PREFIX>_MAX_OUTPUT_TOKENS`, `_CONTEXT_WINDOW`, `_MIN_OUTPUT_TOKENS` and `_TIMEOUT_MS`, for a provider's env schema. */
export function limitVariables<P extends string> (prefix: P): LimitVariables<P> {
  return {
    [`${prefix}_MAX_OUTPUT_TOKENS`]: Type.Optional(Type.Integer({ minimum: 1, description: "the model's output cap: larger max_tokens are lowered to it (overrides the built-in table)" })),
    [`${prefix}_CONTEXT_WINDOW`]: Type.Optional(Type.Integer({ minimum: 1024, description: "the model's context window in tokens: longer prompts get \"prompt is too long\" (overrides the built-in table)" })),
    ...minOutputVariable(prefix),
    ...timeoutVariable(prefix)
  } as LimitVariables<P>
}

/** What `limitVariables(prefix)` read from the environment, as adapter options. */
export function limitOptions (env: object, prefix: string): { limits: ModelLimits | undefined, timeoutMs: number } {
  const values = env as Record<string, number | undefined>
  return {
    limits: limitsFromEnv(values[`${prefix}_MAX_OUTPUT_TOKENS`], values[`${prefix}_CONTEXT_WINDOW`], values[`${prefix}_MIN_OUTPUT_TOKENS`]),
    timeoutMs: values[`${prefix}_TIMEOUT_MS`] ?? DEFAULT_UPSTREAM_TIMEOUT_MS
  }
}
