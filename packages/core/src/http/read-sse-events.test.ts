import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { readSseEvents } from './read-sse-events.ts'
import type { SseEvent } from './read-sse-events.ts'
import { bytesCutAt } from '../testing/streams.ts'

const fixture = new Uint8Array(readFileSync(new URL('./__fixtures__/sse-edge-cases.chunks.txt', import.meta.url)))

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","n":1}' },
  { data: 'line one\nline two ☃ 日本語 😀' },
  { data: 'no-space' },
  { data: ' two spaces' },
  { event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Überlastet ⚠"}}' },
  { data: '{"choices":[{"delta":{"content":"end 🎉"}}]}' },
  { data: '[DONE]' }
]

async function collect (body: AsyncIterable<Uint8Array | string>): Promise<SseEvent[]> {
  const events: SseEvent[] = []
  for await (const event of readSseEvents(body)) events.push(event)
  return events
}

describe('readSseEvents', () => {
  test('the recorded stream (CRLF, comments, multi-line data, id/retry fields) parses in one chunk', async () => {
    assert.deepEqual(await collect(bytesCutAt(fixture, [])), EXPECTED)
  })

  test('the fixture really contains the awkward cases', () => {
    const text = new TextDecoder().decode(fixture)
    assert.ok(text.includes('\r\n'), 'CRLF line ends')
    assert.ok(text.includes(': OPENROUTER PROCESSING'), 'comment keep-alives')
    assert.ok(/[\u{1F600}]/u.test(text), 'a 4-byte UTF-8 character')
  })

  test('any single split point gives the same events, including inside CRLF and multi-byte characters', async () => {
    const splitsInsideCharacter = [...fixture.keys()].filter((i) => (fixture[i]! & 0xC0) === 0x80)
    assert.ok(splitsInsideCharacter.length > 10, 'the fixture has multi-byte characters to split')
    for (let cut = 1; cut < fixture.length; cut++) {
      assert.deepEqual(await collect(bytesCutAt(fixture, [cut])), EXPECTED, `split at byte ${cut}`)
    }
  })

  test('one byte at a time gives the same events', async () => {
    const cuts = Array.from({ length: fixture.length - 1 }, (_, i) => i + 1)
    assert.deepEqual(await collect(bytesCutAt(fixture, cuts)), EXPECTED)
  })

  test('string chunks (already decoded) work too', async () => {
    const text = new TextDecoder().decode(fixture)
    async function * strings (): AsyncGenerator<string> {
      for (let at = 0; at < text.length; at += 5) yield text.slice(at, at + 5)
    }
    assert.deepEqual(await collect(strings()), EXPECTED)
  })

  test('LF-only streams (OpenAI) and a last event without its blank line are read', async () => {
    const body = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]'
    assert.deepEqual(await collect(bytesCutAt(new TextEncoder().encode(body), [3, 17])), [{ data: '{"a":1}' }, { data: '{"b":2}' }, { data: '[DONE]' }])
    assert.deepEqual(await collect(bytesCutAt(new TextEncoder().encode('data: x\n'), [])), [{ data: 'x' }])
  })

  test('the event name does not leak into the next event', async () => {
    const body = 'event: ping\ndata: {}\n\ndata: {"x":1}\n\n'
    assert.deepEqual(await collect(bytesCutAt(new TextEncoder().encode(body), [])), [{ event: 'ping', data: '{}' }, { data: '{"x":1}' }])
  })

  test('blank lines and comments alone produce no events', async () => {
    assert.deepEqual(await collect(bytesCutAt(new TextEncoder().encode(': hi\r\n\r\n\n\n: again\n'), [])), [])
  })
})
