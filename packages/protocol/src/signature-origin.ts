import type { ChatMessage, ContentBlock } from './messages.ts'

/**
 * Which upstream family issued a thinking signature (or redacted-thinking data), carried in the string itself
 * because Claude Code sends thinking blocks back verbatim and keeps nothing else of ours.
 *
 * - Claude's own signatures (Anthropic's API, Microsoft Foundry, Bedrock, Vertex: Anthropic documents them as
 *   valid across these platforms) stay exactly as issued, so the Anthropic-format passthrough is byte for
 *   byte and a session can continue against Anthropic directly.
 * - Every other family's go out as `<family>:<signature as issued>` (`gemini:…`, `databricks:…`, `zai:…`); the
 *   mark is removed before the signature goes back to its family, and the signature goes nowhere else.
 * - OpenRouter's merged `reasoning_details` (`openrouter.reasoning_details.v1:…`, the OpenRouter plugin's own
 *   encoding) count as OpenRouter's and go back whole.
 */
export const CLAUDE_SIGNATURES = 'anthropic'

const FAMILY_MARK = /^([a-z][a-z0-9-]{0,31}):/
const OPENROUTER_DETAILS = 'openrouter.reasoning_details.v1:'
/** What Claude (and most upstreams) issue: base64 of an opaque blob. Anything else unmarked is of unknown origin. */
const CLAUDE_SHAPE = /^[A-Za-z0-9+/=_-]+$/

export interface SignatureOrigin {
  family: string
  /** The signature as its family issued it (what goes back to that family). */
  signature: string
}

/** The family that issued a signature, and the signature as issued; undefined for none or an unknown origin. */
export function signatureOrigin (signature: unknown): SignatureOrigin | undefined {
  const parsed = parse(signature)
  return parsed === undefined ? undefined : { family: parsed.family, signature: parsed.signature }
}

function parse (signature: unknown): (SignatureOrigin & { marked: boolean }) | undefined {
  if (typeof signature !== 'string' || signature === '') return undefined
  if (signature.startsWith(OPENROUTER_DETAILS)) return { family: 'openrouter', signature, marked: true }
  const mark = FAMILY_MARK.exec(signature)
  if (mark !== null) return { family: mark[1]!, signature: signature.slice(mark[0].length), marked: true }
  return CLAUDE_SHAPE.test(signature) ? { family: CLAUDE_SIGNATURES, signature, marked: false } : undefined
}

/** A signature as the client gets it: marked with the family that issued it (see above). Idempotent. */
export function markSignature (family: string, signature: string): string {
  if (signature === '' || family === CLAUDE_SIGNATURES) return signature
  const parsed = parse(signature)
  if (parsed?.marked === true && parsed.family === family) return signature
  return `${family}:${signature}`
}

/**
 * The messages as an upstream of `family` may receive them: thinking signed by that family with the mark
 * removed; thinking signed by any other family (or of unknown origin) without its signature, so translators
 * treat it as unsigned reasoning (dropped where signatures are verified, its text used where reasoning is
 * echoed as text); redacted thinking of another family removed. Untouched messages are the same objects.
 */
export function messagesForFamily (messages: ChatMessage[], family: string): ChatMessage[] {
  let out: ChatMessage[] | undefined
  messages.forEach((message, index) => {
    if (message.role !== 'assistant') return
    const content = contentForFamily(message.content, family)
    if (content === message.content) return
    out ??= messages.slice()
    out[index] = { ...message, content }
  })
  return out ?? messages
}

function contentForFamily (content: ContentBlock[], family: string): ContentBlock[] {
  let out: ContentBlock[] | undefined
  content.forEach((block, index) => {
    let next: ContentBlock | null = block
    if (block.type === 'thinking' && typeof block.signature === 'string' && block.signature !== '') {
      const origin = signatureOrigin(block.signature)
      if (origin?.family !== family) next = { ...block, signature: '' }
      else if (origin.signature !== block.signature) next = { ...block, signature: origin.signature }
    } else if (block.type === 'redacted_thinking') {
      const origin = signatureOrigin(block.data)
      if (origin?.family !== family) next = null
      else if (origin.signature !== block.data) next = { ...block, data: origin.signature }
    }
    if (next === block) {
      out?.push(block)
      return
    }
    out ??= content.slice(0, index)
    if (next !== null) out.push(next)
  })
  return out ?? content
}
