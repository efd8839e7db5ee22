/**
 * Test helper (not shipped: `*.test.*` is excluded from the package): checks that a MessageEvent sequence
 * obeys Anthropic's streaming rules (protocols.md §1.7) and summarises what it carried, so scenario tests
 * can assert content without re-implementing the fold.
 */
import assert from 'node:assert/strict'
import type { MessageEvent, StopReason, Usage } from '@lynkr/protocol'
import { isServerToolResultType } from '@lynkr/protocol'

export interface SummaryBlock {
  index: number
  type: 'text' | 'thinking' | 'redacted_thinking' | 'tool_use' | 'server_tool_use' | 'server_tool_result'
  text: string
  thinking: string
  signature: string
  /** tool_use only. */
  id?: string
  name?: string
  /** tool_use only: every input_json_delta fragment in order, and their parse. */
  fragments: string[]
  input?: unknown
}

export interface StreamSummary {
  model: string
  startUsage: Usage
  blocks: SummaryBlock[]
  /** Set when the stream ended normally. */
  stopReason?: StopReason
  stopSequence?: string | null
  usage?: Usage
  /** Set when the stream ended with an error event. */
  error?: { kind: string, message: string }
}

export interface InvariantOptions {
  /** Tool arguments that do not parse to an object are allowed (input is then undefined): garbage-in fuzzing. */
  lenientToolInput?: boolean
  /** Real Anthropic streams may send only output_tokens in message_delta; the gateway always sends input too. */
  partialDeltaUsage?: boolean
}

const DELTAS_BY_BLOCK: Record<SummaryBlock['type'], readonly string[]> = {
  text: ['text_delta', 'citations_delta'],
  thinking: ['thinking_delta', 'signature_delta'],
  redacted_thinking: [],
  tool_use: ['input_json_delta'],
  server_tool_use: ['input_json_delta'],
  // Result blocks arrive whole in content_block_start.
  server_tool_result: []
}

