import type { UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'

interface Slot { id?: string, name?: string, key: number }

/**
 * Gives every streamed tool call its own index. OpenAI numbers parallel calls 0, 1, 2…, but Ollama's /v1,
 * vLLM, SGLang and some Gemini-compatible servers stream every call at `index: 0`, told apart only by a
 * new `id` (or a new `function.name`). Keyed by index alone, those calls merge into one whose arguments
 * are two JSON objects back to back, and the second call is lost. A fragment whose id or name differs
 * from the call open at its index starts a new call; fragments without id and name continue it.
 */
export class ToolCallIndices implements PartTransform {
  private readonly slots = new Map<number, Slot>()
  private next = 0

  push (part: UpstreamPart): UpstreamPart[] {
    if (part.type !== 'tool-call-delta') return [part]
    const id = part.id === '' ? undefined : part.id
    const name = part.name === '' ? undefined : part.name
    let slot = this.slots.get(part.index)
    // Same id: the same call, whatever else it repeats. Without ids, a different name is a new call.
    const differs = slot !== undefined && (id !== undefined && slot.id !== undefined
      ? id !== slot.id
      : name !== undefined && slot.name !== undefined && name !== slot.name)
    if (slot === undefined || differs) {
      slot = { id, name, key: this.next++ }
      this.slots.set(part.index, slot)
    } else {
      slot.id ??= id
      slot.name ??= name
    }
    return [{ ...part, index: slot.key }]
  }

  end (): UpstreamPart[] { return [] }
}
