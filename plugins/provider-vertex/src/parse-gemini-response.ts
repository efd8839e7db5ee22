import type { StopReason, UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { generateId } from '@lynkr/core'
import { GEMINI_SIGNATURE_PREFIX } from './to-gemini-request.ts'

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Gemini finishReason → Anthropic stop_reason; tool_use is decided from the calls streamed. */
export function mapGeminiFinishReason (reason: unknown): StopReason | null {
  switch (reason) {
    case 'STOP': return 'end_turn'
    case 'MAX_TOKENS': return 'max_tokens'
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY': return 'refusal'
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'OTHER':
    case 'LANGUAGE': return 'end_turn'
    default: return null
  }
}

/**
 * usageMetadata → Anthropic semantics: promptTokenCount INCLUDES cached content, so cached tokens are
 * subtracted from input; output includes thinking (thoughtsTokenCount), as Anthropic's does.
 */
export function fromGeminiUsage (metadata: unknown): Partial<Usage> | undefined {
  if (!isObject(metadata)) return undefined
  const prompt = typeof metadata.promptTokenCount === 'number' ? metadata.promptTokenCount : undefined
  const cached = typeof metadata.cachedContentTokenCount === 'number' ? metadata.cachedContentTokenCount : 0
  const candidates = typeof metadata.candidatesTokenCount === 'number' ? metadata.candidatesTokenCount : 0
  const thoughts = typeof metadata.thoughtsTokenCount === 'number' ? metadata.thoughtsTokenCount : 0
  const usage: Partial<Usage> = { output_tokens: candidates + thoughts, cache_read_input_tokens: cached }
  if (prompt !== undefined) usage.input_tokens = Math.max(0, prompt - cached)
  if (thoughts > 0) usage.reasoning_tokens = thoughts
  return usage
}

/**
 * One GenerateContentResponse (a whole reply, or one SSE chunk of a stream) → parts. Function calls
 * arrive whole; Gemini usually sends no call id, so one is generated in the shape Claude Code expects.
 * A `thoughtSignature` becomes the signature of a thinking block placed just before the part it rode on.
 */
export function geminiChunkToParts (chunk: Json): UpstreamPart[] {
  const parts: UpstreamPart[] = []
  if (isObject(chunk.error)) {
    const error = chunk.error
    parts.push({ type: 'error', error: new LynkrError('api_error', `vertex upstream error: ${String(error.message ?? 'unknown')}`, { status: 502, provider: 'vertex', upstreamBody: chunk }) })
    return parts
  }
  const candidate = Array.isArray(chunk.candidates) && isObject(chunk.candidates[0]) ? chunk.candidates[0] : undefined
  const content = candidate !== undefined && isObject(candidate.content) ? candidate.content : undefined
  for (const part of Array.isArray(content?.parts) ? content.parts : []) {
    if (!isObject(part)) continue
    if (part.thought === true) {
      if (typeof part.text === 'string' && part.text !== '') parts.push({ type: 'reasoning-delta', text: part.text })
      if (typeof part.thoughtSignature === 'string') parts.push({ type: 'reasoning-signature', signature: GEMINI_SIGNATURE_PREFIX + part.thoughtSignature })
      continue
    }
    if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
      parts.push({ type: 'reasoning-signature', signature: GEMINI_SIGNATURE_PREFIX + part.thoughtSignature })
    }
    if (typeof part.text === 'string') {
      if (part.text !== '') parts.push({ type: 'text-delta', text: part.text })
    } else if (isObject(part.functionCall)) {
      const call = part.functionCall
      parts.push({ type: 'tool-call', id: typeof call.id === 'string' && /^[a-zA-Z0-9_-]+$/.test(call.id) ? call.id : generateId('toolu_'), name: String(call.name ?? ''), input: isObject(call.args) ? call.args : {} })
    }
  }
  const usage = fromGeminiUsage(chunk.usageMetadata)
  if (usage !== undefined) parts.push({ type: 'usage', usage })
  const blocked = isObject(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string'
  if (candidate?.finishReason !== undefined || blocked) {
    parts.push({ type: 'finish', reason: blocked && candidate === undefined ? 'refusal' : mapGeminiFinishReason(candidate?.finishReason) })
  }
  return parts
}
