import { createHash } from 'node:crypto'
import type { ChatRequest, PipelineStep } from '@lynkr/protocol'
import { placeBreakpoints } from './breakpoints.ts'

export interface PromptCacheStepOptions {
  /** How long a local server keeps the model (and its KV cache) loaded between turns (Ollama `keep_alive`). */
  keepAlive?: string
}

/** A session's prompt-cache key: stable, short (OpenAI takes up to 64 characters) and not the session id itself. */
export function promptCacheKey (sessionId: string): string {
  return `lynkr-${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}`
}

/**
 * Provider prompt caching for every client, by what the provider does with the model: breakpoints where the
 * client placed none (Anthropic's format, Bedrock's cache points, OpenRouter's Claude), a per-session cache key
 * and keep-alive where the upstream caches prefixes by itself. Runs last (stage `prompt-cache`), after lynkr's
 * own automatic-breakpoint step, on the request as every other step left it.
 */
export function promptCacheStep (options: PromptCacheStepOptions = {}): PipelineStep {
  return {
    name: 'prompt-cache',
    stage: 'prompt-cache',
    optional: true,
    run: (request, context): ChatRequest => {
      const { promptCache, local } = context.capabilities
      if (promptCache === 'anthropic-breakpoints' || promptCache === 'bedrock-cache-points') return placeBreakpoints(request)
      if (promptCache !== 'automatic-prefix' || request.promptCacheHint !== undefined) return request
      const keepAlive = local === true ? options.keepAlive : undefined
      return { ...request, promptCacheHint: { key: promptCacheKey(context.session.id), ...(keepAlive === undefined ? {} : { keepAlive }) } }
    }
  }
}
