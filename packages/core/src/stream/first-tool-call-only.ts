import type { ChatRequest, UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from './part-transform.ts'

/**
 * `disable_parallel_tool_use` for upstreams that have no such switch (Gemini, Bedrock Converse, Ollama): the
 * first tool call of the answer goes through, later ones are dropped. The client asked for at most one (and
 * would run every call it got); streamed fragments are told apart by their index.
 */
export class FirstToolCallOnly implements PartTransform {
  private first: number | 'whole' | undefined

  push (part: UpstreamPart): UpstreamPart[] {
    if (part.type === 'tool-call') {
      if (this.first !== undefined) return []
      this.first = 'whole'
      return [part]
    }
    if (part.type === 'tool-call-delta') {
      this.first ??= part.index
      return part.index === this.first ? [part] : []
    }
    return [part]
  }

  end (): UpstreamPart[] { return [] }
}

/** The transform when the request disables parallel tool calls, else none. */
export function singleToolCallFor (request: ChatRequest): PartTransform[] {
  const choice = request.tool_choice
  return choice !== undefined && choice.type !== 'none' && choice.disable_parallel_tool_use === true ? [new FirstToolCallOnly()] : []
}
