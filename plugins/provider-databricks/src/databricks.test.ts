import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { databricksBody, endpointName, invocationsUrl } from './index.ts'

test('DATABRICKS_ENDPOINT_PATH: the original path form or a bare endpoint name', () => {
  assert.equal(endpointName('/serving-endpoints/databricks-claude-sonnet-4-5/invocations'), 'databricks-claude-sonnet-4-5')
  assert.equal(endpointName('serving-endpoints/my-llama/invocations/'), 'my-llama')
  assert.equal(endpointName('databricks-gpt-oss-120b'), 'databricks-gpt-oss-120b')
  assert.throws(() => endpointName('/api/2.0/jobs'), LynkrConfigError)
  assert.equal(invocationsUrl('https://dbc-1.cloud.databricks.com/', 'a b'), 'https://dbc-1.cloud.databricks.com/serving-endpoints/a%20b/invocations')
})

test('the body names no model; Claude endpoints get thinking as an extra field', () => {
  const request: ChatRequest = { model: 'databricks-claude-sonnet-4-5', clientModel: 'c', messages: [], max_tokens: 8000, stream: true, thinking: { type: 'enabled', budget_tokens: 4000 } }
  assert.deepEqual(databricksBody({ model: 'databricks-claude-sonnet-4-5', messages: [], max_tokens: 8000 }, request),
    { messages: [], max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4000 } })
  assert.deepEqual(databricksBody({ model: 'x', messages: [] }, { ...request, thinking: { type: 'adaptive' } }).thinking, { type: 'enabled', budget_tokens: 7999 })
  assert.equal(databricksBody({ model: 'x', messages: [] }, { ...request, max_tokens: 1000, thinking: { type: 'adaptive' } }).thinking, undefined, 'no room for the 1024 minimum')
  assert.equal(databricksBody({ model: 'x', messages: [] }, { ...request, model: 'databricks-meta-llama-3-3-70b-instruct' }).thinking, undefined, 'only Claude endpoints')
})
