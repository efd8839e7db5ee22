import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { readNdjsonLines } from './read-ndjson-lines.ts'
import { bytesCutAt } from '../testing/streams.ts'

// CRLF line ends, a blank and a whitespace-only line, multi-byte text, and no newline after the last object.
const fixture = new Uint8Array(readFileSync(new URL('./__fixtures__/ollama-edge-cases.ndjson', import.meta.url)))

async function collect (body: AsyncIterable<Uint8Array | string>): Promise<unknown[]> {
  const lines: unknown[] = []
  for await (const line of readNdjsonLines(body)) lines.push(line)
  return lines
}

function contents (lines: unknown[]): unknown[] {
  return lines.map((line) => (line as { message: { content: string } }).message.content)
}

describe('readNdjsonLines', () => {
  test('the recorded stream parses to three objects, the last one without a trailing newline', async () => {
    const lines = await collect(bytesCutAt(fixture, []))
    assert.deepEqual(contents(lines), ['Grüße ☃ ', '日本語 😀', ''])
    assert.deepEqual(lines[2], {
      model: 'qwen3', created_at: '2026-11-02T10:00:00.200Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 12, eval_count: 4
    })
  })

  test('every single split point (inside CRLF, inside multi-byte characters) gives the same objects', async () => {
    const expected = await collect(bytesCutAt(fixture, []))
    for (let cut = 1; cut < fixture.length; cut++) {
      assert.deepEqual(await collect(bytesCutAt(fixture, [cut])), expected, `split at byte ${cut}`)
    }
  })

  test('one byte at a time and string chunks give the same objects', async () => {
    const expected = await collect(bytesCutAt(fixture, []))
    assert.deepEqual(await collect(bytesCutAt(fixture, Array.from({ length: fixture.length - 1 }, (_, i) => i + 1))), expected)
    const text = new TextDecoder().decode(fixture)
    async function * strings (): AsyncGenerator<string> { for (let at = 0; at < text.length; at += 7) yield text.slice(at, at + 7) }
    assert.deepEqual(await collect(strings()), expected)
  })

  test('a broken line is an error, not a silent skip', async () => {
    await assert.rejects(collect(bytesCutAt(new TextEncoder().encode('{"a":1}\n{"b":\n'), [])), SyntaxError)
  })

  test('an empty body yields nothing', async () => {
    assert.deepEqual(await collect(bytesCutAt(new Uint8Array(0), [])), [])
  })
})
