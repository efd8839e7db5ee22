import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { LynkrError } from '@lynkr/protocol'
import { mapUpstreamError, parseRetryAfter, upstreamErrorMessage } from './map-upstream-error.ts'

interface RecordedError { upstream: string, status: number, body: unknown }
const overflows = JSON.parse(readFileSync(new URL('./__fixtures__/context-overflow-errors.json', import.meta.url), 'utf8')) as RecordedError[]

describe('mapUpstreamError', () => {
  for (const recorded of overflows) {
    test(`context overflow from ${recorded.upstream} becomes 400 context_length_exceeded with "prompt is too long"`, () => {
      const error = mapUpstreamError('up', recorded.status, JSON.stringify(recorded.body))
      assert.ok(error instanceof LynkrError)
      assert.equal(error.kind, 'context_length_exceeded')
      assert.equal(error.status, 400, 'a 5xx would make Claude Code retry forever instead of compacting')
      assert.ok(error.message.toLowerCase().includes('prompt is too long'), error.message)
      assert.equal(error.retryable, false)
      assert.equal(error.provider, 'up')
      assert.deepEqual(error.upstreamBody, recorded.body)
    })
  }

  test('the upstream detail is kept after the Claude Code phrase', () => {
    const error = mapUpstreamError('openai', overflows[0]!.status, JSON.stringify(overflows[0]!.body))
    assert.match(error.message, /^prompt is too long: This model's maximum context length is 128000 tokens/)
  })

  test('429 keeps its status and reads Retry-After in seconds', () => {
    const body = '{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","code":"rate_limit_exceeded"}}'
    const error = mapUpstreamError('openai', 429, body, { 'retry-after': '7' })
    assert.equal(error.kind, 'rate_limit')
    assert.equal(error.status, 429)
    assert.equal(error.retryAfter, 7)
    assert.equal(error.retryable, true)
    assert.match(error.message, /openai/)
    assert.match(error.message, /Rate limit reached for gpt-4o-mini/)
  })

  test('429 with an HTTP-date Retry-After (array header form)', () => {
    const at = new Date(Date.now() + 30_000).toUTCString()
    const error = mapUpstreamError('openrouter', 429, 'slow down', { 'retry-after': [at] })
    assert.ok(error.retryAfter !== undefined && error.retryAfter > 20 && error.retryAfter <= 31, String(error.retryAfter))
  })

  test('401 and 403 become 502 api_error about the gateway credentials (never 401 to the client)', () => {
    for (const status of [401, 403]) {
      const error = mapUpstreamError('openai', status, '{"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","code":"invalid_api_key"}}')
      assert.equal(error.kind, 'api_error')
      assert.equal(error.status, 502)
      assert.equal(error.retryable, false)
      assert.match(error.message, /gateway's credentials/)
      assert.match(error.message, new RegExp(`HTTP ${status}`))
      assert.match(error.message, /Incorrect API key/)
    }
  })

  test('503 keeps its status (overloaded) and stays retryable', () => {
    const error = mapUpstreamError('vllm', 503, 'Service Unavailable')
    assert.equal(error.status, 503)
    assert.equal(error.kind, 'overloaded')
    assert.equal(error.retryable, true)
    assert.match(error.message, /vllm upstream returned 503: Service Unavailable/)
  })

  test('other statuses map to their kinds; empty bodies fall back to the status', () => {
    assert.equal(mapUpstreamError('x', 404, '{"error":"model \\"qwen9\\" not found, try pulling it first"}').kind, 'not_found')
    assert.equal(mapUpstreamError('x', 400, '{"error":{"message":"bad"}}').kind, 'invalid_request')
    const server = mapUpstreamError('x', 500, '')
    assert.equal(server.kind, 'api_error')
    assert.equal(server.status, 500)
    assert.match(server.message, /HTTP 500/)
  })

  test('a 5xx whose text merely mentions context is not treated as overflow', () => {
    const error = mapUpstreamError('x', 502, 'upstream connect error: context deadline exceeded; maximum context window of the proxy')
    assert.notEqual(error.kind, 'context_length_exceeded')
    assert.equal(error.status, 502)
  })
})

describe('upstreamErrorMessage', () => {
  test('finds the message in every dialect', () => {
    assert.equal(upstreamErrorMessage({ error: { message: 'openai' } }, 'f'), 'openai')
    assert.equal(upstreamErrorMessage({ error: 'ollama' }, 'f'), 'ollama')
    assert.equal(upstreamErrorMessage({ message: 'bedrock' }, 'f'), 'bedrock')
    assert.equal(upstreamErrorMessage({ Message: 'aws' }, 'f'), 'aws')
    assert.equal(upstreamErrorMessage({ detail: 'fastapi' }, 'f'), 'fastapi')
    assert.equal(upstreamErrorMessage('  plain text \n', 'f'), 'plain text')
    assert.equal(upstreamErrorMessage('', 'f'), 'f')
    assert.equal(upstreamErrorMessage({ nothing: 1 }, 'f'), 'f')
    assert.equal(upstreamErrorMessage(null, 'f'), 'f')
  })
})

describe('parseRetryAfter', () => {
  test('seconds, dates, garbage and absence', () => {
    assert.equal(parseRetryAfter('12'), 12)
    assert.equal(parseRetryAfter('0'), 0)
    assert.equal(parseRetryAfter(['3', '9']), 3)
    assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0, 'a past date means now')
    assert.equal(parseRetryAfter('soon'), undefined)
    assert.equal(parseRetryAfter(''), undefined)
    assert.equal(parseRetryAfter(undefined), undefined)
  })
})
