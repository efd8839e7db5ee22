/**
 * Exceptions thrown by the gateway's own code (a translator, a pipeline step, response handling) are the
 * gateway's, not the provider's: answered once, never retried, never sent to the fallback, never counted by
 * the provider's circuit breaker. Runs the real ChatService with the real resilience policy.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ChatRequest, ProviderAdapter, RouteDecision } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { CallScope, ChatService, LynkrEvents, Pipeline, ProviderRegistry, Routing, UpstreamClient } from '@lynkr/core'
import type { ChatCall } from '@lynkr/core'
import { CircuitBreakers } from './circuit-breaker.ts'
import { createResiliencePolicy } from './resilience-policy.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }

function adapter (id: string, chat: ProviderAdapter['chat']): ProviderAdapter & { calls: number } {
  const counted = {
    specificationVersion: 'v1' as const,
    id,
    defaultModel: 'm',
    calls: 0,
    listModels: () => [],
    chat: async (request: ChatRequest, context: Parameters<ProviderAdapter['chat']>[1]) => { counted.calls++; return await chat(request, context) },
    chatStream: async (request: ChatRequest, context: Parameters<ProviderAdapter['chat']>[1]) => {
      counted.calls++
      const parts = await chat(request, context)
      return (async function * () { yield * parts })()
    }
  }
  return counted
}

function setup (primary: ProviderAdapter, pipeline = new Pipeline()) {
  const providers = new ProviderRegistry()
  const fallback = adapter('backup', async () => [{ type: 'text-delta', text: 'from the fallback' }, { type: 'finish', reason: 'end_turn' }])
  providers.register(primary)
  providers.register(fallback)
  const routing = new Routing(providers, primary.id)
  // A tier decision with a fallback: the case where a provider fault would move the request elsewhere.
  routing.use({ name: 'tiers', route: () => ({ provider: primary.id, model: 'm', reason: 'tier', tier: 'SIMPLE' }) })
  const events = new LynkrEvents()
  const chat = new ChatService(providers, routing, pipeline, events)
  const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 60_000 })
  const fallbacks: string[] = []
  events.on('fallback', (event) => fallbacks.push(event.to.provider))
  chat.useCallPolicy(createResiliencePolicy({
    breakers,
    events,
    timeouts: () => ({ firstByteMs: 10_000, idleMs: 10_000, requestMs: 10_000, streamMs: 10_000 }),
    maxRetries: 2,
    retryBaseMs: 1,
    retryMaxDelayMs: 5,
    fallbackFor: (decision: RouteDecision) => ({ provider: 'backup', model: 'm', reason: 'fallback', tier: decision.tier })
  }))
  return { chat, breakers, fallback, fallbacks }
}

function call (): ChatCall {
  const request: ChatRequest = { model: 'm', clientModel: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 10, stream: false }
  return { request, context: { log: silent, requestId: 'r', signal: new AbortController().signal }, headers: {}, inputTokensEstimate: 1, scope: new CallScope() }
}

async function failure (promise: Promise<unknown>): Promise<LynkrError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof LynkrError, `a LynkrError, got ${String(error)}`)
    return error
  }
  assert.fail('the call should have failed')
}

test('a translator exception is the client\'s 400: one attempt, no fallback, the breaker untouched', async () => {
  // What a translator does with a tool_result whose content is a number.
  const translator = adapter('primary', async (request) => { for (const _ of (5 as unknown as number[])) void _; return [{ type: 'text-delta', text: String(request.model) }] })
  const { chat, breakers, fallback, fallbacks } = setup(translator)
  for (let i = 0; i < 8; i++) {
    for (const error of [await failure(chat.complete(call())), await failure(chat.stream(call()))]) {
      assert.equal(error.status, 400)
      assert.equal(error.kind, 'invalid_request')
      assert.equal(error.origin, 'gateway')
      assert.equal(error.retryable, false, 'x-should-retry: false')
      assert.match(error.message, /could not translate this request: .*not iterable/)
    }
  }
  assert.equal(translator.calls, 16, 'no retries')
  assert.equal(fallback.calls, 0)
  assert.deepEqual(fallbacks, [])
  assert.equal(breakers.state('primary'), 'closed')
  assert.equal(breakers.snapshot(['primary']).primary?.consecutiveFailures, 0)
})

test('a pipeline step that throws is the gateway\'s 500, never the provider\'s', async () => {
  const upstream = adapter('primary', async () => [{ type: 'text-delta', text: 'ok' }, { type: 'finish', reason: 'end_turn' }])
  const pipeline = new Pipeline()
  pipeline.use({ name: 'broken-step', stage: 'history-compression', run: () => { throw new RangeError('Maximum call stack size exceeded') } })
  const { chat, breakers, fallback } = setup(upstream, pipeline)
  for (let i = 0; i < 5; i++) {
    const error = await failure(chat.complete(call()))
    assert.equal(error.status, 500)
    assert.equal(error.origin, 'gateway')
    assert.equal(error.code, 'LYNKR_STEP_FAILED')
    assert.match(error.message, /broken-step/)
  }
  assert.equal(upstream.calls + fallback.calls, 0)
  assert.equal(breakers.state('primary'), 'closed')
})

test('an exception after the upstream answered is the gateway\'s 500, still not the provider\'s', async (t) => {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const client = new UpstreamClient()
  t.after(async () => { await client.close(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`
  const handling = adapter('primary', async (_request, context) => {
    const response = await client.send({ provider: 'primary', url, body: '{}', signal: context.signal })
    const body = await response.body.text()
    return (JSON.parse(body) as { choices: Array<{ message: unknown }> }).choices[0]!.message as never
  })
  const { chat, breakers, fallback } = setup(handling)
  for (let i = 0; i < 5; i++) {
    const error = await failure(chat.complete(call()))
    assert.equal(error.status, 500)
    assert.equal(error.origin, 'gateway')
    assert.equal(error.retryable, false)
  }
  assert.equal(handling.calls, 5, 'no retries')
  assert.equal(fallback.calls, 0)
  assert.equal(breakers.state('primary'), 'closed')
})

test('an upstream 503 still counts, is retried and falls back (the contrast)', async () => {
  const failing = adapter('primary', async () => { throw new LynkrError('overloaded', 'primary upstream returned 503', { status: 503, provider: 'primary' }) })
  const { chat, breakers, fallback } = setup(failing)
  for (let i = 0; i < 3; i++) await chat.complete(call())
  assert.equal(fallback.calls, 3)
  assert.equal(breakers.state('primary'), 'open')
})
