import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { MessageAssembler, readSseEvents } from '@lynkr/core'
import { byteChunks, collectMessage } from '@lynkr/core/testing'
import { fromOpenAIUsage, mapFinishReason, openAIChunkToParts, openAICompletionToParts } from './parse-openai-response.ts'

const ESTIMATE = 555

/** The adapter's path: SSE bytes in 11-byte chunks → chunks → parts → the one assembler. */
async function stream (name: string): Promise<{ events: MessageEvent[], parts: UpstreamPart[] }> {
  const bytes = new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)))
  const assembler = new MessageAssembler({ clientModel: 'claude-opus-5-5', inputTokensEstimate: ESTIMATE })
  const events: MessageEvent[] = []
  const parts: UpstreamPart[] = []
  for await (const event of readSseEvents(byteChunks(bytes, 11))) {
    if (event.data === '[DONE]') break
    for (const part of openAIChunkToParts('openai', JSON.parse(event.data) as Record<string, unknown>)) {
      parts.push(part)
      assembler.push(part, events)
    }
  }
  assembler.end(events)
  return { events, parts }
}

function shape (events: MessageEvent[]): string[] {
  return events.map((e) => e.type === 'content_block_start' ? `start:${e.content_block.type}` : e.type === 'content_block_delta' ? e.delta.type : e.type === 'content_block_stop' ? 'stop' : e.type)
}

function fragments (events: MessageEvent[], index: number): string[] {
  return events.flatMap((e) => e.type === 'content_block_delta' && e.index === index && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : [])
}

describe('OpenAI SSE → parts → MessageAssembler', () => {
  test('two parallel tool calls with interleaved fragments: first streamed live, second whole; include_usage excludes cached tokens', async () => {
    const { events, parts } = await stream('openai-parallel-tools.chunks.txt')
    assert.deepEqual(parts.filter((p) => p.type === 'tool-call-delta').map((p) => (p as { index: number }).index), [0, 0, 0, 1, 1, 0, 1, 0], 'the fixture interleaves')
    assert.deepEqual(shape(events), [
      'message_start',
      'start:tool_use', 'input_json_delta', 'input_json_delta', 'input_json_delta', 'input_json_delta', 'stop',
      'start:tool_use', 'input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    assert.deepEqual(fragments(events, 0), ['{"file_', 'path": "src/a', '.ts", "limit": 20', '0}'])
    assert.deepEqual(fragments(events, 1), ['{"file_path": "src/b.ts"}'])
    const message = collectMessage(events)
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_A7bX2', name: 'Read', input: { file_path: 'src/a.ts', limit: 200 } },
      { type: 'tool_use', id: 'call_B9kQ4', name: 'Read', input: { file_path: 'src/b.ts' } }
    ])
    assert.equal(message.stop_reason, 'tool_use')
    assert.deepEqual(message.usage, { input_tokens: 1500 - 1024, output_tokens: 48, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0, reasoning_tokens: 0 })
    assert.equal(message.model, 'claude-opus-5-5', 'the client model is echoed, not gpt-4o-mini')
  })

  test('Azure empty-choices chunk, OpenRouter comments, reasoning, whole tool arguments and finish "stop" after a tool call', async () => {
    const { events } = await stream('azure-openrouter-quirks.chunks.txt')
    assert.deepEqual(shape(events), [
      'message_start',
      'start:thinking', 'thinking_delta', 'thinking_delta', 'stop',
      'start:text', 'text_delta', 'text_delta', 'stop',
      'start:tool_use', 'input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const message = collectMessage(events)
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'The user wants a listing.', signature: '' },
      { type: 'text', text: 'Listing files — one moment.' },
      { type: 'tool_use', id: 'call_8f1d2e', name: 'Bash', input: { command: 'ls -la', description: 'List files' } }
    ])
    assert.equal(message.stop_reason, 'tool_use', 'finish_reason "stop" after tool calls is still tool_use')
    assert.deepEqual(message.usage, { input_tokens: 900, output_tokens: 60, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, reasoning_tokens: 12 })
  })

  test('Databricks content arrays: reasoning summary with its signature, then text', async () => {
    const { events } = await stream('databricks-reasoning.chunks.txt')
    assert.deepEqual(shape(events), [
      'message_start',
      'start:thinking', 'thinking_delta', 'thinking_delta', 'signature_delta', 'stop',
      'start:text', 'text_delta', 'text_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const message = collectMessage(events)
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'Compare the two numbers.', signature: 'ErUBCkYIBRgCIkDmZ0Qs' },
      { type: 'text', text: '9.11 is smaller than 9.9.' }
    ])
    assert.equal(message.stop_reason, 'end_turn')
    assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [40, 70])
  })

  test('an in-stream error chunk becomes an error event, and nothing follows it', async () => {
    const { events } = await stream('stream-error.chunks.txt')
    assert.deepEqual(shape(events), ['message_start', 'start:text', 'text_delta', 'text_delta', 'error'])
    const last = events.at(-1)
    assert.ok(last?.type === 'error')
    assert.equal(last.error.kind, 'api_error')
    assert.equal(last.error.status, 502)
    assert.equal(last.error.message, 'openai: Provider returned error: upstream disconnected')
  })
})

