import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent, Usage } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { ChatChunkEncoder, DONE_FRAME } from './encode-chat-chunks.ts'
import { toChatCompletion } from './to-chat-completion.ts'

const USAGE: Usage = { input_tokens: 40, output_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 7, reasoning_tokens: 5 }

function start (usage: Partial<Usage> = {}): MessageEvent {
  return {
    type: 'message_start',
    message: { id: 'msg_abc', type: 'message', role: 'assistant', model: 'client-model', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 99, output_tokens: 1, ...usage } }
  }
}

/** thinking, text, then two tool calls (Anthropic block indices 0..3), stopping for tools. */
const TOOL_TURN: MessageEvent[] = [
  start(),
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Reading.' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_A', name: 'read', input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"path":' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"a.ts"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'call_B', name: 'read', input: {} } },
  { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"path":"b.ts"}' } },
  { type: 'content_block_stop', index: 3 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE },
  { type: 'message_stop' }
]

function encode (events: MessageEvent[], includeUsage: boolean, customTools: string[] = []): string[] {
  const encoder = new ChatChunkEncoder({ includeUsage, customTools: new Set(customTools), created: 1700000000 })
  return events.flatMap((event) => encoder.push(event))
}

function payloads (frames: string[]): unknown[] {
  return frames.map((frame) => {
    assert.match(frame, /^data: .*\n\n$/s)
    const data = frame.slice(6, -2)
    return data === '[DONE]' ? data : JSON.parse(data)
  })
}

interface Chunk { id: string, object: string, created: number, model: string, choices: Array<{ index: number, delta: Record<string, unknown>, finish_reason: string | null }>, usage?: unknown }

describe('ChatChunkEncoder', () => {
  test('role chunk, reasoning, text, tool calls indexed 0 and 1, finish, usage chunk, [DONE]', () => {
    const frames = encode(TOOL_TURN, true)
    assert.equal(frames.at(-1), DONE_FRAME)
    const chunks = payloads(frames).slice(0, -1) as Chunk[]
    for (const chunk of chunks) {
      assert.equal(chunk.id, 'chatcmpl-abc')
      assert.equal(chunk.object, 'chat.completion.chunk')
      assert.equal(chunk.created, 1700000000)
      assert.equal(chunk.model, 'client-model')
    }
    assert.deepEqual(chunks.slice(0, -1).map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason, chunk.usage]), [
      [{ role: 'assistant', content: '' }, null, null],
      [{ reasoning_content: 'hmm' }, null, null],
      [{ content: 'Reading.' }, null, null],
      [{ tool_calls: [{ index: 0, id: 'call_A', type: 'function', function: { name: 'read', arguments: '' } }] }, null, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }, null, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '"a.ts"}' } }] }, null, null],
      [{ tool_calls: [{ index: 1, id: 'call_B', type: 'function', function: { name: 'read', arguments: '' } }] }, null, null],
      [{ tool_calls: [{ index: 1, function: { arguments: '{"path":"b.ts"}' } }] }, null, null],
      [{}, 'tool_calls', null]
    ])
    // prompt_tokens = input + cache read + cache creation; cached_tokens = cache read.
    assert.deepEqual(chunks.at(-1), {
      id: 'chatcmpl-abc',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'client-model',
      choices: [],
      usage: {
        prompt_tokens: 147,
        completion_tokens: 25,
        total_tokens: 172,
        prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 7 },
        completion_tokens_details: { reasoning_tokens: 5 }
      }
    })
  })

  test('without include_usage: no usage fields and no usage chunk', () => {
    const chunks = payloads(encode(TOOL_TURN, false)).slice(0, -1) as Chunk[]
    assert.ok(chunks.every((chunk) => !('usage' in chunk) && chunk.choices.length === 1))
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls')
  })

  test('stop reasons map to finish reasons', () => {
    const finish = (reason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'refusal'): unknown => {
      const chunks = payloads(encode([start(), { type: 'message_delta', delta: { stop_reason: reason, stop_sequence: null }, usage: USAGE }, { type: 'message_stop' }], false))
      return (chunks[1] as Chunk).choices[0]?.finish_reason
    }
    assert.equal(finish('end_turn'), 'stop')
    assert.equal(finish('stop_sequence'), 'stop')
    assert.equal(finish('max_tokens'), 'length')
    assert.equal(finish('refusal'), 'content_filter')
  })

  test('a partial final usage keeps the earlier input count', () => {
    const chunks = payloads(encode([start({ input_tokens: 12 }), { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } as Usage }, { type: 'message_stop' }], true))
    assert.deepEqual((chunks.at(-2) as Chunk).usage, { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0 } })
  })

  test('a mid-stream error is one data: {"error"} frame and nothing after it', () => {
    const error = new LynkrError('api_error', 'ollama upstream stream broke: connection reset', { status: 502 })
    const frames = encode([
      start(),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'part' } },
      { type: 'error', error },
      { type: 'message_stop' }
    ], true)
    assert.equal(frames.length, 3)
    assert.deepEqual(payloads(frames).at(-1), { error: { message: 'ollama upstream stream broke: connection reset', type: 'server_error', param: null, code: 'lynkr_api_error' } })
  })

  test('custom tools: buffered and sent whole as type "custom" with the raw input', () => {
    const chunks = payloads(encode([
      start(),
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'call_P', name: 'ApplyPatch', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"input":"*** Begin' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: ' Patch"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: USAGE },
      { type: 'message_stop' }
    ], false, ['ApplyPatch'])) as Chunk[]
    assert.deepEqual(chunks[1]?.choices[0]?.delta, { tool_calls: [{ index: 0, id: 'call_P', type: 'custom', custom: { name: 'ApplyPatch', input: '*** Begin Patch' } }] })
  })
})

describe('toChatCompletion', () => {
  test('text, reasoning and tool calls in one chat.completion with upstream usage', () => {
    const completion = toChatCompletion({
      id: 'msg_xyz',
      type: 'message',
      role: 'assistant',
      model: 'client-model',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: '' },
        { type: 'text', text: 'Reading.' },
        { type: 'tool_use', id: 'call_A', name: 'read', input: { path: 'a.ts' } },
        { type: 'tool_use', id: 'call_P', name: 'ApplyPatch', input: { input: 'diff' } }
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: USAGE
    }, new Set(['ApplyPatch']), 1700000000)
    assert.deepEqual(completion, {
      id: 'chatcmpl-xyz',
      object: 'chat.completion',
      created: 1700000000,
      model: 'client-model',
      choices: [{
        index: 0,
        logprobs: null,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: 'Reading.',
          refusal: null,
          reasoning_content: 'hmm',
          tool_calls: [
            { id: 'call_A', type: 'function', function: { name: 'read', arguments: '{"path":"a.ts"}' } },
            { id: 'call_P', type: 'custom', custom: { name: 'ApplyPatch', input: 'diff' } }
          ]
        }
      }],
      usage: {
        prompt_tokens: 147,
        completion_tokens: 25,
        total_tokens: 172,
        prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 7 },
        completion_tokens_details: { reasoning_tokens: 5 }
      }
    })
  })

  test('tool calls without text: content is null', () => {
    const completion = toChatCompletion({
      id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'tool_use', id: 'c', name: 'f', input: {} }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 }
    }, new Set())
    const message = (completion.choices as Array<{ message: { content: unknown } }>)[0]?.message
    assert.equal(message?.content, null)
  })
})
