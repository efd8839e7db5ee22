import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripBasePath } from './server.ts'

test('stripBasePath: known roots pass through unchanged', () => {
  for (const url of ['/v1/messages?beta=true', '/v1/messages/count_tokens?beta=true', '/health/live', '/metrics', '/api/hello', '/', '/favicon.ico']) {
    assert.equal(stripBasePath(url, undefined), url)
  }
})

test('stripBasePath: a configured BASE_PATH is removed (path, exact, query)', () => {
  assert.equal(stripBasePath('/anthropic/v1/messages?beta=true', '/anthropic'), '/v1/messages?beta=true')
  assert.equal(stripBasePath('/llm/gw/health/ready', '/llm/gw'), '/health/ready')
  assert.equal(stripBasePath('/anthropic', '/anthropic'), '/')
  assert.equal(stripBasePath('/anthropic?x=1', '/anthropic'), '/?x=1')
  assert.equal(stripBasePath('/v1/messages', '/anthropic'), '/v1/messages', 'requests without the prefix still work')
})

test('stripBasePath: BASE_PATH matches whole segments only', () => {
  assert.equal(stripBasePath('/anthropically/health/live', '/anthropic'), '/anthropically/health/live')
  assert.equal(stripBasePath('/anthropicx/v1/messages', '/anthropic'), '/v1/messages', 'an unknown prefix before /v1/ is still stripped')
})

test('stripBasePath: "/" as BASE_PATH changes nothing', () => {
  assert.equal(stripBasePath('/v1/messages', '/'), '/v1/messages')
  assert.equal(stripBasePath('/x/v1/models', '/'), '/v1/models')
})

test('stripBasePath: any prefix in front of /v1/ is stripped without configuration (ANTHROPIC_BASE_URL with a path)', () => {
  assert.equal(stripBasePath('/anthropic/v1/messages?beta=true', undefined), '/v1/messages?beta=true')
  assert.equal(stripBasePath('/proxy/team-a/v1/chat/completions', undefined), '/v1/chat/completions')
})

test('stripBasePath: /v1/ appearing only in the query string is not a prefix', () => {
  assert.equal(stripBasePath('/callback?next=/v1/messages', undefined), '/callback?next=/v1/messages')
  assert.equal(stripBasePath('/x?a=/v1/', undefined), '/x?a=/v1/')
})
