import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { MessageAssembler } from './message-assembler.ts'
import { assertEventInvariants, eventShape } from '../testing/event-invariants.ts'
import { seededRandom as mulberry32 } from '../testing/seeded-random.ts'

const ESTIMATE = 321

function run (parts: UpstreamPart[], estimate = ESTIMATE): MessageEvent[] {
  const assembler = new MessageAssembler({ clientModel: 'claude-opus-5-5', inputTokensEstimate: estimate })
  const events: MessageEvent[] = []
  for (const part of parts) assembler.push(part, events)
  assembler.end(events)
  return events
}

function toolDelta (index: number, argumentsDelta?: string, id?: string, name?: string): UpstreamPart {
  return { type: 'tool-call-delta', index, argumentsDelta, id, name }
}

describe('MessageAssembler', () => {
  test('text only: exact sequence, client model echoed, deltas passed through unchanged', () => {
    const events = run([
      { type: 'response-start', id: 'chatcmpl-1', model: 'gpt-4o-mini' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo ☃' },
      { type: 'finish', reason: 'end_turn' }
    ])
    assert.deepEqual(eventShape(events), [
      'message_start', 'start:text', 'delta:text_delta', 'delta:text_delta', 'stop', 'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    assert.equal(summary.model, 'claude-opus-5-5')
    assert.equal(summary.blocks[0]!.text, 'Hello ☃')
    assert.equal(summary.stopReason, 'end_turn')
    assert.equal(summary.stopSequence, null)
  })

  test('thinking, then text, then a tool call: three blocks in order with the signature last in the thinking block', () => {
    const events = run([
      { type: 'reasoning-delta', text: 'Need the ' },
      { type: 'reasoning-delta', text: 'weather tool.' },
      { type: 'reasoning-signature', signature: 'EqQB' },
      { type: 'text-delta', text: 'Checking.' },
      toolDelta(0, '', 'toolu_01A', 'get_weather'),
      toolDelta(0, '{"city": "Par'),
      toolDelta(0, 'is"}'),
      { type: 'finish', reason: 'tool_use' }
    ])
    assert.deepEqual(eventShape(events), [
      'message_start',
      'start:thinking', 'delta:thinking_delta', 'delta:thinking_delta', 'delta:signature_delta', 'stop',
      'start:text', 'delta:text_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'delta:input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    assert.deepEqual(summary.blocks.map((b) => [b.index, b.type]), [[0, 'thinking'], [1, 'text'], [2, 'tool_use']])
    assert.equal(summary.blocks[0]!.thinking, 'Need the weather tool.')
    assert.equal(summary.blocks[0]!.signature, 'EqQB')
    assert.equal(summary.blocks[2]!.id, 'toolu_01A')
    assert.equal(summary.blocks[2]!.name, 'get_weather')
    assert.deepEqual(summary.blocks[2]!.input, { city: 'Paris' })
    assert.equal(summary.stopReason, 'tool_use')
  })

  test('empty text, reasoning and signature deltas never open a block', () => {
    const events = run([
      { type: 'text-delta', text: '' },
      { type: 'reasoning-delta', text: '' },
      { type: 'reasoning-signature', signature: '' },
      { type: 'text-delta', text: '' },
      { type: 'finish', reason: 'end_turn' }
    ])
    assert.deepEqual(eventShape(events), ['message_start', 'message_delta', 'message_stop'])
    assertEventInvariants(events)

    const withTool = run([
      { type: 'text-delta', text: '' }, // OpenAI's role-only first chunk
      toolDelta(0, '{"a":1}', 'call_1', 'Bash'),
      { type: 'text-delta', text: '' }
    ])
    assert.deepEqual(eventShape(withTool), ['message_start', 'start:tool_use', 'delta:input_json_delta', 'stop', 'message_delta', 'message_stop'])
    assertEventInvariants(withTool)
  })

  test('two parallel tool calls with interleaved fragments: first streams live, second is buffered and emitted whole', () => {
    // The fragment order of protocols.md §2.3's example.
    const events = run([
      toolDelta(0, '', 'call_A', 'read'),
      toolDelta(0, '{"path":"a'),
      toolDelta(1, '{"path":', 'call_B', 'read'),
      toolDelta(0, '.ts"}'),
      toolDelta(1, '"b.ts"}'),
      { type: 'finish', reason: 'tool_use' },
      { type: 'usage', usage: { input_tokens: 50, output_tokens: 20 } }
    ])
    assert.deepEqual(eventShape(events), [
      'message_start',
      'start:tool_use', 'delta:input_json_delta', 'delta:input_json_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    const [first, second] = summary.blocks
    assert.deepEqual([first!.id, first!.fragments], ['call_A', ['{"path":"a', '.ts"}']])
    assert.deepEqual(first!.input, { path: 'a.ts' })
    assert.deepEqual([second!.id, second!.fragments], ['call_B', ['{"path":"b.ts"}']])
    assert.deepEqual(second!.input, { path: 'b.ts' })
    // The first tool's fragments went out as they arrived, before the second call finished.
    const firstStop = events.findIndex((e) => e.type === 'content_block_stop' && e.index === 0)
    const secondStart = events.findIndex((e) => e.type === 'content_block_start' && e.index === 1)
    assert.ok(firstStop < secondStart)
  })

  test('three tool calls whose fragments interleave in every order keep their own arguments (seeded shuffle)', () => {
    const random = mulberry32(7)
    const calls = [
      { id: 'call_0', name: 'Read', input: { file_path: '/tmp/a.ts', offset: 10, limit: 200 } },
      { id: 'call_1', name: 'Bash', input: { command: 'ls -la "dir with spaces"', description: 'list ☃ files' } },
      { id: 'call_2', name: 'Edit', input: { old_string: 'a\nb', new_string: '{"nested": [1, 2]}', replace_all: false } }
    ]
    for (let round = 0; round < 200; round++) {
      const queues = calls.map((call, index) => splitRandomly(JSON.stringify(call.input), random).map((piece, n) =>
        n === 0 ? toolDelta(index, piece, call.id, call.name) : toolDelta(index, piece)))
      const parts: UpstreamPart[] = []
      while (queues.some((queue) => queue.length > 0)) {
        const live = queues.filter((queue) => queue.length > 0)
        parts.push(live[Math.floor(random() * live.length)]!.shift()!)
      }
      parts.push({ type: 'finish', reason: 'end_turn' })
      const summary = assertEventInvariants(run(parts))
      assert.equal(summary.blocks.length, 3)
      for (const block of summary.blocks) {
        const call = calls.find((c) => c.id === block.id)
        assert.ok(call, `unknown id ${block.id}`)
        assert.equal(block.name, call.name)
        assert.deepEqual(block.input, call.input, `round ${round}: arguments of ${call.id}`)
      }
      assert.equal(summary.stopReason, 'tool_use')
    }
  })

  test('finish end_turn (Ollama, vLLM, Gemini) with streamed tool calls still reports tool_use', () => {
    const summary = assertEventInvariants(run([
      { type: 'text-delta', text: 'Let me look.' },
      toolDelta(0, '{"command":"ls"}', 'call_x', 'Bash'),
      { type: 'finish', reason: 'end_turn' }
    ]))
    assert.equal(summary.stopReason, 'tool_use')
  })

  test('stop reason: tool_use claimed without tools becomes end_turn; max_tokens survives tool calls; stop_sequence is echoed', () => {
    assert.equal(assertEventInvariants(run([{ type: 'text-delta', text: 'x' }, { type: 'finish', reason: 'tool_use' }])).stopReason, 'end_turn')
    assert.equal(assertEventInvariants(run([{ type: 'text-delta', text: 'x' }])).stopReason, 'end_turn')
    const truncated = assertEventInvariants(run([toolDelta(0, '{"a":"lon', 'call_1', 'Write'), { type: 'finish', reason: 'max_tokens' }]))
    assert.equal(truncated.stopReason, 'max_tokens')
    assert.deepEqual(truncated.blocks[0]!.input, { a: 'lon' })
    const stopped = assertEventInvariants(run([{ type: 'text-delta', text: 'a' }, { type: 'finish', reason: 'stop_sequence', stopSequence: '</done>' }]))
    assert.equal(stopped.stopReason, 'stop_sequence')
    assert.equal(stopped.stopSequence, '</done>')
    const refused = assertEventInvariants(run([{ type: 'text-delta', text: 'no' }, { type: 'finish', reason: 'refusal' }]))
    assert.equal(refused.stopReason, 'refusal')
  })

  test('a tool call with no argument fragments gets partial_json "{}" (live and buffered calls alike)', () => {
    const events = run([
      toolDelta(0, undefined, 'call_A', 'ListAgents'),
      toolDelta(1, undefined, 'call_B', 'ListAgents'),
      toolDelta(1, '')
    ])
    assert.deepEqual(eventShape(events), [
      'message_start',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    assert.deepEqual(summary.blocks.map((b) => b.fragments), [['{}'], ['{}']])
  })

  test('invalid streamed arguments are repaired with a suffix; fragments already sent are never changed', () => {
    const events = run([
      toolDelta(0, '{"path":"src/a.ts",', 'call_1', 'Read'),
      toolDelta(0, '"lines":[1,2'),
      { type: 'text-delta', text: 'after' } // closes the tool block mid-arguments
    ])
    const summary = assertEventInvariants(events)
    const tool = summary.blocks[0]!
    assert.deepEqual(tool.fragments.slice(0, 2), ['{"path":"src/a.ts",', '"lines":[1,2'])
    assert.equal(tool.fragments.length, 3, 'one repair fragment')
    assert.deepEqual(tool.input, { path: 'src/a.ts', lines: [1, 2] })
    assert.equal(summary.blocks[1]!.type, 'text', 'text after a tool call opens a new block')
    assert.equal(summary.blocks[1]!.text, 'after')

    const openString = assertEventInvariants(run([toolDelta(0, '{"command":"echo \\"hi', 'call_2', 'Bash')]))
    assert.deepEqual(openString.blocks[0]!.input, { command: 'echo "hi' })
  })

  test('whole tool-call parts (Ollama): start + one input_json_delta + stop, objects and JSON strings alike', () => {
    const events = run([
      { type: 'text-delta', text: 'Two calls.' },
      { type: 'tool-call', name: 'get_weather', input: { city: 'Tokyo' } },
      { type: 'tool-call', id: 'call_x', name: 'get_time', input: '{"zone":"JST"}' },
      { type: 'tool-call', id: 'call_y', name: 'noop', input: undefined },
      { type: 'tool-call', id: 'call_z', name: 'broken', input: '{"a": nope' },
      { type: 'finish', reason: 'end_turn' }
    ])
    assert.deepEqual(eventShape(events), [
      'message_start', 'start:text', 'delta:text_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'start:tool_use', 'delta:input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    const [, weather, time, noop, broken] = summary.blocks
    assert.match(weather!.id!, /^toolu_[A-Za-z0-9_-]+$/, 'a missing id is generated in Anthropic shape')
    assert.deepEqual(weather!.input, { city: 'Tokyo' })
    assert.deepEqual([time!.id, time!.input], ['call_x', { zone: 'JST' }])
    assert.deepEqual(noop!.input, {})
    assert.deepEqual(broken!.input, {}, 'unrepairable whole arguments fall back to {}')
    assert.equal(summary.stopReason, 'tool_use')
  })

  test('generated tool ids are unique', () => {
    const summary = assertEventInvariants(run([
      { type: 'tool-call', name: 'a', input: {} },
      { type: 'tool-call', name: 'b', input: {} },
      toolDelta(0, '{}', undefined, 'c')
    ]))
    assert.equal(new Set(summary.blocks.map((b) => b.id)).size, 3)
  })

  test('redacted reasoning is a start/stop pair carrying the data', () => {
    const events = run([{ type: 'reasoning-delta', text: 'hm' }, { type: 'redacted-reasoning', data: 'EmwKAhgB' }, { type: 'text-delta', text: 'ok' }])
    assert.deepEqual(eventShape(events), [
      'message_start', 'start:thinking', 'delta:thinking_delta', 'stop', 'start:redacted_thinking', 'stop', 'start:text', 'delta:text_delta', 'stop', 'message_delta', 'message_stop'
    ])
    assertEventInvariants(events)
    const start = events.find((e) => e.type === 'content_block_start' && e.content_block.type === 'redacted_thinking')
    assert.deepEqual(start, { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' } })
  })

  describe('usage', () => {
    test('without any upstream usage the estimate is reported in message_start and message_delta', () => {
      const summary = assertEventInvariants(run([{ type: 'text-delta', text: 'x' }]))
      assert.equal(summary.startUsage.input_tokens, ESTIMATE)
      assert.equal(summary.startUsage.output_tokens, 1)
      assert.equal(summary.usage!.input_tokens, ESTIMATE)
    })

    test('output-only usage keeps the input estimate', () => {
      const summary = assertEventInvariants(run([{ type: 'text-delta', text: 'x' }, { type: 'usage', usage: { output_tokens: 9 } }]))
      assert.deepEqual([summary.usage!.input_tokens, summary.usage!.output_tokens], [ESTIMATE, 9])
    })

    test('the upstream figures replace the estimate at the end; later reports win and are not summed', () => {
      const summary = assertEventInvariants(run([
        { type: 'text-delta', text: 'x' },
        { type: 'usage', usage: { input_tokens: 1000, output_tokens: 5 } },
        { type: 'usage', usage: { input_tokens: 1200, output_tokens: 40, cache_read_input_tokens: 3900, cache_creation_input_tokens: 12 } },
        { type: 'usage', usage: { output_tokens: 41 } }
      ]))
      assert.equal(summary.startUsage.input_tokens, ESTIMATE, 'usage reported after the start cannot change message_start')
      assert.deepEqual(summary.usage, { input_tokens: 1200, output_tokens: 41, cache_read_input_tokens: 3900, cache_creation_input_tokens: 12 })
    })

    test('usage on response-start shows in message_start', () => {
      const summary = assertEventInvariants(run([
        { type: 'response-start', usage: { input_tokens: 412, cache_read_input_tokens: 3900 } },
        { type: 'text-delta', text: 'x' },
        { type: 'usage', usage: { output_tokens: 87 } }
      ]))
      assert.equal(summary.startUsage.input_tokens, 412)
      assert.equal(summary.startUsage.cache_read_input_tokens, 3900)
      assert.deepEqual([summary.usage!.input_tokens, summary.usage!.output_tokens, summary.usage!.cache_read_input_tokens], [412, 87, 3900])
    })

    test('a reported input of 0 is authoritative (full KV-cache hit), unlike a missing one', () => {
      const summary = assertEventInvariants(run([{ type: 'text-delta', text: 'x' }, { type: 'usage', usage: { input_tokens: 0, output_tokens: 3 } }]))
      assert.equal(summary.usage!.input_tokens, 0)
    })
  })

  describe('errors', () => {
    const failure = new LynkrError('overloaded', 'Overloaded', { status: 529 })

    test('an error part ends the stream: error event, then nothing (no message_delta, no message_stop)', () => {
      const assembler = new MessageAssembler({ clientModel: 'm', inputTokensEstimate: 1 })
      const events: MessageEvent[] = []
      assembler.push({ type: 'text-delta', text: 'partial' }, events)
      assembler.push({ type: 'error', error: failure }, events)
      assert.equal(assembler.isEnded, true)
      assert.deepEqual(assembler.push({ type: 'text-delta', text: 'late' }), [])
      assert.deepEqual(assembler.end(), [])
      assembler.end(events)
      assert.deepEqual(eventShape(events), ['message_start', 'start:text', 'delta:text_delta', 'error'])
      const last = events.at(-1)
      assert.ok(last?.type === 'error')
      assert.equal(last.error, failure)
      assert.deepEqual(assertEventInvariants(events).error, { kind: 'overloaded', message: 'Overloaded' })
    })

    test('an error before any content still starts the message first', () => {
      const events = run([{ type: 'error', error: failure }])
      assert.deepEqual(eventShape(events), ['message_start', 'error'])
      assertEventInvariants(events)
    })
  })

  test('end() with no parts still produces a complete, empty message', () => {
    const events = new MessageAssembler({ clientModel: 'm', inputTokensEstimate: 5 }).end()
    assert.deepEqual(eventShape(events), ['message_start', 'message_delta', 'message_stop'])
    assert.equal(assertEventInvariants(events).stopReason, 'end_turn')
  })

  test('end() is idempotent', () => {
    const assembler = new MessageAssembler({ clientModel: 'm', inputTokensEstimate: 5 })
    assembler.push({ type: 'text-delta', text: 'a' })
    assert.equal(assembler.end().length, 3)
    assert.deepEqual(assembler.end(), [])
    assert.deepEqual(assembler.push({ type: 'text-delta', text: 'b' }), [])
  })

  test('a buffered call whose name arrives in a later fragment is emitted with that name', () => {
    const summary = assertEventInvariants(run([
      toolDelta(0, '{"a":', 'call_A', 'first'),
      toolDelta(1, '{"b":', 'call_B'),
      toolDelta(1, '2}', undefined, 'second'),
      toolDelta(0, '1}')
    ]))
    assert.deepEqual(summary.blocks.map((b) => [b.id, b.name, b.input]), [['call_A', 'first', { a: 1 }], ['call_B', 'second', { b: 2 }]])
  })

  test('reasoning after a signature opens a new thinking block (the signature seals its block)', () => {
    // Databricks can return several signed reasoning summaries in one message.
    const events = run([
      { type: 'reasoning-delta', text: 'one' },
      { type: 'reasoning-signature', signature: 'sig1' },
      { type: 'reasoning-delta', text: 'two' },
      { type: 'reasoning-signature', signature: 'sig2' },
      { type: 'text-delta', text: 'answer' }
    ])
    assert.deepEqual(eventShape(events), [
      'message_start',
      'start:thinking', 'delta:thinking_delta', 'delta:signature_delta', 'stop',
      'start:thinking', 'delta:thinking_delta', 'delta:signature_delta', 'stop',
      'start:text', 'delta:text_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const summary = assertEventInvariants(events)
    assert.deepEqual(summary.blocks.slice(0, 2).map((b) => [b.thinking, b.signature]), [['one', 'sig1'], ['two', 'sig2']])
  })

  test('a tool fragment that never gets a name emits no block and does not claim tool_use', () => {
    const events = run([{ type: 'text-delta', text: 'hi' }, toolDelta(0, '{"a":1}'), { type: 'finish', reason: 'tool_use' }])
    assert.deepEqual(eventShape(events), ['message_start', 'start:text', 'delta:text_delta', 'stop', 'message_delta', 'message_stop'])
    assert.equal(assertEventInvariants(events).stopReason, 'end_turn')
  })

  test('random part sequences always satisfy the invariants (seeded)', () => {
    const random = mulberry32(20261101)
    const error = new LynkrError('api_error', 'boom', { status: 502 })
    for (let round = 0; round < 500; round++) {
      const parts: UpstreamPart[] = []
      const length = Math.floor(random() * 25)
      for (let i = 0; i < length; i++) parts.push(randomPart(random, error))
      const events = run(parts)
      try {
        assertEventInvariants(events, { lenientToolInput: true })
      } catch (failure) {
        throw new Error(`round ${round}, parts ${JSON.stringify(parts)}\n${(failure as Error).message}`)
      }
      // Indices are never reused and blocks never overlap, even across kinds.
      const starts = events.filter((e) => e.type === 'content_block_start').map((e) => (e as { index: number }).index)
      assert.deepEqual(starts, starts.map((_, i) => i))
    }
  })
})

function randomPart (random: () => number, error: LynkrError): UpstreamPart {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const roll = random()
  if (roll < 0.2) return { type: 'text-delta', text: pick(['', 'a', 'hello ', '☃']) }
  if (roll < 0.32) return { type: 'reasoning-delta', text: pick(['', 'think', ' more']) }
  if (roll < 0.36) return { type: 'reasoning-signature', signature: pick(['', 'sig']) }
  if (roll < 0.39) return { type: 'redacted-reasoning', data: 'Zm9v' }
  if (roll < 0.7) {
    const index = Math.floor(random() * 3)
    return toolDelta(index, pick([undefined, '', '{', '"k"', ':', '1', ',', '"v', '}', '[', ']']), pick([undefined, `call_${index}`]), pick([undefined, `tool${index}`]))
  }
  if (roll < 0.78) return { type: 'tool-call', id: pick([undefined, 'call_w']), name: 'whole', input: pick([{ a: 1 }, '{"b":2}', '{"c":', 'garbage']) }
  if (roll < 0.88) return { type: 'usage', usage: pick([{ output_tokens: 3 }, { input_tokens: 9, output_tokens: 4 }, { cache_read_input_tokens: 2 }]) }
  if (roll < 0.98) return { type: 'finish', reason: pick(['end_turn', 'tool_use', 'max_tokens', null] as const) }
  return { type: 'error', error }
}

/** Splits text into 1–6 random pieces (some possibly empty). */
function splitRandomly (text: string, random: () => number): string[] {
  const cuts = Array.from({ length: Math.floor(random() * 6) }, () => Math.floor(random() * (text.length + 1))).sort((a, b) => a - b)
  const pieces: string[] = []
  let from = 0
  for (const cut of cuts) { pieces.push(text.slice(from, cut)); from = cut }
  pieces.push(text.slice(from))
  return pieces
}


test('server-tool blocks pass whole, in order, between other blocks; a server tool call is not a client tool call', () => {
  const result = { type: 'web_search_tool_result' as const, tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', title: 'T', url: 'https://example.com', encrypted_content: 'Eq' }] }
  const events = run([
    { type: 'response-start' },
    { type: 'text-delta', text: 'Let me search.' },
    { type: 'server-block', block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } } },
    { type: 'server-block', block: result },
    { type: 'text-delta', text: 'Found it.' },
    { type: 'finish', reason: 'end_turn' }
  ])
  const summary = assertEventInvariants(events)
  assert.deepEqual(summary.blocks.map((block) => block.type), ['text', 'server_tool_use', 'server_tool_result', 'text'])
  assert.deepEqual(summary.blocks[1]!.input, { query: 'q' }, 'the call input arrives as input_json_delta')
  const starts = events.filter((event) => event.type === 'content_block_start')
  assert.deepEqual(starts[1], { type: 'content_block_start', index: 1, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } })
  assert.deepEqual(starts[2], { type: 'content_block_start', index: 2, content_block: result })
  const delta = events.find((event) => event.type === 'message_delta')
  assert.equal(delta?.type === 'message_delta' ? delta.delta.stop_reason : undefined, 'end_turn')
})

test('a citation opens its own text block, before its text; more citations of that block stay in it', () => {
  const source = { type: 'web_search_result_location', url: 'https://example.com', title: 'T', encrypted_index: 'Ep', cited_text: 'x' }
  const events = run([
    { type: 'text-delta', text: 'Plain. ' },
    { type: 'citation', citation: source },
    { type: 'citation', citation: { ...source, url: 'https://example.org' } },
    { type: 'text-delta', text: 'Cited.' }
  ])
  assertEventInvariants(events)
  assert.deepEqual(events.filter((event) => event.type === 'content_block_delta').map((event) => [event.index, event.delta.type]), [
    [0, 'text_delta'], [1, 'citations_delta'], [1, 'citations_delta'], [1, 'text_delta']
  ])
})

test('text that starts a new upstream block closes the text block before it; a cited block keeps its own text', () => {
  const source = { type: 'web_search_result_location', url: 'https://example.com', title: 'T', encrypted_index: 'Ep', cited_text: 'x' }
  const events = run([
    { type: 'citation', citation: source },
    { type: 'text-delta', text: 'Cited', newBlock: true },
    { type: 'text-delta', text: ' passage.' },
    { type: 'text-delta', text: ' Uncited tail', newBlock: true },
    { type: 'text-delta', text: '.' }
  ])
  assertEventInvariants(events)
  assert.deepEqual(events.filter((event) => event.type === 'content_block_delta').map((event) => [event.index, event.delta.type]), [
    [0, 'citations_delta'], [0, 'text_delta'], [0, 'text_delta'], [1, 'text_delta'], [1, 'text_delta']
  ])
})
