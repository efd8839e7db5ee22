import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyRequest } from 'fastify'
import { LynkrError } from '@lynkr/protocol'
import { mapUpstreamError } from '@lynkr/core'
import { openAIDialect } from './openai-dialect.ts'

function format (error: LynkrError): { status: number, headers?: Record<string, string>, body: any } {
  return openAIDialect.formatError(error, 'req-1') as { status: number, headers?: Record<string, string>, body: any }
}

describe('openAIDialect', () => {
  test('upstream 429 keeps its status and says what happened', () => {
    const reply = format(mapUpstreamError('openai', 429, JSON.stringify({ error: { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' } }), { 'retry-after': '7' }))
    assert.equal(reply.status, 429)
    assert.deepEqual(reply.body, { error: { message: 'openai upstream returned 429: Rate limit reached for gpt-4o', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } })
    assert.equal(reply.headers?.['x-should-retry'], 'true')
  })

  test('upstream 5xx, 529 and 503 keep a 5xx status with the upstream message', () => {
    const reply = format(mapUpstreamError('ollama', 500, JSON.stringify({ error: 'model runner crashed' })))
    assert.equal(reply.status, 500)
    assert.match(reply.body.error.message, /ollama upstream returned 500: model runner crashed/)
    assert.equal(reply.body.error.type, 'server_error')
    assert.equal(format(new LynkrError('overloaded', 'anthropic upstream returned 529: Overloaded', { status: 529 })).status, 503)
    assert.equal(format(mapUpstreamError('openai', 503, 'upstream connect error')).status, 503)
  })

  test('an Anthropic-format upstream error, kept bare for Claude Code, names its upstream for OpenAI clients', () => {
    // As @lynkr/anthropic-messages builds them: the upstream's message as is, its body kept.
    const bare = (provider: string, kind: 'rate_limit' | 'overloaded', type: string, message: string, status?: number): LynkrError =>
      new LynkrError(kind, message, { status, provider, upstreamBody: { type: 'error', error: { type, message } }, code: `LYNKR_UPSTREAM_${type.toUpperCase()}` })
    const reply = format(bare('azure-anthropic', 'rate_limit', 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', 429))
    assert.equal(reply.status, 429)
    assert.equal(reply.body.error.message, 'azure-anthropic upstream returned rate_limit_error: Number of request tokens has exceeded your per-minute rate limit')
    assert.equal(reply.body.error.code, 'rate_limit_exceeded')
    // In-stream errors have no HTTP status: the type says what happened.
    const overloaded = format(bare('zai', 'overloaded', 'overloaded_error', 'Overloaded'))
    assert.equal(overloaded.body.error.message, 'zai upstream returned overloaded_error: Overloaded')
    // Messages the gateway already worded are left alone.
    assert.equal(format(mapUpstreamError('openai', 500, JSON.stringify({ error: { message: 'boom' } }))).body.error.message, 'openai upstream returned 500: boom')
  })

  test('context overflow → 400 context_length_exceeded; the gateway’s own credentials refused → 502, not invalid_api_key', () => {
    const overflow = format(mapUpstreamError('openai', 400, JSON.stringify({ error: { message: "This model's maximum context length is 128000 tokens", param: 'messages', code: 'context_length_exceeded' } })))
    assert.equal(overflow.status, 400)
    assert.equal(overflow.body.error.code, 'context_length_exceeded')
    assert.equal(overflow.body.error.param, 'messages')
    const auth = format(mapUpstreamError('openai', 401, JSON.stringify({ error: { message: 'Incorrect API key', code: 'invalid_api_key' } })))
    assert.equal(auth.status, 502)
    assert.notEqual(auth.body.error.code, 'invalid_api_key')
    assert.match(auth.body.error.message, /rejected the gateway's credentials/)
    assert.equal(auth.headers?.['x-should-retry'], 'false')
  })

  test('not found: unknown route vs model', () => {
    assert.equal(format(new LynkrError('not_found', 'No route for GET /v1/nope', { code: 'LYNKR_ROUTE_NOT_FOUND' })).body.error.code, 'unknown_url')
    assert.equal(format(mapUpstreamError('ollama', 404, JSON.stringify({ error: "model 'x' not found" }))).body.error.code, 'model_not_found')
  })

  test('bad request from lynkr itself', () => {
    const reply = format(new LynkrError('invalid_request', "Missing required parameter: 'messages'.", { code: 'LYNKR_REQUEST_INVALID' }))
    assert.deepEqual(reply, { status: 400, headers: { 'x-should-retry': 'false' }, body: { error: { message: "Missing required parameter: 'messages'.", type: 'invalid_request_error', param: null, code: null } } })
  })

  test('claims OpenAI-style /v1 calls, never Anthropic ones', () => {
    const request = (url: string, headers: Record<string, string> = {}): FastifyRequest => ({ url, headers }) as unknown as FastifyRequest
    assert.equal(openAIDialect.claims(request('/v1/models', { authorization: 'Bearer x' })), true)
    assert.equal(openAIDialect.claims(request('/v1/chat/completions')), true)
    assert.equal(openAIDialect.claims(request('/v1/models', { 'anthropic-version': '2023-06-01' })), false)
    assert.equal(openAIDialect.claims(request('/v1/models', { 'x-api-key': 'k' })), false)
    assert.equal(openAIDialect.claims(request('/v1/messages')), false)
    assert.equal(openAIDialect.claims(request('/health/live')), false)
  })

  test('models in OpenAI list shape', () => {
    const body = openAIDialect.formatModels!([{ id: 'ollama:qwen2.5-coder:7b', provider: 'ollama' }]) as { object: string, data: Array<Record<string, unknown>> }
    assert.equal(body.object, 'list')
    assert.deepEqual(Object.keys(body.data[0]!), ['id', 'object', 'created', 'owned_by'])
    assert.equal(body.data[0]!.object, 'model')
    assert.equal(typeof body.data[0]!.created, 'number')
  })
})
