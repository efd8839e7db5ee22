import { Type } from 'typebox'
import type { TInteger, TOptional } from 'typebox'
import type { ModelLimits } from './model-limits.ts'
import { DEFAULT_UPSTREAM_TIMEOUT_MS, minOutputVariable, timeoutVariable } from './provider-variables.ts'
import type { MinOutputVariable, TimeoutVariable } from './provider-variables.ts'

/**
 * The most output a local server is asked for by default: Claude Code asks 128000, and a local model looping
 * on its own output would otherwise run until the window is full.
 */
export const DEFAULT_LOCAL_MAX_OUTPUT_TOKENS = 16_384

export type LocalOutputCapVariable<P extends string> = { [K in `${P}_MAX_OUTPUT_TOKENS`]: TInteger }
export type LocalLimitVariables<P extends string> = LocalOutputCapVariable<P> & { [K in `${P}_CONTEXT_WINDOW`]: TOptional<TInteger> } & MinOutputVariable<P> & TimeoutVariable<P>

/** `<PREFIX>_MAX_OUTPUT_TOKENS` of a local server (Ollama, llama.cpp, LM Studio): always set, 16384 by default. */
export function localOutputCapVariable<P extends string> (prefix: P, what = 'max_tokens'): LocalOutputCapVariable<P> {
  return {
    [`${prefix}_MAX_OUTPUT_TOKENS`]: Type.Integer({ default: DEFAULT_LOCAL_MAX_OUTPUT_TOKENS, minimum: 1, description: `the most ${what} lynkr asks for (Claude Code asks 128000): a local model looping on its own output stops there; the prompt always leaves room for it or is refused` })
  } as LocalOutputCapVariable<P>
}

/** A local OpenAI-compatible server's `_MAX_OUTPUT_TOKENS` (capped by default), `_CONTEXT_WINDOW`, `_MIN_OUTPUT_TOKENS`, `_TIMEOUT_MS`. */
export function localLimitVariables<P extends string> (prefix: P): LocalLimitVariables<P> {
  return {
    ...localOutputCapVariable(prefix),
    [`${prefix}_CONTEXT_WINDOW`]: Type.Optional(Type.Integer({ minimum: 1024, description: "the server's context size in tokens: longer prompts get \"prompt is too long\", and the prompt, the chat template and max_tokens together stay inside it" })),
    ...minOutputVariable(prefix),
    ...timeoutVariable(prefix)
  } as LocalLimitVariables<P>
}

/**
 * Tokens a local model's chat template (role markers, the tool-calling preamble) adds to the prompt that
 * lynkr's count does not see: 2 % of the window, 128 to 512.
 */
export function chatTemplateReserve (contextWindow: number): number {
  return Math.min(512, Math.max(128, Math.ceil(contextWindow * 0.02)))
}

/**
 * The limits of a model served on the user's own machine: the output cap (never above the window), and, when
 * the window is known, the chat template's share of it. With these, `applyModelLimits` asks for
 * min(max_tokens, what the prompt and the template leave, the cap), so prompt plus answer always fit and the
 * server never shifts or cuts the prompt without a word.
 */
export function localWindowLimits (limits: { contextWindow?: number, maxOutputTokens?: number, minOutputTokens?: number }): ModelLimits {
  const { contextWindow, minOutputTokens } = limits
  const cap = limits.maxOutputTokens ?? contextWindow
  return {
    ...(contextWindow === undefined ? {} : { contextWindow, templateTokens: chatTemplateReserve(contextWindow) }),
    ...(cap === undefined ? {} : { maxOutputTokens: contextWindow === undefined ? cap : Math.min(cap, contextWindow) }),
    ...(minOutputTokens === undefined ? {} : { minOutputTokens })
  }
}

/** What `localLimitVariables(prefix)` read from the environment, as adapter options. */
export function localLimitOptions (env: object, prefix: string): { limits: ModelLimits, timeoutMs: number } {
  const values = env as Record<string, number | undefined>
  return {
    limits: localWindowLimits({ contextWindow: values[`${prefix}_CONTEXT_WINDOW`], maxOutputTokens: values[`${prefix}_MAX_OUTPUT_TOKENS`], minOutputTokens: values[`${prefix}_MIN_OUTPUT_TOKENS`] }),
    timeoutMs: values[`${prefix}_TIMEOUT_MS`] ?? DEFAULT_UPSTREAM_TIMEOUT_MS
  }
}
