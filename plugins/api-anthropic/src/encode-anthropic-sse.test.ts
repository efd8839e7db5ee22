import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { MessageAssembler, readSseEvents } from '@lynkr/core'
import { PING_FRAME, encodeAnthropicSse } from './encode-anthropic-sse.ts'

async function * once (text: string): AsyncGenerator<string> { yield text }

async function decode (wire: string): Promise<Array<{ event?: string, data: unknown }>> {
  const out: Array<{ event?: string, data: unknown }> = []
  for await (const event of readSseEvents(once(wire))) out.push({ event: event.event, data: JSON.parse(event.data) })
  return out
}

function assembled (parts: UpstreamPart[]): MessageEvent[] {
  const assembler = new MessageAssembler({ clientModel: 'claude-opus-5-5', inputTokensEstimate: 100 })
  const events: MessageEvent[] = []
  for (const part of parts) assembler.push(part, events)
  return assembler.end(events)
}

describe('encodeAnthropicSse', () => {
  test('one frame per event: `event: <type>`, one data line with the event JSON, a blank line', () => {
    const frame = encodeAnthropicSse({ type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'line 1\nline 2\r\n\n"quoted" ☃' } })
    assert.equal(frame, 'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"line 1\\nline 2\\r\\n\\n\\"quoted\\" ☃"}}\n\n')
    assert.equal(frame.split('\n').length, 4, 'newlines inside text never split the data line')
  })

  test('a whole assembled stream round-trips through an SSE reader, names matching data.type', async () => {
    const events = assembled([
      { type: 'reasoning-delta', text: 'think\n' },
      { type: 'reasoning-signature', signature: 'sig' },
      { type: 'text-delta', text: 'Hello\n\nworld' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'Bash', argumentsDelta: '{"command":"ls\\n' },
      { type: 'usage', usage: { input_tokens: 10, output_tokens: 5 } }
    ])
    const wire = events.map(encodeAnthropicSse).join('')
    const decoded = await decode(wire)
    assert.deepEqual(decoded.map((frame) => frame.data), JSON.parse(JSON.stringify(events)))
    for (const frame of decoded) assert.equal(frame.event, (frame.data as { type: string }).type)
    assert.ok(wire.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n'))
  })

  test('error events carry an Anthropic error object, not the LynkrError internals', async () => {
    const cases: Array<[LynkrError, string]> = [
      [new LynkrError('overloaded', 'Overloaded', { status: 529, provider: 'ollama', upstreamBody: { secret: 'x' } }), 'overloaded_error'],
      [new LynkrError('context_length_exceeded', 'prompt is too long: 210000 tokens > 200000 maximum'), 'invalid_request_error'],
      [new LynkrError('rate_limit', 'slow down'), 'rate_limit_error'],
      [new LynkrError('api_error', 'ollama: model crashed', { status: 502 }), 'api_error']
    ]
    for (const [error, type] of cases) {
      const frame = encodeAnthropicSse({ type: 'error', error })
      const [decoded] = await decode(frame)
      assert.equal(decoded!.event, 'error')
      assert.deepEqual(decoded!.data, { type: 'error', error: { type, message: error.message } })
      assert.ok(!frame.includes('stack') && !frame.includes('secret'))
    }
  })

  test('the ping frame is a valid ping event', async () => {
    assert.deepEqual(await decode(PING_FRAME), [{ event: 'ping', data: { type: 'ping' } }])
    assert.equal(encodeAnthropicSse({ type: 'ping' }), PING_FRAME)
  })
})
