import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { MessageEvent } from '@lynkr/protocol'
import { MessageAssembler, readNdjsonLines } from '@lynkr/core'
import { byteChunks, collectMessage } from '@lynkr/core/testing'
import { ollamaChunkToParts } from './parse-ollama-response.ts'

const ESTIMATE = 777

function fixture (name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)))
}

/** The production path: NDJSON bytes (in awkward 13-byte chunks) → parser → the one assembler. */
async function stream (name: string): Promise<MessageEvent[]> {
  const bytes = fixture(name)
  const assembler = new MessageAssembler({ clientModel: 'claude-opus-5-5', inputTokensEstimate: ESTIMATE })
  const events: MessageEvent[] = []
  for await (const line of readNdjsonLines(byteChunks(bytes, 13))) for (const part of ollamaChunkToParts(line)) assembler.push(part, events)
  return assembler.end(events)
}

function shape (events: MessageEvent[]): string[] {
  return events.map((e) => e.type === 'content_block_start' ? `start:${e.content_block.type}` : e.type === 'content_block_delta' ? e.delta.type : e.type === 'content_block_stop' ? 'stop' : e.type)
}

describe('Ollama NDJSON → parts → MessageAssembler', () => {
  test('thinking, text and a whole tool call with done_reason "stop" end as tool_use with Ollama usage', async () => {
    const events = await stream('thinking-text-tool.ndjson')
    assert.deepEqual(shape(events), [
      'message_start',
      'start:thinking', ...Array(6).fill('thinking_delta'), 'stop',
      'start:text', ...Array(6).fill('text_delta'), 'stop',
      'start:tool_use', 'input_json_delta', 'stop',
      'message_delta', 'message_stop'
    ])
    const message = collectMessage(events)
    assert.deepEqual(message.content, [
      { type: 'thinking', thinking: 'The user wants the weather in Tokyo; I should call get_weather.', signature: '' },
      { type: 'text', text: 'Let me check the weather for you ☀️.' },
      { type: 'tool_use', id: 'call_qh7f3k2p', name: 'get_weather', input: { city: 'Tokyo', unit: 'celsius' } }
    ])
    assert.equal(message.stop_reason, 'tool_use', 'Ollama says "stop" even after tool calls')
    assert.equal(message.usage.input_tokens, 169, 'prompt_eval_count')
    assert.equal(message.usage.output_tokens, 15, 'eval_count')
    const start = events[0]
    assert.ok(start?.type === 'message_start')
    assert.equal(start.message.usage.input_tokens, ESTIMATE, 'the estimate until Ollama reports')
  })

  test('a mid-stream {"error"} line becomes an error event and nothing follows', async () => {
    const events = await stream('mid-stream-error.ndjson')
    assert.deepEqual(shape(events), ['message_start', 'start:text', 'text_delta', 'text_delta', 'error'])
    const last = events.at(-1)
    assert.ok(last?.type === 'error')
    assert.equal(last.error.kind, 'api_error')
    assert.equal(last.error.provider, 'ollama')
    assert.match(last.error.message, /^ollama: an error was encountered while running the model: unexpected EOF/)
  })

  test('a missing prompt_eval_count (KV cache reuse) keeps the input estimate instead of reporting 0', async () => {
    const message = collectMessage(await stream('kv-cache-hit.ndjson'))
    assert.equal(message.usage.input_tokens, ESTIMATE)
    assert.equal(message.usage.output_tokens, 3)
    assert.equal(message.stop_reason, 'end_turn')
  })

  test('done_reason "length" is max_tokens', async () => {
    const message = collectMessage(await stream('length.ndjson'))
    assert.equal(message.stop_reason, 'max_tokens')
    assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [40, 64])
  })
})

describe('ollamaChunkToParts', () => {
  test('a non-stream reply (one object) gives every part in order', () => {
    const parts = ollamaChunkToParts({
      model: 'qwen3:8b',
      message: { role: 'assistant', content: 'Calling.', thinking: 'hmm', tool_calls: [{ function: { name: 'a', arguments: { x: 1 } } }, { function: { name: 'b', arguments: {} } }] },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 10,
      eval_count: 2
    })
    assert.deepEqual(parts, [
      { type: 'reasoning-delta', text: 'hmm' },
      { type: 'text-delta', text: 'Calling.' },
      { type: 'tool-call', id: undefined, name: 'a', input: { x: 1 } },
      { type: 'tool-call', id: undefined, name: 'b', input: {} },
      { type: 'usage', usage: { input_tokens: 10, output_tokens: 2 } },
      { type: 'finish', reason: 'end_turn' }
    ])
  })

  test('empty content and thinking produce no parts; tool calls without a name are skipped', () => {
    assert.deepEqual(ollamaChunkToParts({ message: { role: 'assistant', content: '', thinking: '', tool_calls: [{ function: { arguments: {} } }] }, done: false }), [])
  })

  test('a context overflow error is context_length_exceeded with the Claude Code phrase', () => {
    const [part] = ollamaChunkToParts({ error: 'the input length exceeds the context length' })
    assert.ok(part?.type === 'error')
    assert.equal(part.error.kind, 'context_length_exceeded')
    assert.equal(part.error.status, 400)
    assert.match(part.error.message, /^prompt is too long: /)
  })
})
