// OpenRouter reasoning: https://openrouter.ai/docs/use-cases/reasoning-tokens
import type { ChatRequest, ContentBlock, UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'
import { openAIChunkToParts, openAICompletionToParts } from '@lynkr/openai-chat'
import { annotationsToPart } from './web-search.ts'

/**
 * OpenRouter returns reasoning twice: as text (`reasoning`) and as structured `reasoning_details` (text with
 * a signature, summaries, encrypted blobs) that must be sent back unchanged on later assistant turns for
 * the model to keep its reasoning (and, for Claude, for the signature check). The text becomes a thinking
 * block; the merged details ride on that block's `signature`, which Anthropic clients send back verbatim.
 */
export const DETAILS_SIGNATURE_PREFIX = 'openrouter.reasoning_details.v1:'
/** Marks a raw per-chunk fragment between the parser and the merger; never reaches a client. */
const FRAGMENT_PREFIX = '\u0000openrouter-fragment:'

type Detail = Record<string, unknown>

export function encodeDetails (details: Detail[]): string {
  return DETAILS_SIGNATURE_PREFIX + Buffer.from(JSON.stringify(details), 'utf8').toString('base64url')
}

export function decodeDetails (signature: string | undefined): Detail[] | undefined {
  if (signature === undefined || !signature.startsWith(DETAILS_SIGNATURE_PREFIX)) return undefined
  try {
    const value = JSON.parse(Buffer.from(signature.slice(DETAILS_SIGNATURE_PREFIX.length), 'base64url').toString('utf8')) as unknown
    return Array.isArray(value) ? value as Detail[] : undefined
  } catch {
    return undefined
  }
}

/** Streamed fragments of one detail share `type` and `index`: their text/summary/data concatenate, other fields take the latest value. */
export function mergeDetails (fragments: Detail[]): Detail[] {
  const merged: Detail[] = []
  const byKey = new Map<string, Detail>()
  for (const fragment of fragments) {
    const key = typeof fragment.index === 'number' ? `${String(fragment.type)}:${fragment.index}` : undefined
    const existing = key === undefined ? undefined : byKey.get(key)
    if (existing === undefined) {
      const copy = { ...fragment }
      merged.push(copy)
      if (key !== undefined) byKey.set(key, copy)
      continue
    }
    for (const [field, value] of Object.entries(fragment)) {
      if (value === null || value === undefined) {
        if (!(field in existing)) existing[field] = value
        continue
      }
      if ((field === 'text' || field === 'summary' || field === 'data') && typeof value === 'string' && typeof existing[field] === 'string') existing[field] = (existing[field] as string) + value
      else existing[field] = value
    }
  }
  return merged
}

function insertAfterReasoning (parts: UpstreamPart[], details: unknown): UpstreamPart[] {
  if (!Array.isArray(details) || details.length === 0) return parts
  const fragment: UpstreamPart = { type: 'reasoning-signature', signature: FRAGMENT_PREFIX + JSON.stringify(details) }
  let at = 0
  parts.forEach((part, index) => { if (part.type === 'reasoning-delta') at = index + 1 })
  parts.splice(at, 0, fragment)
  return parts
}

function firstChoice (body: Record<string, unknown>): Record<string, unknown> | undefined {
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined
  return choice !== null && typeof choice === 'object' ? choice as Record<string, unknown> : undefined
}

/** The shared chunk parser, plus this chunk's reasoning_details as a fragment right after its reasoning text. */
export function openRouterChunkToParts (chunk: Record<string, unknown>): UpstreamPart[] {
  const parts = openAIChunkToParts('openrouter', chunk)
  const delta = firstChoice(chunk)?.delta as Record<string, unknown> | undefined
  return withAnnotations(insertAfterReasoning(parts, delta?.reasoning_details), delta?.annotations)
}

export function openRouterCompletionToParts (completion: Record<string, unknown>): UpstreamPart[] {
  const parts = openAICompletionToParts('openrouter', completion)
  const message = firstChoice(completion)?.message as Record<string, unknown> | undefined
  return withAnnotations(insertAfterReasoning(parts, message?.reasoning_details), message?.annotations)
}

/** The web plugin's `url_citation` annotations, as a web-search part the WebSearchAnswer transform reads. */
function withAnnotations (parts: UpstreamPart[], annotations: unknown): UpstreamPart[] {
  const search = annotationsToPart(annotations)
  if (search !== undefined) parts.push(search)
  return parts
}

/**
 * Holds the fragments while reasoning streams and emits one merged signature when the reasoning ends (the
 * first text, tool call, finish or error), so it seals the thinking block it belongs to.
 */
export class ReasoningDetailsMerger implements PartTransform {
  private fragments: Detail[] = []

  push (part: UpstreamPart): UpstreamPart[] {
    if (part.type === 'reasoning-signature' && part.signature.startsWith(FRAGMENT_PREFIX)) {
      this.fragments.push(...JSON.parse(part.signature.slice(FRAGMENT_PREFIX.length)) as Detail[])
      return []
    }
    if (part.type === 'reasoning-delta' || part.type === 'usage' || part.type === 'response-start') return [part]
    return [...this.release(), part]
  }

  end (): UpstreamPart[] {
    return this.release()
  }

  private release (): UpstreamPart[] {
    if (this.fragments.length === 0) return []
    const signature = encodeDetails(mergeDetails(this.fragments))
    this.fragments = []
    return [{ type: 'reasoning-signature', signature }]
  }
}

/** `reasoning_details` for an assistant turn: the details carried by its thinking blocks, in order. */
export function assistantReasoningDetails (content: ContentBlock[]): { reasoning_details: unknown[] } | undefined {
  const details = content.flatMap((block) => block.type === 'thinking' ? decodeDetails(block.signature) ?? [] : [])
  return details.length === 0 ? undefined : { reasoning_details: details }
}

/** The `reasoning` request field from Anthropic thinking: a token budget, or an effort level. */
export function reasoningField (request: ChatRequest): Record<string, unknown> | undefined {
  const thinking = request.thinking
  if (thinking?.type === 'enabled') return { max_tokens: thinking.budget_tokens }
  if (thinking?.type === 'adaptive') {
    const effort = request.effort
    if (effort === undefined) return { enabled: true }
    return { effort: effort === 'low' || effort === 'medium' ? effort : 'high' }
  }
  return undefined
}