describe('openAIChunkToParts', () => {
  test('fragments without index use their position; repeated ids are ignored after the first', () => {
    const parts = openAIChunkToParts('x', {
      choices: [{ index: 0, delta: { tool_calls: [{ id: 'call_1', function: { name: 'a', arguments: '{}' } }, { id: 'call_2', function: { name: 'b', arguments: { k: 1 } } }] } }]
    })
    assert.deepEqual(parts, [
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'a', argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 1, id: 'call_2', name: 'b', argumentsDelta: '{"k":1}' }
    ])
  })

  test('reasoning_content (DeepSeek, llama.cpp) and content in one delta: reasoning first', () => {
    assert.deepEqual(openAIChunkToParts('x', { choices: [{ delta: { reasoning_content: 'why', content: 'what' } }] }), [
      { type: 'reasoning-delta', text: 'why' },
      { type: 'text-delta', text: 'what' }
    ])
  })

  test('context overflow reported in-stream keeps the Claude Code phrase', () => {
    const [part] = openAIChunkToParts('vllm', { error: { message: "This model's maximum context length is 32768 tokens.", code: 400 } })
    assert.ok(part?.type === 'error')
    assert.equal(part.error.kind, 'context_length_exceeded')
    assert.match(part.error.message, /^prompt is too long: /)
  })
})

describe('openAICompletionToParts (non-stream)', () => {
  test('reasoning, content, refusal, whole tool calls, usage and finish in order', () => {
    const parts = openAICompletionToParts('x', {
      choices: [{
        index: 0,
        message: {
          role: 'assistant',
          reasoning_content: 'think',
          content: 'Reading.',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Read', arguments: '{"file_path":"a"}' } }, { id: 'call_bad', type: 'function', function: {} }]
        },
        finish_reason: 'tool_calls'
      }],
      usage: { prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 60 } }
    })
    assert.deepEqual(parts, [
      { type: 'reasoning-delta', text: 'think' },
      { type: 'text-delta', text: 'Reading.' },
      { type: 'tool-call', id: 'call_1', name: 'Read', input: '{"file_path":"a"}' },
      { type: 'usage', usage: { input_tokens: 40, output_tokens: 10, cache_read_input_tokens: 60, cache_creation_input_tokens: 0 } },
      { type: 'finish', reason: 'tool_use' }
    ])
  })

  test('a refusal becomes text and finish content_filter becomes refusal', () => {
    const parts = openAICompletionToParts('x', { choices: [{ message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, finish_reason: 'content_filter' }] })
    assert.deepEqual(parts, [{ type: 'text-delta', text: 'I cannot help with that.' }, { type: 'finish', reason: 'refusal' }])
  })
})

describe('usage and finish mapping', () => {
  test('prompt_tokens include cached and written tokens; Anthropic input excludes both', () => {
    assert.deepEqual(fromOpenAIUsage({ prompt_tokens: 5000, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 3000, cache_write_tokens: 1500 }, completion_tokens_details: { reasoning_tokens: 120 } }),
      { input_tokens: 500, output_tokens: 300, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1500, reasoning_tokens: 120 })
    assert.deepEqual(fromOpenAIUsage({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: null }),
      { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 })
  })

  test('finish reasons', () => {
    assert.equal(mapFinishReason('stop'), 'end_turn')
    assert.equal(mapFinishReason('length'), 'max_tokens')
    assert.equal(mapFinishReason('tool_calls'), 'tool_use')
    assert.equal(mapFinishReason('function_call'), 'tool_use')
    assert.equal(mapFinishReason('content_filter'), 'refusal')
    assert.equal(mapFinishReason(null), null)
    assert.equal(mapFinishReason('error'), null)
  })
})
