import type { ChatRequest, ProviderAdapter } from '@lynkr/protocol'
import { LynkrError, definedFields } from '@lynkr/protocol'
import { countRequestTokens } from '../tokens/count-tokens.ts'

/** What one upstream model accepts. Either field may be unknown. */
export interface ModelLimits {
  /** Input + output tokens the model can attend to. */
  contextWindow?: number
  /** The largest `max_tokens` the upstream accepts for this model. */
  maxOutputTokens?: number
  /**
   * The least room for the answer a prompt must leave in the window (default 1024, or the request's own
   * `max_tokens` when smaller): a prompt that leaves less is "too long", so Claude Code compacts instead of
   * getting an answer cut after a few tokens.
   */
  minOutputTokens?: number
  /**
   * Tokens the upstream's chat template adds around the prompt that the count does not see (role markers,
   * the tool-calling preamble of a local model's template): kept free of both prompt and answer, so the two
   * together never overrun a window an upstream like Ollama would otherwise shift or cut without a word.
   */
  templateTokens?: number
}

/** A small per-provider table: the first entry whose pattern matches the model id wins. */
export type ModelLimitsTable = ReadonlyArray<readonly [RegExp, ModelLimits]>

export function lookupModelLimits (table: ModelLimitsTable, model: string): ModelLimits | undefined {
  for (const [pattern, limits] of table) if (pattern.test(model)) return limits
  return undefined
}

/** Thinking budgets must stay >= 1024 and below max_tokens (Anthropic, Bedrock and Vertex Claude reject otherwise). */
const MIN_THINKING_BUDGET = 1024

/** What every current model accepts as max_tokens, for one whose output cap is not known. */
const DEFAULT_OUTPUT_BUDGET = 4096

/** The answer room a prompt must leave unless `minOutputTokens` says otherwise (a tool call or a short reply fits). */
export const DEFAULT_MIN_OUTPUT_TOKENS = 1024

/**
 * For upstreams that require max_tokens (Anthropic Messages, Bedrock): a client that left it unset (OpenAI
 * clients may; it is 0 inside the gateway) gets the model's output cap, or 4096 when that is not known.
 */
export function withOutputBudget (request: ChatRequest, limits: ModelLimits | undefined): ChatRequest {
  if (request.max_tokens > 0) return request
  return { ...request, max_tokens: limits?.maxOutputTokens ?? DEFAULT_OUTPUT_BUDGET }
}

/**
 * Fits a request to its target model before it is sent (issue: Claude Code asks for up to 128000
 * output tokens and assumes a 200K window):
 * - `max_tokens` is clamped to the model's output cap, and to what is left of the window after the prompt;
 * - a prompt that leaves less than the minimum answer room (`minOutputTokens`) becomes an Anthropic
 *   `invalid_request_error` whose message contains "prompt is too long", the wording Claude Code compacts on.
 * An unset `max_tokens` (0) stays unset: the upstream's default then applies.
 * The exact (tokenizer) count only runs when a cheap character-based upper bound says the prompt might not fit.
 */
export async function applyModelLimits (request: ChatRequest, limits: ModelLimits | undefined, provider: string): Promise<ChatRequest> {
  if (limits === undefined) return request
  let maxTokens = request.max_tokens
  if (limits.maxOutputTokens !== undefined && maxTokens > limits.maxOutputTokens) maxTokens = limits.maxOutputTokens
  const window = limits.contextWindow
  if (window !== undefined) {
    const template = limits.templateTokens ?? 0
    const prompt = await ensurePromptFits(request, window, provider, maxTokens, outputFloor(limits, maxTokens), template)
    if (prompt !== undefined && maxTokens > 0) maxTokens = Math.max(1, Math.min(maxTokens, window - template - prompt))
  }
  return withMaxTokens(request, maxTokens)
}

