import type { UpstreamPart } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'
import { InlineMarkupRecovery } from './inline-markup.ts'

const THINK_OPEN = '<think>'

/**
 * For cloud OpenAI-compatible upstreams (DeepSeek-R1, Qwen3 served without a reasoning parser): an answer that
 * opens with `<think>` goes through the recovery (that block becomes reasoning; later tags stay text); any
 * other answer passes through byte for byte — its whitespace and offsets (which citations count in) untouched.
 * Only the answer's first characters are held, while they could still be the start of the tag.
 */
export class LeadingThinkTags implements PartTransform {
  private state: 'undecided' | 'recover' | 'pass' = 'undecided'
  private held = ''
  private readonly recovery = new InlineMarkupRecovery({ thinkTags: 'leading' })

  push (part: UpstreamPart): UpstreamPart[] {
    if (this.state === 'recover') return this.recovery.push(part)
    if (this.state === 'pass') return [part]
    if (part.type === 'usage' || part.type === 'response-start') return [part]
    if (part.type !== 'text-delta') return [...this.decide('pass'), part]
    this.held += part.text
    const head = this.held.trimStart()
    if (head.startsWith(THINK_OPEN)) return this.decide('recover')
    if (head === '' || THINK_OPEN.startsWith(head)) return []
    return this.decide('pass')
  }

  end (): UpstreamPart[] {
    if (this.state === 'recover') return this.recovery.end()
    return this.decide('pass')
  }

  private decide (state: 'recover' | 'pass'): UpstreamPart[] {
    this.state = state
    const text = this.held
    this.held = ''
    if (text === '') return []
    return state === 'recover' ? this.recovery.push({ type: 'text-delta', text }) : [{ type: 'text-delta', text }]
  }
}
