import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrError } from './errors.ts'
import { registerSecrets, scrubSecrets, secretVariables } from './secret-scrub.ts'

test('configured secrets are scrubbed whole or quoted masked, and nothing else is touched', () => {
  registerSecrets(secretVariables({ OPENAI_API_KEY: 'sk-live-0123456789abcdefXYZ', AZURE_OPENAI_API_KEY: 'azure-openai-key', LYNKR_API_KEY: 'short', OPENAI_MODEL: 'gpt-4o-mini-secret-model' }))
  assert.equal(scrubSecrets('key sk-live-0123456789abcdefXYZ refused'), 'key [redacted] refused')
  assert.equal(scrubSecrets('Incorrect API key provided: sk-live-01****************fXYZ'), 'Incorrect API key provided: [redacted]')
  assert.equal(scrubSecrets('azure-openai upstream returned 401: bad azure-openai-key'), 'azure-openai upstream returned 401: bad [redacted]', 'a provider name that shares the start of a key stays')
  assert.equal(scrubSecrets('gpt-4o-mini-secret-model and short'), 'gpt-4o-mini-secret-model and short', 'only secret variables, and not values too short to be told from words')
  const error = new LynkrError('api_error', 'openai upstream returned 500: sk-live-0123456789abcdefXYZ', { upstreamBody: { error: { message: ['sk-live-0123456789abcdefXYZ'] } } })
  assert.equal(error.message, 'openai upstream returned 500: [redacted]')
  assert.deepEqual(error.upstreamBody, { error: { message: ['[redacted]'] } })
})
