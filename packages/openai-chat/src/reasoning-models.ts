import type { ChatRequest } from '@lynkr/protocol'
import type { OpenAIChatBody } from './openai-chat-types.ts'

/** OpenAI reasoning models (and Azure deployments named after them): o-series and gpt-5. */
export function looksLikeReasoningModel (deployment: string): boolean {
  return /(?:^|[^a-z0-9])(?:o[134](?:-mini|-pro)?|gpt-5(?!-chat))(?:$|[^a-z0-9])/i.test(deployment) || /^o\d/i.test(deployment)
}

function effortFor (request: ChatRequest): 'low' | 'medium' | 'high' | undefined {
  if (request.effort !== undefined) return request.effort === 'low' || request.effort === 'medium' ? request.effort : 'high'
  const thinking = request.thinking
  if (thinking?.type === 'enabled') return thinking.budget_tokens < 4096 ? 'low' : thinking.budget_tokens < 16384 ? 'medium' : 'high'
  if (thinking?.type === 'adaptive') return 'medium'
  return undefined
}

/**
 * Reasoning deployments reject `max_tokens` and sampling parameters: they get `max_completion_tokens`,
 * no temperature/top_p, and `reasoning_effort` from the request's thinking or effort.
 */
export function reasoningBody (body: OpenAIChatBody, request: ChatRequest): OpenAIChatBody {
  const { max_tokens: maxTokens, temperature: _t, top_p: _p, top_k: _k, ...rest } = body
  const out: OpenAIChatBody = { ...rest }
  if (maxTokens !== undefined) out.max_completion_tokens = maxTokens
  const effort = effortFor(request)
  if (effort !== undefined) out.reasoning_effort = effort
  return out
}
