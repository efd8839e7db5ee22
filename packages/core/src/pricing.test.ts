import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ProviderAdapter, UpstreamPart, Usage } from '@lynkr/protocol'
import { ChatService } from './chat.ts'
import { CallScope, clientClosedError } from './call-scope.ts'
import type { CallCompletedEvent } from './events.ts'
import { LynkrEvents } from './events.ts'
import { LynkrConfigError } from './config-error.ts'
import { Pipeline } from './pipeline.ts'
import { Pricing, costFor, loadPriceTable, parsePriceOverrides } from './pricing.ts'
import { ProviderRegistry } from './provider-registry.ts'
import { Routing } from './routing.ts'

const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0): Usage =>
  ({ input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite })

describe('price table', () => {
  const pricing = new Pricing(loadPriceTable(), new Map(), (provider) => provider === 'ollama' || provider === 'lmstudio')

  test('four kinds of tokens, each at its own price (input excludes cache: nothing is counted twice)', () => {
    // claude-sonnet-4-5: $3 in, $15 out, $0.30 cache read, $3.75 cache write per million.
    const cost = pricing.cost('anthropic', 'claude-sonnet-4-5-20250929', usage(1000, 2000, 100_000, 10_000))
    assert.equal(cost, (1000 * 3 + 2000 * 15 + 100_000 * 0.3 + 10_000 * 3.75) / 1e6)
  })

  test('ids are matched exactly, then by their longest whole part across provider naming schemes', () => {
    assert.deepEqual(pricing.priceOf('openai', 'gpt-4o-mini'), { input: 0.15, output: 0.6, cacheRead: 0.075, cacheWrite: 0, cacheWrite1h: 0.3, webSearch: 0 })
    assert.equal(pricing.priceOf('openai', 'gpt-4o-2024-08-06')?.input, 2.5, 'a dated snapshot prices like its family')
    assert.equal(pricing.priceOf('bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')?.input, 3)
    assert.equal(pricing.priceOf('databricks', 'databricks-claude-opus-4-1')?.output, 75, 'opus-4-1, not the shorter opus-4')
    assert.equal(pricing.priceOf('vertex', 'claude-haiku-4-5@20251001')?.input, 1)
    assert.equal(pricing.priceOf('openai', 'gpt-4omni'), undefined, 'a part must end at a separator')
    assert.equal(pricing.priceOf('openai', 'xgpt-4o'), undefined, 'and start at one')
    assert.equal(pricing.cost('openrouter', 'some/unknown-model', usage(10, 10)), undefined)
  })

  test('local providers are free unless overridden', () => {
    assert.equal(pricing.cost('ollama', 'qwen2.5-coder:7b', usage(1e6, 1e6)), 0)
    assert.equal(pricing.cost('lmstudio', 'gpt-4o', usage(1e6, 1e6)), 0, 'even under a cloud model name')
  })

  test('MODEL_PRICE_OVERRIDES: by provider:model or model; cache prices default to the input price', () => {
    const overrides = parsePriceOverrides('{"ollama:qwen2.5-coder:7b":{"input":0.1,"output":0.2},"gpt-4o":{"input":1,"output":2,"cacheRead":0.5}}')
    const priced = new Pricing(loadPriceTable(), overrides, (provider) => provider === 'ollama' || provider === 'lmstudio')
    assert.equal(priced.cost('ollama', 'qwen2.5-coder:7b', usage(1e6, 1e6, 1e6)), 0.1 + 0.2 + 0.1)
    assert.equal(priced.cost('openai', 'gpt-4o-2024-08-06', usage(1e6, 0, 1e6)), 1 + 0.5)
    assert.equal(priced.priceOf('openai', 'gpt-4o-mini')?.input, 0.15, 'the override of gpt-4o does not swallow gpt-4o-mini')
  })

  test('bad overrides stop the boot naming the variable', () => {
    assert.throws(() => parsePriceOverrides('{oops'), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'MODEL_PRICE_OVERRIDES')
    assert.throws(() => parsePriceOverrides('{"m":{"input":"1"}}'), /"m" must be/)
    assert.throws(() => parsePriceOverrides('[1]'), /JSON object/)
    assert.equal(parsePriceOverrides('  ').size, 0)
  })

  test('costFor rounds away float noise', () => {
    assert.equal(costFor({ input: 0.1, output: 0.2, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, webSearch: 0 }, usage(3, 0)), 3e-7)
  })

  test('1-hour cache writes at twice the input price, 5-minute ones at 1.25x (Anthropic splits them in usage.cache_creation)', () => {
    // claude-sonnet-4-5: $3 input, so $3.75 (5 min) and $6 (1 h) per million written.
    const split = { ...usage(0, 0, 0, 30_000), cache_creation: { ephemeral_5m_input_tokens: 10_000, ephemeral_1h_input_tokens: 20_000 } }
    assert.equal(pricing.cost('azure-anthropic', 'claude-sonnet-4-5', split), (10_000 * 3.75 + 20_000 * 6) / 1e6)
    assert.equal(pricing.cost('azure-anthropic', 'claude-sonnet-4-5', usage(0, 0, 0, 30_000)), 30_000 * 3.75 / 1e6, 'no split: the 5-minute rate')
  })

  test('web searches are priced per search: Anthropic charges $10 per 1,000', () => {
    const searched = { ...usage(0, 0), server_tool_use: { web_search_requests: 3 } }
    assert.equal(pricing.cost('azure-anthropic', 'claude-sonnet-4-5', searched), 0.03)
    const overridden = new Pricing(loadPriceTable(), parsePriceOverrides('{"gpt-4o":{"input":2.5,"output":10,"webSearch":25}}'))
    assert.equal(overridden.cost('openai', 'gpt-4o', searched), 0.075)
  })
})

