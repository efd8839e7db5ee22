import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent, Usage } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { ResponsesEventEncoder, toResponseObject } from './encode-responses.ts'
import { parseResponsesRequest } from './parse-responses-request.ts'

const USAGE: Usage = { input_tokens: 40, output_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 }
const OPTIONS = { echo: { instructions: 'be brief' }, customTools: new Set(['ApplyPatch']), created: 1700000000 }

const start: MessageEvent = {
  type: 'message_start',
  message: { id: 'msg_abc', type: 'message', role: 'assistant', model: 'client-model', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }
}

const TURN: MessageEvent[] = [
  start,
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'plan' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi ' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'there' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_A', name: 'read', input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"path":"a"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'call_P', name: 'ApplyPatch', input: {} } },
  { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"input":"diff"}' } },
  { type: 'content_block_stop', index: 3 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE },
  { type: 'message_stop' }
]

interface Sse { event: string, data: Record<string, any> }

function encode (events: MessageEvent[]): Sse[] {
  const encoder = new ResponsesEventEncoder(OPTIONS)
  return events.flatMap((event) => encoder.push(event)).map((frame) => {
    const match = /^event: (\S+)\ndata: (.*)\n\n$/s.exec(frame)
    assert.ok(match, `typed SSE frame: ${frame}`)
    const data = JSON.parse(match[2]!) as Record<string, any>
    assert.equal(data.type, match[1])
    return { event: match[1]!, data }
  })
}

describe('ResponsesEventEncoder', () => {
  test('typed events in order, sequence numbers, items per block, completed response with usage', () => {
    const events = encode(TURN)
    assert.deepEqual(events.map((event) => event.event), [
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta', 'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
      'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done',
      'response.completed'
    ])
    assert.deepEqual(events.map((event) => event.data.sequence_number), events.map((_, index) => index))
    const created = events[0]!.data.response
    assert.equal(created.id, 'resp_abc')
    assert.equal(created.status, 'in_progress')
    assert.equal(created.instructions, 'be brief')
    assert.equal(created.model, 'client-model')

    const completed = events.at(-1)!.data.response
    assert.equal(completed.status, 'completed')
    assert.deepEqual(completed.usage, { input_tokens: 140, input_tokens_details: { cached_tokens: 100 }, output_tokens: 25, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 165 })
    assert.deepEqual(completed.output.map((item: any) => [item.type, item.status]), [['reasoning', undefined], ['message', 'completed'], ['function_call', 'completed'], ['custom_tool_call', 'completed']])
    assert.deepEqual(completed.output[0].content, [{ type: 'reasoning_text', text: 'plan' }])
    assert.deepEqual(completed.output[1].content, [{ type: 'output_text', text: 'Hi there', annotations: [], logprobs: [] }])
    assert.deepEqual([completed.output[2].call_id, completed.output[2].name, completed.output[2].arguments], ['call_A', 'read', '{"path":"a"}'])
    assert.deepEqual([completed.output[3].call_id, completed.output[3].input], ['call_P', 'diff'])
    // Deltas reference the item they belong to.
    const textItem = events[8]!.data.item.id
    assert.equal(events[10]!.data.item_id, textItem)
    assert.equal(events[10]!.data.output_index, 1)
  })

  test('max_tokens ends with response.incomplete', () => {
    const events = encode([start, { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: USAGE }, { type: 'message_stop' }])
    assert.equal(events.at(-1)!.event, 'response.incomplete')
    assert.deepEqual(events.at(-1)!.data.response.incomplete_details, { reason: 'max_output_tokens' })
  })

  test('a mid-stream error: an error event, then response.failed, then nothing', () => {
    const error = new LynkrError('rate_limit', 'openai upstream returned 429: slow down', { status: 429 })
    const events = encode([start, { type: 'error', error }, { type: 'message_stop' }])
    assert.deepEqual(events.slice(2).map((event) => event.event), ['error', 'response.failed'])
    assert.equal(events[2]!.data.code, 'rate_limit_exceeded')
    assert.equal(events[2]!.data.message, 'openai upstream returned 429: slow down')
    assert.deepEqual(events[3]!.data.response.error, { code: 'rate_limit_exceeded', message: 'openai upstream returned 429: slow down' })
  })
})

describe('toResponseObject', () => {
  test('a whole message as a response object', () => {
    const response = toResponseObject({
      id: 'msg_q', type: 'message', role: 'assistant', model: 'm',
      content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'tool_use', id: 'c1', name: 'f', input: { x: 1 } }],
      stop_reason: 'tool_use', stop_sequence: null, usage: USAGE
    }, OPTIONS) as Record<string, any>
    assert.equal(response.id, 'resp_q')
    assert.equal(response.object, 'response')
    assert.equal(response.status, 'completed')
    assert.equal(response.output.length, 2)
    assert.deepEqual(response.output[0].content, [{ type: 'output_text', text: 'ab', annotations: [], logprobs: [] }])
    assert.deepEqual([response.output[1].type, response.output[1].call_id, response.output[1].arguments], ['function_call', 'c1', '{"x":1}'])
    assert.equal(response.usage.input_tokens, 140)
  })
})

describe('parseResponsesRequest', () => {
  test('string input, instructions, max_output_tokens, reasoning, text.format, flat tools', () => {
    const { request, echo } = parseResponsesRequest({
      model: 'gpt-5',
      input: 'hello',
      instructions: 'be brief',
      max_output_tokens: 64,
      reasoning: { effort: 'high' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' } } },
      tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }],
      store: true,
      metadata: { a: '1' }
    })
    assert.deepEqual(request.system, [{ type: 'text', text: 'be brief' }])
    assert.deepEqual(request.messages, [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }])
    assert.equal(request.max_tokens, 64)
    assert.equal(request.effort, 'high')
    assert.deepEqual(request.responseFormat, { type: 'json_schema', schema: { type: 'object' }, name: 'out' })
    assert.deepEqual(request.tools?.map((tool) => tool.name), ['f'])
    assert.equal(echo.instructions, 'be brief')
    assert.deepEqual(echo.metadata, { a: '1' })
  })

  test('bad input is a 400', () => {
    for (const body of [{ model: 'm' }, { input: 'x' }, { model: 'm', input: 42 }, { model: 'm', input: [{ role: 'user', content: 7 }] }, { model: 'm', input: [{ type: 'function_call', name: 'f' }] }, { model: 'm', input: 'x', instructions: 3 }]) {
      assert.throws(() => parseResponsesRequest(body), (error: unknown) => error instanceof LynkrError && error.status === 400)
    }
  })

  test('unknown input items and a conversation left empty are refused; stored-state items are dropped', () => {
    const refused: Array<[unknown, RegExp]> = [
      [{ model: 'm', input: [{ type: 'bogus' }] }, /'input\[0\]\.type'.*bogus/],
      [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_audio' }] }], instructions: 'be brief' }, /at least one item/],
      [{ model: 'm\nx', input: 'hi' }, /Invalid 'model'/]
    ]
    for (const [body, pattern] of refused) {
      assert.throws(() => parseResponsesRequest(body), (error: unknown) => error instanceof LynkrError && error.status === 400 && pattern.test(error.message), JSON.stringify(body))
    }
    const kept = parseResponsesRequest({ model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }, { role: 'user', content: 'hi' }] })
    assert.deepEqual(kept.request.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }])
  })
})
