import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mapGeminiError } from './vertex-adapter.ts'

const invalidKey = JSON.stringify({
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' }
    ]
  }
})

test('Google answers a bad API key with 400 API_KEY_INVALID: the gateway\'s key was refused, a 502 like any 401', () => {
  const error = mapGeminiError(400, invalidKey, {})
  assert.deepEqual([error.status, error.code, error.retryable], [502, 'LYNKR_UPSTREAM_AUTH', false])
  assert.equal(error.message, 'vertex upstream rejected the gateway\'s credentials (HTTP 400 API_KEY_INVALID): API key not valid. Please pass a valid API key.')
})

test('other 400s stay the client\'s problem; overflow still becomes "prompt is too long"', () => {
  const schema = mapGeminiError(400, JSON.stringify({ error: { code: 400, message: 'Invalid JSON payload received. Unknown name "$schema"', status: 'INVALID_ARGUMENT' } }), {})
  assert.deepEqual([schema.status, schema.kind], [400, 'invalid_request'])
  const overflow = mapGeminiError(400, JSON.stringify({ error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }), {})
  assert.equal(overflow.kind, 'context_length_exceeded')
  const denied = mapGeminiError(403, JSON.stringify({ error: { code: 403, message: 'Method doesn\'t allow unregistered callers', status: 'PERMISSION_DENIED' } }), {})
  assert.deepEqual([denied.status, denied.code], [502, 'LYNKR_UPSTREAM_AUTH'])
})
