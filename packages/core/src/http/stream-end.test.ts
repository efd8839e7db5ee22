import { test } from 'node:test'
import assert from 'node:assert/strict'
import { streamEndMissing } from './stream-end.ts'

const body = (firstBytes: string): { firstBytes: string } => ({ firstBytes })

test('a stream cut after some events: a retryable 502 saying the answer was cut short', () => {
  const error = streamEndMissing({ provider: 'openai', expected: 'data: [DONE]', events: 3, body: body('data: {"choices":[]}\n\n') })
  assert.equal(error.status, 502)
  assert.equal(error.retryable, true)
  assert.equal(error.code, 'LYNKR_UPSTREAM_STREAM_TRUNCATED')
  assert.match(error.message, /openai upstream closed the stream before data: \[DONE\]: the answer was cut short/)
})

test('a 200 that was no stream at all is named for what it was', () => {
  const cases: Array<[string, string, string | undefined, RegExp]> = [
    ['empty', '', 'text/event-stream', /with an empty body \(content-type text\/event-stream\)/],
    ['HTML page', '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>', 'text/html', /with an HTML page \("502 Bad Gateway"\)/],
    ['HTML without a content type', '<html><body>maintenance</body></html>', undefined, /with an HTML page \(content-type none\)/],
    ['plain text', 'upstream says\n   hello', 'text/plain', /with a body that is not a stream: "upstream says hello"/]
  ]
  for (const [name, text, contentType, pattern] of cases) {
    const error = streamEndMissing({ provider: 'ollama', expected: 'done: true', events: 0, body: body(text), contentType })
    assert.equal(error.status, 502, name)
    assert.equal(error.code, 'LYNKR_UPSTREAM_NOT_A_STREAM', name)
    assert.match(error.message, pattern, name)
  }
})

test('a JSON error in a 200 carries the upstream message; a context overflow is the client\'s 400', () => {
  const failed = streamEndMissing({ provider: 'ollama', expected: 'done: true', events: 0, body: body('{"error":"model \\"qwen\\" not found, try pulling it first"}'), contentType: 'application/json' })
  assert.equal(failed.status, 502)
  assert.match(failed.message, /answered a streaming call with an error: model "qwen" not found/)
  const overflow = streamEndMissing({ provider: 'openai', expected: 'data: [DONE]', events: 0, body: body('{"error":{"message":"This model\'s maximum context length is 8192 tokens"}}') })
  assert.equal(overflow.status, 400)
  assert.equal(overflow.kind, 'context_length_exceeded')
})
