import type { ChatRequest } from '@lynkr/protocol'
import type { OpenAIChatBody } from './openai-chat-types.ts'

/** OpenAI reasoning models (and Azure deployments named after them): o-series and gpt-5. */
export function looksLikeReasoningModel (deployment: string): boolean {
  return /(?:^|[^a-z0-9])(?:o[134](?:-mini|-pro)?|gpt-5(?!-chat))(?:$|[^a-z0-9])/i.test(deployment) || /^o\d/i.test(deployment)
}

/**
 * DeepSeek models that reason, by name wherever they are served: `deepseek-reasoner`, R1 (and its distills),
 * the hybrid V3.1+/V4 models (`deepseek/deepseek-v3.2`, Foundry's `DeepSeek-V3.1`, Fireworks' `deepseek-v3p1`).
 * In thinking mode DeepSeek rejects an assistant tool-call turn without its `reasoning_content` (400
 * "Missing `reasoning_content` field"), so every OpenAI-format upstream echoes it for these models.
 */
export function isDeepSeekReasoningModel (model: string): boolean {
  return /deepseek.*(?:reasoner|r1|v3(?:[.-]|p)?[1-9]|v[4-9]|think)/i.test(model)
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