/** The answer room a request needs: the minimum, or less when it asks for less (titles, token counts). */
export function outputFloor (limits: ModelLimits | undefined, maxTokens: number): number {
  const minimum = limits?.minOutputTokens ?? DEFAULT_MIN_OUTPUT_TOKENS
  return Math.max(1, maxTokens > 0 ? Math.min(maxTokens, minimum) : minimum)
}

/**
 * Refuses with "prompt is too long" a prompt that leaves the answer less than `minOutput` tokens of the
 * window (Claude Code then compacts; an upstream like Ollama would instead drop part of the prompt without a
 * word, and a clamp to a few tokens would cut the answer). `template` tokens of the window are the chat
 * template's. Counts only when a cheap upper bound plus `reserve` says it might not fit, and then returns the count.
 */
export async function ensurePromptFits (request: ChatRequest, window: number, provider: string, reserve = 0, minOutput = 1, template = 0): Promise<number | undefined> {
  if (cheapUpperBound(request) + Math.max(reserve, minOutput) + template <= window) return undefined
  const prompt = await countRequestTokens(request)
  const room = window - minOutput - template
  if (prompt > room) {
    const kept = (template > 0 ? `, ${template} for the chat template` : '') + (minOutput > 1 ? `, ${minOutput} kept for the answer` : '')
    throw new LynkrError('context_length_exceeded', `prompt is too long: ${prompt} tokens > ${room} maximum (${provider} model ${request.model}: ${window}-token window${kept})`, {
      status: 400, provider, retryable: false, code: 'LYNKR_CONTEXT_WINDOW'
    })
  }
  return prompt
}

/** The request with a lower `max_tokens`; a thinking budget that no longer fits below it shrinks or goes. */
export function withMaxTokens (request: ChatRequest, maxTokens: number): ChatRequest {
  if (maxTokens === request.max_tokens) return request
  const clamped: ChatRequest = { ...request, max_tokens: maxTokens }
  const thinking = request.thinking
  if (thinking?.type === 'enabled' && thinking.budget_tokens >= maxTokens) {
    const budget = maxTokens - 1
    if (budget >= MIN_THINKING_BUDGET) clamped.thinking = { ...thinking, budget_tokens: budget }
    else delete clamped.thinking
  }
  return clamped
}

/**
 * Never below the real count for text (no tokenizer yields fewer than one token per two characters of
 * JSON-escaped prompt text in practice); images and PDFs are counted by their base64 size, which only
 * over-estimates.
 */
function cheapUpperBound (request: ChatRequest): number {
  let chars = 0
  for (const block of request.system ?? []) chars += block.text.length
  for (const message of request.messages) chars += JSON.stringify(message.content).length
  if (request.tools !== undefined) chars += JSON.stringify(request.tools).length
  return Math.ceil(chars / 2) + request.messages.length * 8
}

/** A provider's `*_MAX_OUTPUT_TOKENS` / `*_CONTEXT_WINDOW` variables, which override its built-in table. */
export function limitsFromEnv (maxOutputTokens: number | undefined, contextWindow: number | undefined, minOutputTokens?: number): ModelLimits | undefined {
  if (maxOutputTokens === undefined && contextWindow === undefined && minOutputTokens === undefined) return undefined
  return {
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(minOutputTokens === undefined ? {} : { minOutputTokens })
  }
}

/**
 * Wraps an adapter (e.g. an OpenAI-compatible preset) so every call is fitted to its model first; its
 * capabilities state the same limits.
 */
export function withModelLimits (adapter: ProviderAdapter, limitsFor: (model: string) => ModelLimits | undefined): ProviderAdapter {
  return {
    ...adapter,
    capabilities: (model) => {
      const limits = limitsFor(model)
      return { ...adapter.capabilities?.(model), ...(limits === undefined ? {} : definedFields({ contextWindow: limits.contextWindow, maxOutputTokens: limits.maxOutputTokens })) }
    },
    chat: async (request, context) => await adapter.chat(await applyModelLimits(request, limitsFor(request.model), adapter.id), context),
    chatStream: async (request, context) => await adapter.chatStream(await applyModelLimits(request, limitsFor(request.model), adapter.id), context)
  }
}