/** Throws (assert) on the first violated rule; returns what the events carried. */
export function assertEventInvariants (events: readonly MessageEvent[], options: InvariantOptions = {}): StreamSummary {
  assert.ok(events.length > 0, 'no events')
  const first = events[0]!
  assert.equal(first.type, 'message_start', 'the first event must be message_start')
  if (first.type !== 'message_start') throw new Error('unreachable')
  const start = first.message
  assert.match(start.id, /^msg_[A-Za-z0-9_-]+$/, 'message id shape')
  assert.equal(start.type, 'message')
  assert.equal(start.role, 'assistant')
  assert.deepEqual(start.content, [])
  assert.equal(start.stop_reason, null)
  assert.ok(start.usage.output_tokens >= 1, 'message_start output_tokens is at least 1')
  assert.ok(Number.isInteger(start.usage.input_tokens) && start.usage.input_tokens >= 0, 'message_start input_tokens')

  const summary: StreamSummary = { model: start.model, startUsage: start.usage, blocks: [] }
  let open: SummaryBlock | null = null
  let sawSignature = false
  let finished: 'delta' | 'stop' | 'error' | null = null

  for (const [position, event] of events.entries()) {
    const where = `event #${position} (${event.type})`
    const openIndex: string = open === null ? 'none' : String(open.index)
    if (position === 0) continue
    assert.notEqual(finished, 'stop', `${where}: nothing may follow message_stop`)
    assert.notEqual(finished, 'error', `${where}: nothing may follow an error event`)
    switch (event.type) {
      case 'message_start':
        assert.fail(`${where}: message_start may appear only once`)
        break
      case 'ping':
        break
      case 'content_block_start': {
        assert.equal(finished, null, `${where}: block started after message_delta`)
        assert.equal(open, null, `${where}: block ${event.index} started while block ${openIndex} is open (blocks may not interleave)`)
        assert.equal(event.index, summary.blocks.length, `${where}: indices start at 0 and grow by one`)
        const content = event.content_block
        const type = isServerToolResultType(content.type) ? 'server_tool_result' : content.type as SummaryBlock['type']
        const block: SummaryBlock = { index: event.index, type, text: '', thinking: '', signature: '', fragments: [] }
        if (content.type === 'text') assert.equal(content.text, '', `${where}: text blocks start empty`)
        if (content.type === 'thinking') assert.deepEqual(content, { type: 'thinking', thinking: '', signature: '' }, where)
        if (content.type === 'tool_use') {
          assert.ok(typeof content.id === 'string' && content.id !== '', `${where}: tool_use needs an id`)
          assert.ok(typeof content.name === 'string' && content.name !== '', `${where}: tool_use needs a name`)
          assert.deepEqual(content.input, {}, `${where}: tool_use starts with input {}`)
          block.id = content.id
          block.name = content.name
        }
        summary.blocks.push(block)
        open = block
        sawSignature = false
        break
      }
      case 'content_block_delta': {
        assert.ok(open !== null, `${where}: delta with no open block`)
        assert.equal(event.index, open.index, `${where}: delta for block ${event.index} while block ${open.index} is open`)
        const delta = event.delta
        assert.ok(DELTAS_BY_BLOCK[open.type].includes(delta.type), `${where}: ${delta.type} inside a ${open.type} block`)
        if (delta.type === 'text_delta') {
          assert.ok(delta.text !== '', `${where}: empty text_delta`)
          open.text += delta.text
        } else if (delta.type === 'thinking_delta') {
          assert.ok(!sawSignature, `${where}: thinking after the signature`)
          open.thinking += delta.thinking
        } else if (delta.type === 'signature_delta') {
          sawSignature = true
          open.signature += delta.signature
        } else if (delta.type === 'input_json_delta') {
          open.fragments.push(delta.partial_json)
        }
        break
      }
      case 'content_block_stop': {
        assert.ok(open !== null, `${where}: stop with no open block`)
        assert.equal(event.index, open.index, `${where}: stop for block ${event.index} while block ${open.index} is open`)
        if (open.type === 'text') assert.ok(open.text !== '', `${where}: empty text block (Claude Code replays it and gets a 400)`)
        if (open.type === 'tool_use' || open.type === 'server_tool_use') {
          const json: string = open.fragments.join('')
          let parsed: unknown
          try {
            parsed = JSON.parse(json)
          } catch {
            if (options.lenientToolInput !== true) assert.fail(`${where}: tool arguments ${JSON.stringify(json)} do not parse`)
          }
          const isObject = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
          if (options.lenientToolInput !== true) assert.ok(isObject, `${where}: tool input must be a JSON object, got ${json}`)
          if (isObject) open.input = parsed
        }
        open = null
        break
      }
      case 'message_delta':
        assert.equal(finished, null, `${where}: message_delta appears once`)
        assert.equal(open, null, `${where}: message_delta while block ${openIndex} is still open`)
        assert.ok(Number.isInteger(event.usage.output_tokens) && event.usage.output_tokens >= 0, `${where}: output_tokens`)
        if (options.partialDeltaUsage !== true || event.usage.input_tokens !== undefined) {
          assert.ok(Number.isInteger(event.usage.input_tokens) && event.usage.input_tokens >= 0, `${where}: input_tokens`)
        }
        if (event.delta.stop_reason !== 'stop_sequence') assert.equal(event.delta.stop_sequence, null, `${where}: stop_sequence only with stop_sequence`)
        summary.stopReason = event.delta.stop_reason
        summary.stopSequence = event.delta.stop_sequence
        summary.usage = event.usage
        finished = 'delta'
        break
      case 'message_stop':
        assert.equal(finished, 'delta', `${where}: message_stop must follow message_delta`)
        finished = 'stop'
        break
      case 'error':
        assert.ok(finished === null, `${where}: error after message_delta`)
        summary.error = { kind: event.error.kind, message: event.error.message }
        finished = 'error'
        break
    }
  }
  assert.ok(finished === 'stop' || finished === 'error', `the stream must end with message_stop or error, ended with ${events.at(-1)?.type}`)
  if (finished === 'stop') {
    const hasTool = summary.blocks.some((block) => block.type === 'tool_use')
    if (hasTool && summary.stopReason !== 'max_tokens') assert.equal(summary.stopReason, 'tool_use', 'tool_use blocks imply stop_reason tool_use')
    if (!hasTool) assert.notEqual(summary.stopReason, 'tool_use', 'stop_reason tool_use without a tool_use block')
  }
  return summary
}

/** Event types in order, for exact-sequence assertions (`start:text`, `delta:text_delta`, `stop`…). */
export function eventShape (events: readonly MessageEvent[]): string[] {
  return events.map((event) => {
    if (event.type === 'content_block_start') return `start:${event.content_block.type}`
    if (event.type === 'content_block_delta') return `delta:${event.delta.type}`
    if (event.type === 'content_block_stop') return 'stop'
    return event.type
  })
}
