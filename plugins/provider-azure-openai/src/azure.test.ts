import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { resolveAzureTarget } from './azure-url.ts'
import { looksLikeReasoningModel, reasoningBody } from './index.ts'

describe('resolveAzureTarget', () => {
  test('a resource URL: classic deployments URLs with api-version; the deployment can vary per request', () => {
    const target = resolveAzureTarget('https://res.openai.azure.com/', 'gpt-4o', '2024-10-21')
    assert.equal(target.route, 'deployments')
    assert.equal(target.chatUrl('gpt-4o'), 'https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21')
    assert.equal(target.chatUrl('o3 mini'), 'https://res.openai.azure.com/openai/deployments/o3%20mini/chat/completions?api-version=2024-10-21')
    assert.equal(target.healthUrl, 'https://res.openai.azure.com/openai/models?api-version=2024-10-21')
    assert.equal(resolveAzureTarget('https://res.cognitiveservices.azure.com/openai', 'd', '2025-04-01-preview').chatUrl('d'),
      'https://res.cognitiveservices.azure.com/openai/deployments/d/chat/completions?api-version=2025-04-01-preview')
  })

  test('a pasted deployments URL: its deployment and api-version win', () => {
    const target = resolveAzureTarget('https://res.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-08-01-preview', 'gpt-4o', '2024-10-21')
    assert.equal(target.deployment, 'prod-4o')
    assert.equal(target.chatUrl('prod-4o'), 'https://res.openai.azure.com/openai/deployments/prod-4o/chat/completions?api-version=2024-08-01-preview')
  })

  test('/openai/v1/ URLs (and API version v1/preview on a resource URL): one URL, the deployment in `model`', () => {
    const v1 = resolveAzureTarget('https://res.openai.azure.com/openai/v1/', 'o4-mini', '2024-10-21')
    assert.equal(v1.route, 'v1')
    assert.equal(v1.chatUrl('anything'), 'https://res.openai.azure.com/openai/v1/chat/completions')
    assert.equal(v1.healthUrl, 'https://res.openai.azure.com/openai/v1/models')
    assert.equal(resolveAzureTarget('https://res.openai.azure.com', 'd', 'v1').chatUrl('d'), 'https://res.openai.azure.com/openai/v1/chat/completions')
    assert.equal(resolveAzureTarget('https://res.openai.azure.com', 'd', 'preview').chatUrl('d'), 'https://res.openai.azure.com/openai/v1/chat/completions?api-version=preview')
    assert.equal(resolveAzureTarget('https://res.openai.azure.com/openai/v1/chat/completions', 'd', '2024-10-21').chatUrl('d'), 'https://res.openai.azure.com/openai/v1/chat/completions')
  })

  test('an AI Foundry chat/completions URL is used as is, with api-version', () => {
    const target = resolveAzureTarget('https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview', 'DeepSeek-R1', '2024-10-21')
    assert.equal(target.route, 'direct')
    assert.equal(target.chatUrl('x'), 'https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview')
  })

  test('contradictions and bad URLs are config errors', () => {
    assert.throws(() => resolveAzureTarget('https://res.openai.azure.com/openai/deployments/d/chat/completions', 'd', 'v1'), LynkrConfigError)
    assert.throws(() => resolveAzureTarget('not a url', 'd', '2024-10-21'), (error: Error) => error instanceof LynkrConfigError && /AZURE_OPENAI_ENDPOINT/.test(error.message))
  })
})

describe('reasoning deployments', () => {
  test('recognised from the deployment name', () => {
    for (const name of ['o1', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'prod-o3', 'my-gpt-5-deployment']) assert.equal(looksLikeReasoningModel(name), true, name)
    for (const name of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5-chat', 'prod-4o', 'gpt-35-turbo']) assert.equal(looksLikeReasoningModel(name), false, name)
  })

  test('max_completion_tokens, no sampling parameters, reasoning_effort from thinking or effort', () => {
    const request: ChatRequest = { model: 'o4-mini', clientModel: 'c', messages: [], max_tokens: 4096, stream: true, thinking: { type: 'enabled', budget_tokens: 2048 } }
    const body = reasoningBody({ model: 'o4-mini', messages: [], max_tokens: 4096, temperature: 0.7, top_p: 0.9 }, request)
    assert.deepEqual(body, { model: 'o4-mini', messages: [], max_completion_tokens: 4096, reasoning_effort: 'low' })
    assert.equal(reasoningBody({ model: 'o', messages: [] }, { ...request, thinking: { type: 'enabled', budget_tokens: 20_000 } }).reasoning_effort, 'high')
    assert.equal(reasoningBody({ model: 'o', messages: [] }, { ...request, thinking: undefined, effort: 'medium' }).reasoning_effort, 'medium')
    assert.equal('reasoning_effort' in reasoningBody({ model: 'o', messages: [] }, { ...request, thinking: undefined }), false)
  })
})
