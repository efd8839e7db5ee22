import type { ChatRequest, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'

/**
 * A stateful rewrite of one call's upstream parts (inline `<think>`/`<tool_call>` recovery, tool-id
 * mapping…). It sees every part in order and may hold a few back; `end()` releases whatever it still holds
 * once the upstream is done. One instance per call.
 */
export interface PartTransform {
  push (part: UpstreamPart): UpstreamPart[]
  end (): UpstreamPart[]
}

function pushThrough (transforms: readonly PartTransform[], from: number, parts: UpstreamPart[], out: UpstreamPart[]): void {
  if (from === transforms.length) {
    out.push(...parts)
    return
  }
  const transform = transforms[from]!
  for (const part of parts) pushThrough(transforms, from + 1, transform.push(part), out)
}

function endThrough (transforms: readonly PartTransform[], out: UpstreamPart[]): void {
  // Each transform's tail still passes through the transforms after it, which then end too.
  for (let i = 0; i < transforms.length; i++) pushThrough(transforms, i + 1, transforms[i]!.end(), out)
}

/** Applies transforms (in order) to a whole reply (the non-streaming path). */
export function transformPartList (parts: UpstreamPart[], transforms: readonly PartTransform[]): UpstreamPart[] {
  if (transforms.length === 0) return parts
  const out: UpstreamPart[] = []
  pushThrough(transforms, 0, parts, out)
  endThrough(transforms, out)
  return out
}

/** Applies transforms (in order) to a stream, part by part: nothing is held beyond what a transform holds. */
export async function * transformPartStream (source: AsyncIterable<UpstreamPart>, transforms: readonly PartTransform[]): AsyncGenerator<UpstreamPart> {
  if (transforms.length === 0) {
    yield * source
    return
  }
  for await (const part of source) {
    const out: UpstreamPart[] = []
    pushThrough(transforms, 0, [part], out)
    yield * out
  }
  const out: UpstreamPart[] = []
  endThrough(transforms, out)
  yield * out
}

/** Wraps an adapter so each call's parts go through fresh transforms built for that request. */
export function withPartTransforms (adapter: ProviderAdapter, create: (request: ChatRequest) => PartTransform[]): ProviderAdapter {
  return {
    ...adapter,
    chat: async (request, context) => transformPartList(await adapter.chat(request, context), create(request)),
    chatStream: async (request, context) => transformPartStream(await adapter.chatStream(request, context), create(request))
  }
}