describe('usage of a streamed answer is read from its final event and priced', () => {
  function gateway (parts: UpstreamPart[]) {
    const providers = new ProviderRegistry()
    const adapter: ProviderAdapter = {
      specificationVersion: 'v1',
      id: 'anthropic',
      defaultModel: 'claude-sonnet-4-5',
      listModels: () => [],
      chat: async () => parts,
      chatStream: async () => (async function * () { yield * parts })()
    }
    providers.register(adapter)
    const events = new LynkrEvents()
    const chat = new ChatService(providers, new Routing(providers, 'anthropic'), new Pipeline(), events, new Pricing(loadPriceTable()))
    const completed: CallCompletedEvent[] = []
    events.on('call-completed', (event) => completed.push(event))
    const log = { debug () {}, info () {}, warn () {}, error () {} }
    const call = { request: { model: '', clientModel: 'claude-sonnet-4-5', messages: [], max_tokens: 10, stream: true }, context: { signal: new AbortController().signal, log, requestId: 'r1' }, headers: {}, inputTokensEstimate: 50, scope: new CallScope() }
    return { chat, completed, call }
  }

  // Anthropic semantics: message_start carries input and cache counts, message_delta the final output.
  const parts: UpstreamPart[] = [
    { type: 'response-start', id: 'msg_1', usage: { input_tokens: 120, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000, output_tokens: 1 } },
    { type: 'text-delta', text: 'hello' },
    { type: 'usage', usage: { output_tokens: 480 } },
    { type: 'finish', reason: 'end_turn' }
  ]
  const expected = (120 * 3 + 480 * 15 + 30_000 * 0.3 + 2_000 * 3.75) / 1e6

  test('stream', async () => {
    const { chat, completed, call } = gateway(parts)
    const { events } = await chat.stream(call)
    const seen = []
    for await (const event of events) seen.push(event)
    const last = seen.filter((e) => e.type === 'message_delta').at(-1)
    assert.deepEqual(last && 'usage' in last ? last.usage : undefined, { input_tokens: 120, output_tokens: 480, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000 })
    assert.equal(completed.length, 1)
    assert.deepEqual(completed[0]!.usage, { input_tokens: 120, output_tokens: 480, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000 })
    assert.equal(completed[0]!.costUsd, Math.round(expected * 1e10) / 1e10)
    assert.equal(completed[0]!.outcome, 'success')
    assert.equal(chat.activeCalls, 0)
  })

  test('non-stream prices the same numbers', async () => {
    const { chat, completed, call } = gateway(parts)
    await chat.complete({ ...call, request: { ...call.request, stream: false } })
    assert.equal(completed[0]!.costUsd, Math.round(expected * 1e10) / 1e10)
  })
})

describe('an answer cut short is charged for what was streamed', () => {
  const answer = 'The quick brown fox jumps over the lazy dog. '.repeat(20)
  function gateway (parts: AsyncIterable<UpstreamPart>) {
    const providers = new ProviderRegistry()
    providers.register({ specificationVersion: 'v1', id: 'anthropic', defaultModel: 'claude-sonnet-4-5', listModels: () => [], chat: async () => [], chatStream: async () => parts })
    const events = new LynkrEvents()
    const chat = new ChatService(providers, new Routing(providers, 'anthropic'), new Pipeline(), events, new Pricing(loadPriceTable()))
    const completed = new Promise<CallCompletedEvent>((resolve) => events.on('call-completed', resolve))
    const log = { debug () {}, info () {}, warn () {}, error () {} }
    const scope = new CallScope()
    const call = { request: { model: '', clientModel: 'claude-sonnet-4-5', messages: [], max_tokens: 10, stream: true }, context: { signal: scope.signal, log, requestId: 'r1' }, headers: {}, inputTokensEstimate: 50, scope }
    return { chat, completed, call, scope }
  }

  test('a stream that fails mid-answer', async () => {
    const { chat, completed, call } = gateway((async function * (): AsyncGenerator<UpstreamPart> {
      yield { type: 'response-start', usage: { input_tokens: 100 } }
      yield { type: 'text-delta', text: answer }
      throw new Error('connection reset')
    })())
    const { events } = await chat.stream(call)
    for await (const _event of events) { /* drain */ }
    const event = await completed
    assert.equal(event.outcome, 'error')
    assert.ok(event.usage.output_tokens >= 180, `about 200 tokens were streamed, got ${event.usage.output_tokens}`)
    assert.ok((event.costUsd ?? 0) > 100 * 3 / 1e6, 'the output is priced')
  })

  test('a client that leaves mid-answer', async () => {
    const { chat, completed, call, scope } = gateway((async function * (): AsyncGenerator<UpstreamPart> {
      yield { type: 'response-start', usage: { input_tokens: 100 } }
      yield { type: 'text-delta', text: answer }
      await new Promise((resolve) => setTimeout(resolve, 60_000).unref())
    })())
    const { events } = await chat.stream(call)
    scope.abort(clientClosedError())
    for await (const event of events) {
      if (event.type === 'content_block_delta') break
    }
    const event = await completed
    assert.ok(event.usage.output_tokens >= 180, `got ${event.usage.output_tokens}`)
  })
})

