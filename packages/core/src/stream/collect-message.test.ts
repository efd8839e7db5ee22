import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { MessageCollector } from './collect-message.ts'
import { MessageAssembler } from './message-assembler.ts'
import { readSseEvents } from '../http/read-sse-events.ts'
import { assertEventInvariants } from '../testing/event-invariants.ts'
import { assembleParts, byteChunks, collectMessage } from '../testing/streams.ts'

async function fixtureEvents (): Promise<MessageEvent[]> {
  const text = readFileSync(new URL('./__fixtures__/anthropic-thinking-text-tool.chunks.txt', import.meta.url), 'utf8')
  const events: MessageEvent[] = []
  for await (const sse of readSseEvents(byteChunks(new TextEncoder().encode(text), 37))) {
    const event = JSON.parse(sse.data) as MessageEvent
    assert.equal(sse.event, event.type, 'event name equals data.type')
    events.push(event)
  }
  return events
}

describe('MessageCollector', () => {
  test('folds a recorded Anthropic stream into the equivalent Message', async () => {
    const events = await fixtureEvents()
    assertEventInvariants(events, { partialDeltaUsage: true }) // the recorded stream itself obeys the rules the checker enforces
    assert.deepEqual(collectMessage(events), {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      model: 'claude-opus-5-5',
      content: [
        { type: 'thinking', thinking: 'Need the weather tool.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDYWxsIG1lIGx5bmty' },
        { type: 'text', text: 'Checking the weather.' },
        { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } }
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      // message_delta carried only output_tokens: the input and cache figures from message_start survive.
      usage: { input_tokens: 412, output_tokens: 87, cache_creation_input_tokens: 0, cache_read_input_tokens: 3900 }
    })
  })

  test('streaming and non-streaming paths agree: assembler events collect into the same content', async () => {
    const parts: UpstreamPart[] = [
      { type: 'reasoning-delta', text: 'plan' },
      { type: 'redacted-reasoning', data: 'cmVkYWN0ZWQ=' },
      { type: 'text-delta', text: 'Reading both.' },
      { type: 'tool-call-delta', index: 0, id: 'call_A', name: 'Read', argumentsDelta: '{"file_path":"a' },
      { type: 'tool-call-delta', index: 1, id: 'call_B', name: 'Read', argumentsDelta: '{"file_path":"b"}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '.ts"' }, // never closed by the upstream
      { type: 'usage', usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5 } },
      { type: 'finish', reason: 'end_turn' }
    ]
    const message = collectMessage(await assembleParts(parts, { clientModel: 'claude-sonnet-5-5', inputTokensEstimate: 99 }))
    assert.match(message.id, /^msg_/)
    assert.equal(message.model, 'claude-sonnet-5-5')
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'plan', signature: '' },
      { type: 'redacted_thinking', data: 'cmVkYWN0ZWQ=' },
      { type: 'text', text: 'Reading both.' },
      { type: 'tool_use', id: 'call_A', name: 'Read', input: { file_path: 'a.ts' } },
      { type: 'tool_use', id: 'call_B', name: 'Read', input: { file_path: 'b' } }
    ])
    assert.equal(message.stop_reason, 'tool_use')
    assert.deepEqual(message.usage, { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 })
  })

  test('tool arguments that are not valid JSON are repaired or fall back to {}', () => {
    const start: MessageEvent = {
      type: 'message_start',
      message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }
    }
    const message = collectMessage([
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'a', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"x":[1' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't2', name: 'b', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '}}}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't3', name: 'c', input: {} } },
      { type: 'content_block_stop', index: 2 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 1, output_tokens: 2 } },
      { type: 'message_stop' }
    ])
    assert.deepEqual(message.content.map((block) => (block as { input: unknown }).input), [{ x: [1] }, {}, {}])
  })

  test('stop_sequence is carried', () => {
    const assembler = new MessageAssembler({ clientModel: 'm', inputTokensEstimate: 1 })
    const events = [
      ...assembler.push({ type: 'text-delta', text: 'a' }),
      ...assembler.push({ type: 'finish', reason: 'stop_sequence', stopSequence: 'STOP' }),
      ...assembler.end()
    ]
    const message = collectMessage(events)
    assert.equal(message.stop_reason, 'stop_sequence')
    assert.equal(message.stop_sequence, 'STOP')
  })

  test('an error event throws the LynkrError it carries', () => {
    const error = new LynkrError('rate_limit', 'slow down', { status: 429 })
    const assembler = new MessageAssembler({ clientModel: 'm', inputTokensEstimate: 1 })
    const events = [...assembler.push({ type: 'text-delta', text: 'a' }), ...assembler.push({ type: 'error', error })]
    const collector = new MessageCollector()
    assert.throws(() => { for (const event of events) collector.push(event) }, (thrown) => thrown === error)
  })

  test('result() without message_start is an api_error', () => {
    assert.throws(() => new MessageCollector().result(), (error) => error instanceof LynkrError && error.kind === 'api_error')
  })
})
