import type { StopReason, UpstreamPart, Usage, WebSource, WebSupport } from '@lynkr/protocol'
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

const texts = (value: unknown): string[] => Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : []

/**
 * A candidate's `groundingMetadata` (Google Search grounding) → a `web-search` part: `webSearchQueries`, the
 * `groundingChunks[].web` pages ({uri, title}: Google's redirect URL and the site's domain), and the
 * `groundingSupports` whose `segment` offsets count UTF-8 bytes of the answer (`startIndex` is left out when 0,
 * as proto3 JSON omits zero values). Undefined when the candidate has none.
 */
export function groundingToPart (metadata: unknown): UpstreamPart | undefined {
  if (!isObject(metadata)) return undefined
  const queries = texts(metadata.webSearchQueries)
  const chunks = Array.isArray(metadata.groundingChunks) ? metadata.groundingChunks : []
  // Chunk indices stay aligned with Google's: a non-web chunk keeps its slot (as undefined) and is dropped below.
  const slots = chunks.map((chunk) => isObject(chunk) && isObject(chunk.web) && typeof chunk.web.uri === 'string'
    ? { url: chunk.web.uri, ...(typeof chunk.web.title === 'string' && chunk.web.title !== '' ? { title: chunk.web.title } : {}) }
    : undefined)
  const sources: WebSource[] = []
  const remap = slots.map((slot) => slot === undefined ? undefined : sources.push(slot) - 1)
  const supports: WebSupport[] = []
  for (const support of Array.isArray(metadata.groundingSupports) ? metadata.groundingSupports : []) {
    if (!isObject(support) || !isObject(support.segment)) continue
    const segment = support.segment
    const indices = Array.isArray(support.groundingChunkIndices) ? support.groundingChunkIndices : []
    const mapped = indices.map((index) => typeof index === 'number' ? remap[index] : undefined).filter((index): index is number => index !== undefined)
    if (mapped.length === 0 || typeof segment.endIndex !== 'number') continue
    supports.push({ start: typeof segment.startIndex === 'number' ? segment.startIndex : 0, end: segment.endIndex, unit: 'utf8', ...(typeof segment.text === 'string' ? { text: segment.text } : {}), sources: mapped })
  }
  if (queries.length === 0 && sources.length === 0) return undefined
  return { type: 'web-search', queries, sources, supports }
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
  const grounding = groundingToPart(candidate?.groundingMetadata)
  if (grounding !== undefined) parts.push(grounding)
  const usage = fromGeminiUsage(chunk.usageMetadata)
  if (usage !== undefined) parts.push({ type: 'usage', usage })
  const blocked = isObject(chunk.promptFeedback) && typeof chunk.promptFeedback.blockReason === 'string'
  if (candidate?.finishReason !== undefined || blocked) {
    parts.push({ type: 'finish', reason: blocked && candidate === undefined ? 'refusal' : mapGeminiFinishReason(candidate?.finishReason) })
  }
  return parts
}
