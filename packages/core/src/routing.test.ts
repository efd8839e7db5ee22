import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest, ProviderAdapter, RoutingInput } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { ProviderRegistry } from './provider-registry.ts'
import { Routing, parseModelReference } from './routing.ts'

const known = (id: string): boolean => ['ollama', 'openai'].includes(id)

function adapter (id: string, defaultModel: string): ProviderAdapter {
  return {
    specificationVersion: 'v1',
    id,
    defaultModel,
    listModels: () => [],
    chat: async () => [],
    chatStream: async () => (async function * () {})()
  }
}

function input (clientModel: string): RoutingInput {
  const request: ChatRequest = { model: clientModel, clientModel, messages: [], max_tokens: 1, stream: false }
  return { request, headers: {} }
}

describe('parseModelReference', () => {
  test('splits at the FIRST colon so Ollama tags survive', () => {
    assert.deepEqual(parseModelReference('ollama:qwen2.5:0.5b', known), { provider: 'ollama', model: 'qwen2.5:0.5b' })
    assert.deepEqual(parseModelReference('openai:gpt-4o', known), { provider: 'openai', model: 'gpt-4o' })
  })

  test('not a reference: no colon, unknown provider, empty parts', () => {
    assert.equal(parseModelReference('claude-opus-5-5', known), null)
    assert.equal(parseModelReference('qwen2.5:0.5b', known), null, 'a bare Ollama tag is not provider:model')
    assert.equal(parseModelReference(':gpt-4o', known), null)
    assert.equal(parseModelReference('openai:', known), null)
  })
})

describe('Routing', () => {
  const registry = new ProviderRegistry()
  registry.register(adapter('ollama', 'qwen2.5-coder:latest'))
  registry.register(adapter('openai', 'gpt-4o'))

  test('explicit provider:model wins; anything else goes to the default provider and its model', () => {
    const routing = new Routing(registry, 'ollama')
    assert.deepEqual(routing.decide(input('openai:gpt-4o-mini')), { provider: 'openai', model: 'gpt-4o-mini', reason: 'explicit' })
    assert.deepEqual(routing.decide(input('ollama:qwen2.5:0.5b')), { provider: 'ollama', model: 'qwen2.5:0.5b', reason: 'explicit' })
    assert.deepEqual(routing.decide(input('claude-opus-5-5')), { provider: 'ollama', model: 'qwen2.5-coder:latest', reason: 'default' })
    assert.equal(routing.strategyName, 'static')
  })

  test('an installed strategy decides and can fall back; only one may be installed', () => {
    const routing = new Routing(registry, 'ollama')
    routing.use({
      name: 'tiers',
      route: (value, fallback) => value.request.clientModel.includes('haiku') ? { provider: 'openai', model: 'gpt-4o-mini', reason: 'tier:simple' } : fallback(value)
    })
    assert.equal(routing.strategyName, 'tiers')
    assert.deepEqual(routing.decide(input('claude-haiku-5-5')), { provider: 'openai', model: 'gpt-4o-mini', reason: 'tier:simple' })
    assert.equal(routing.decide(input('claude-opus-5-5')).reason, 'default')
    assert.throws(() => routing.use({ name: 'other', route: (value, fallback) => fallback(value) }), /"tiers" is already installed/)
  })

  test('provider:model naming a provider lynkr has but did not enable is a 400 saying what to set, before any strategy', () => {
    const routing = new Routing(registry, 'ollama')
    routing.markNotEnabled('bedrock', 'set AWS_BEDROCK_API_KEY')
    routing.use({ name: 'tiers', route: () => ({ provider: 'ollama', model: 'q', reason: 'tier:simple' }) })
    assert.throws(() => routing.decide(input('bedrock:anthropic.claude-sonnet')), (error) =>
      error instanceof LynkrError && error.status === 400 && error.code === 'LYNKR_PROVIDER_NOT_ENABLED' &&
      error.message === 'The model "bedrock:anthropic.claude-sonnet" names provider bedrock, which is not enabled: set AWS_BEDROCK_API_KEY')
    // An Ollama tag is not a provider, and an enabled provider is never refused.
    assert.equal(routing.decide(input('qwen2.5:0.5b')).reason, 'tier:simple')
    routing.markNotEnabled('ollama', 'never used')
    assert.equal(routing.decide(input('ollama:q')).reason, 'tier:simple')
  })

  test('a default provider that is not loaded is a 500 naming MODEL_PROVIDER', () => {
    const routing = new Routing(registry, 'bedrock')
    assert.throws(() => routing.decide(input('claude-opus-5-5')), (error) =>
      error instanceof LynkrError && error.status === 500 && /"bedrock"/.test(error.message) && /MODEL_PROVIDER/.test(error.message))
  })
})
