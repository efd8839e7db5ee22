import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrConfigError } from '../config-error.ts'
import { connectTimeoutFor } from './upstream-timeouts.ts'

test('connect timeout: per provider, then gateway-wide, then 10 s; bad values name the variable', () => {
  assert.equal(connectTimeoutFor({}, 'openai'), 10_000)
  assert.equal(connectTimeoutFor({ UPSTREAM_CONNECT_TIMEOUT_MS: '3000' }, 'openai'), 3000)
  assert.equal(connectTimeoutFor({ UPSTREAM_CONNECT_TIMEOUT_MS: '3000', AZURE_ANTHROPIC_CONNECT_TIMEOUT_MS: '500' }, 'azure-anthropic'), 500)
  assert.throws(() => connectTimeoutFor({ OLLAMA_CONNECT_TIMEOUT_MS: 'soon' }, 'ollama'), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'OLLAMA_CONNECT_TIMEOUT_MS')
})
