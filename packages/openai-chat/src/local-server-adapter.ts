import type { ProviderAdapter } from '@lynkr/protocol'
import { withModelLimits } from '@lynkr/core'
import { inlineMarkupFor } from '@lynkr/inline-markup'
import type { ModelLimits, UpstreamClient } from '@lynkr/core'
import { createOpenAICompatibleAdapter } from './openai-compatible-adapter.ts'
import type { OpenAIRequestQuirks } from './to-openai-request.ts'
import { modelLimitsResolver } from './known-model-limits.ts'

export interface LocalServerOptions {
  chatUrl: string
  model: string
  apiKey?: string
  limits?: ModelLimits
}

/**
 * The shape every local OpenAI-compatible server shares (llama.cpp, LM Studio): an optional Bearer key,
 * tools always sent, tool calls and `<think>` a model prints as text recovered, and limits only from the
 * provider's own variables (local model names say nothing about their window).
 */
export function createLocalServerAdapter (id: string, quirks: OpenAIRequestQuirks, options: LocalServerOptions, client: UpstreamClient): ProviderAdapter {
  return withModelLimits(createOpenAICompatibleAdapter({
    id,
    chatUrl: options.chatUrl,
    model: options.model,
    headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    quirks,
    partTransforms: (request) => [inlineMarkupFor(request)],
    client
  }), modelLimitsResolver(options.limits, []))
}
