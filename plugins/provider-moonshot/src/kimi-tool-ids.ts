import type { UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'

/**
 * Kimi issues tool-call ids like `functions.Bash:0`, which Claude Code rejects (tool_use ids must match
 * `^[a-zA-Z0-9_-]+$`) — and Kimi wants them back exactly. The mapping is a deterministic encoding, so no
 * state is kept between turns: `kimi_` + base64url(id). Every id Moonshot issues is encoded (even one that
 * would already be valid), so decoding is unambiguous; ids that were never encoded (from another provider
 * earlier in the conversation) pass through unchanged.
 */
const PREFIX = 'kimi_'

export function encodeToolId (id: string): string {
  return PREFIX + Buffer.from(id, 'utf8').toString('base64url')
}

export function decodeToolId (id: string): string {
  if (!id.startsWith(PREFIX)) return id
  const encoded = id.slice(PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return id
  const decoded = Buffer.from(encoded, 'base64url').toString('utf8')
  // Only a canonical encoding decodes, so a foreign id that happens to start with the prefix stays as it is.
  return encodeToolId(decoded) === id ? decoded : id
}

/** Encodes the ids of the tool calls in a reply. */
export class KimiToolIds implements PartTransform {
  push (part: UpstreamPart): UpstreamPart[] {
    if ((part.type === 'tool-call' || part.type === 'tool-call-delta') && part.id !== undefined && part.id !== '') return [{ ...part, id: encodeToolId(part.id) }]
    return [part]
  }

  end (): UpstreamPart[] {
    return []
  }
}
