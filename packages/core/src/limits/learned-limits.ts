import type { CallContext, ChatRequest, ProviderAdapter } from '@lynkr/protocol'
import { isLynkrError } from '@lynkr/protocol'
import { applyModelLimits, withMaxTokens } from './model-limits.ts'
import type { ModelLimits } from './model-limits.ts'

/** A limit an upstream named when it refused a request. */
export type StatedLimit =
  | { kind: 'output', maxOutputTokens: number }
  | { kind: 'window', contextWindow: number, promptTokens: number }

/** Output caps, as each upstream words its refusal of a too-large max_tokens. */
const OUTPUT_CAP_WORDINGS: RegExp[] = [
  /supports at most (\d+) completion tokens/i, // OpenAI
  /max_tokens: \d+ > (\d+), which is the maximum allowed number of output tokens/i, // Anthropic
  /maximum tokens you requested exceeds? the model limit of (\d+)/i, // Bedrock
  /range of max_tokens (?:is|should be) \[\s*1\s*,\s*(\d+)\s*\]/i // DeepSeek, Alibaba and other OpenAI-compatible APIs
]

/**
 * Reads the limit out of an upstream's refusal, or undefined when it names none. A window refusal counts
 * only when the prompt itself fit (then a smaller max_tokens succeeds); a prompt that does not fit stays
 * "prompt is too long", which makes Claude Code compact.
 */
export function statedLimit (message: string): StatedLimit | undefined {
  for (const wording of OUTPUT_CAP_WORDINGS) {
    const match = wording.exec(message)
    if (match !== null) return { kind: 'output', maxOutputTokens: Number(match[1]) }
  }
  // vLLM and other OpenAI-compatible servers: prompt and completion against the model's length.
  const vllm = /maximum context length is (\d+) tokens\. However, you requested \d+ tokens \((\d+) in the messages, \d+ in the completion\)/i.exec(message)
  if (vllm !== null) return { kind: 'window', contextWindow: Number(vllm[1]), promptTokens: Number(vllm[2]) }
  // Anthropic models (also on Bedrock and Vertex).
  const anthropic = /input length and `?max_tokens`? exceed context limit: (\d+) \+ \d+ > (\d+)/i.exec(message)
  if (anthropic !== null) return { kind: 'window', contextWindow: Number(anthropic[2]), promptTokens: Number(anthropic[1]) }
  return undefined
}

/** Models whose limits were learned, per provider; old entries go first past this. */
const MAX_LEARNED_MODELS = 256

/**
 * Fits requests to limits the upstream itself stated. A model missing from the built-in tables (or an
 * override variable) is refused when Claude Code asks for 128000 output tokens; the refusal names the cap,
 * so the call is retried once within it, and later calls to that model are fitted before they go.
 * Every provider's adapter is wrapped with this when it registers.
 */
export function withLearnedLimits (adapter: ProviderAdapter): ProviderAdapter {
  const learned = new Map<string, ModelLimits>()
  const remember = (model: string, limit: StatedLimit): void => {
    const known = learned.get(model) ?? {}
    learned.delete(model)
    if (limit.kind === 'output') learned.set(model, { ...known, maxOutputTokens: Math.min(limit.maxOutputTokens, known.maxOutputTokens ?? Infinity) })
    else learned.set(model, { ...known, contextWindow: limit.contextWindow })
    if (learned.size > MAX_LEARNED_MODELS) learned.delete(learned.keys().next().value!)
  }
  const call = async <T>(run: (request: ChatRequest, context: CallContext) => Promise<T>, request: ChatRequest, context: CallContext): Promise<T> => {
    const limits = learned.get(request.model)
    const fitted = limits === undefined ? request : await applyModelLimits(request, limits, adapter.id)
    try {
      return await run(fitted, context)
    } catch (error) {
      if (!isLynkrError(error) || error.status !== 400 || context.signal.aborted) throw error
      const limit = statedLimit(error.message)
      if (limit === undefined) throw error
      const maxTokens = limit.kind === 'output' ? limit.maxOutputTokens : limit.contextWindow - limit.promptTokens
      if (maxTokens < 1 || maxTokens >= fitted.max_tokens) throw error
      remember(fitted.model, limit)
      context.log.warn({ provider: adapter.id, model: fitted.model, limit, maxTokens }, `${adapter.id} refused max_tokens ${fitted.max_tokens} for ${fitted.model}; retrying with ${maxTokens} (set its *_MAX_OUTPUT_TOKENS / *_CONTEXT_WINDOW to skip the refusal)`)
      return await run(withMaxTokens(fitted, maxTokens), context)
    }
  }
  return {
    ...adapter,
    chat: async (request, context) => await call(async (r, c) => await adapter.chat(r, c), request, context),
    chatStream: async (request, context) => await call(async (r, c) => await adapter.chatStream(r, c), request, context)
  }
}
