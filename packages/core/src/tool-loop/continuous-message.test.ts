import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { MessageAssembler } from '../stream/message-assembler.ts'
import { assertEventInvariants } from '../testing/event-invariants.ts'
import { ContinuousMessage } from './continuous-message.ts'

function turn (parts: UpstreamPart[]): MessageEvent[] {
  const assembler = new MessageAssembler({ clientModel: 'claude-x', inputTokensEstimate: 5 })
  const events: MessageEvent[] = []
  for (const part of parts) assembler.push(part, events)
  return assembler.end(events)
}

const lookupTurn = turn([
  { type: 'usage', usage: { input_tokens: 40 } },
  { type: 'text-delta', text: 'Let me check.' },
  { type: 'tool-call', id: 'toolu_g', name: 'lookup', input: { q: 'x' } },
  { type: 'usage', usage: { output_tokens: 10, cache_read_input_tokens: 3 } },
  { type: 'finish', reason: 'tool_use' }
])
const answerTurn = turn([
  { type: 'usage', usage: { input_tokens: 60 } },
  { type: 'text-delta', text: 'It is x.' },
  { type: 'usage', usage: { output_tokens: 4 } },
  { type: 'finish', reason: 'end_turn' }
])

function merge (blocks: 'hidden' | 'server', separateTurns = false): { events: MessageEvent[], message: ContinuousMessage } {
  const message = new ContinuousMessage((name) => name === 'lookup', blocks, { separateTurns })
  const events: MessageEvent[] = []
  message.beginTurn()
  for (const event of lookupTurn) message.push(event, events)
  assert.equal(message.turnEnded, true)
  assert.deepEqual(message.turnMessage().content.map((block) => block.type), ['text', 'tool_use'], 'the turn as the upstream made it, for the next request')
  message.showResults([{ type: 'tool_result', tool_use_id: 'toolu_g', content: 'found x' }], events)
  message.beginTurn()
  for (const event of answerTurn) message.push(event, events)
  message.finish(events)
  return { events, message }
}

describe('ContinuousMessage', () => {
  test('hidden: one message, continuing indices, no gateway tool_use, usage summed, last stop reason', () => {
    const { events } = merge('hidden')
    const summary = assertEventInvariants(events)
    assert.equal(events.filter((event) => event.type === 'message_start').length, 1)
    assert.deepEqual(summary.blocks.map((block) => [block.index, block.type, block.text]), [[0, 'text', 'Let me check.'], [1, 'text', 'It is x.']])
    assert.equal(summary.stopReason, 'end_turn')
    assert.deepEqual(summary.usage, { input_tokens: 100, output_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 3 })
  })

  test('server: the gateway call and its result as server-tool blocks', () => {
    const { events } = merge('server')
    const summary = assertEventInvariants(events)
    assert.deepEqual(summary.blocks.map((block) => [block.index, block.type]), [[0, 'text'], [1, 'server_tool_use'], [2, 'server_tool_result'], [3, 'text']])
    assert.deepEqual(summary.blocks[1]!.input, { q: 'x' })
    const result = events.find((event) => event.type === 'content_block_start' && event.index === 2)
    assert.deepEqual(result, { type: 'content_block_start', index: 2, content_block: { type: 'gateway_tool_result', tool_use_id: 'toolu_g', content: 'found x' } })
  })

  test('a client that joins text into one string: a later turn\'s text opens with a blank line, once', () => {
    for (const blocks of ['hidden', 'server'] as const) {
      const summary = assertEventInvariants(merge(blocks, true).events)
      const texts = summary.blocks.filter((block) => block.type === 'text').map((block) => block.text)
      assert.deepEqual(texts, ['Let me check.', '\n\nIt is x.'], blocks)
    }
  })

  test('a turn that stops on the gateway\'s call alone ends as end_turn (no call left for the client)', () => {
    const message = new ContinuousMessage((name) => name === 'lookup', 'hidden')
    const events: MessageEvent[] = []
    message.beginTurn()
    for (const event of lookupTurn) message.push(event, events)
    message.finish(events)
    assert.equal(assertEventInvariants(events).stopReason, 'end_turn')
  })
})
