import type { CacheControl, ChatMessage, ChatRequest, ContentBlock, PipelineStep } from '@lynkr/protocol'

/** Blocks a breakpoint may go on (protocols.md 1.5); empty text may not carry one. */
const CACHEABLE = new Set(['text', 'image', 'tool_use', 'tool_result', 'document'])
const MAX_BREAKPOINTS = 4

type Marked = { cache_control?: CacheControl | null }
/** Whether a block, tool or system block carries a breakpoint. */
export const marked = (item: unknown): boolean => (item as Marked).cache_control != null

/**
 * A JSON.stringify replacer that leaves breakpoints out: they say where to cache, not what was said, and clients
 * move them from request to request (Claude Code marks the newest message), so content keys must not see them.
 */
export const withoutBreakpoints = (key: string, value: unknown): unknown => key === 'cache_control' ? undefined : value

/** Whether a block may carry a breakpoint. */
export function cacheable (block: ContentBlock): boolean {
  return CACHEABLE.has(block.type) && !(block.type === 'text' && block.text === '')
}

/**
 * Anthropic's automatic caching (a top-level `cache_control`) means a breakpoint on the last cacheable block,
 * moving forward as the conversation grows. Made explicit here, so every upstream that honours breakpoints
 * (Anthropic format, Bedrock's cachePoint, OpenRouter's Claude and Gemini models) caches the conversation, not
 * only those that know the top-level field. Left as it is when that block has one or 4 are already set.
 */
export function withAutomaticBreakpoint (request: ChatRequest, marker: CacheControl): ChatRequest {
  const placed = placeBreakpoint(request, marker)
  if (placed === request && request.cacheControl === undefined) return request
  const { cacheControl: _done, ...rest } = placed
  return rest
}

/**
 * The built-in step at the last stage: the breakpoint goes on the last block of the request as the other
 * steps left it (a breakpoint placed before a step rewrote the tail would mark content that is gone).
 */
export const automaticBreakpointStep: PipelineStep = {
  name: 'automatic-breakpoint',
  stage: 'prompt-cache',
  run: (request) => request.cacheControl === undefined ? request : withAutomaticBreakpoint(request, request.cacheControl)
}

function placeBreakpoint (request: ChatRequest, marker: CacheControl): ChatRequest {
  const count = (request.system ?? []).filter(marked).length + (request.tools ?? []).filter(marked).length +
    request.messages.reduce((sum, message) => sum + message.content.filter(marked).length, 0)
  if (count >= MAX_BREAKPOINTS) return request
  for (let m = request.messages.length - 1; m >= 0; m--) {
    const message = request.messages[m]!
    for (let b = message.content.length - 1; b >= 0; b--) {
      const block = message.content[b]!
      if (!cacheable(block)) continue
      if (marked(block)) return request
      const content = [...message.content]
      content[b] = { ...block, cache_control: marker } as ContentBlock
      const messages: ChatMessage[] = [...request.messages]
      messages[m] = { ...message, content }
      return { ...request, messages }
    }
  }
  return request
}
