import type { ChatRequest, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { CLAUDE_SIGNATURES, markSignature, messagesForFamily } from '@lynkr/protocol'
import { transformPartList, transformPartStream } from './stream/part-transform.ts'
import type { PartTransform } from './stream/part-transform.ts'

/** Marks the signatures (and redacted-thinking data) of one upstream's answer with the family that issued them. */
class SignatureMarker implements PartTransform {
  private readonly family: string
  constructor (family: string) { this.family = family }

  push (part: UpstreamPart): UpstreamPart[] {
    if (part.type === 'reasoning-signature') {
      const signature = markSignature(this.family, part.signature)
      return [signature === part.signature ? part : { ...part, signature }]
    }
    if (part.type === 'redacted-reasoning') {
      const data = markSignature(this.family, part.data)
      return [data === part.data ? part : { ...part, data }]
    }
    return [part]
  }

  end (): UpstreamPart[] { return [] }
}

/**
 * A thinking signature reaches only the upstream family that issued it (an OpenRouter or Databricks signature
 * sent to Claude on Foundry or Bedrock is a 400 "Invalid `signature` in `thinking` block", and the session
 * stays broken): the request goes out with other families' signatures removed and its own unmarked, and the
 * answer's signatures come back marked. Every provider's adapter is wrapped with this when it registers.
 */
export function withSignatureOrigin (adapter: ProviderAdapter): ProviderAdapter {
  const familyOf = (request: ChatRequest): string => adapter.signatureFamily?.(request) ?? adapter.id
  const prepare = (request: ChatRequest, family: string): ChatRequest => {
    const messages = messagesForFamily(request.messages, family)
    return messages === request.messages ? request : { ...request, messages }
  }
  return {
    ...adapter,
    chat: async (request, context) => {
      const family = familyOf(request)
      const parts = await adapter.chat(prepare(request, family), context)
      // Claude's signatures go out unmarked: nothing to rewrite.
      return family === CLAUDE_SIGNATURES ? parts : transformPartList(parts, [new SignatureMarker(family)])
    },
    chatStream: async (request, context) => {
      const family = familyOf(request)
      const parts = await adapter.chatStream(prepare(request, family), context)
      return family === CLAUDE_SIGNATURES ? parts : transformPartStream(parts, [new SignatureMarker(family)])
    }
  }
}
