import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallContext, ChatRequest, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { mapUpstreamError } from '../http/map-upstream-error.ts'
import { statedLimit, withLearnedLimits } from './learned-limits.ts'

test('the limit each upstream names when it refuses max_tokens', () => {
  const cases: Array<[string, ReturnType<typeof statedLimit>]> = [
    ['openai upstream returned 400: max_tokens is too large: 128000. This model supports at most 4096 completion tokens, whereas you provided 128000.', { kind: 'output', maxOutputTokens: 4096 }],
    ['max_tokens: 128000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-20250514', { kind: 'output', maxOutputTokens: 64000 }],
    ['The maximum tokens you requested exceeds the model limit of 32768. Try again with a maximum tokens value that is lower than 32768.', { kind: 'output', maxOutputTokens: 32768 }],
    ['Invalid max_tokens value, the valid range of max_tokens is [1, 8192]', { kind: 'output', maxOutputTokens: 8192 }],
    ['<400> InternalError.Algo.InvalidParameter: Range of max_tokens should be [1, 32768]', { kind: 'output', maxOutputTokens: 32768 }],
    ["prompt is too long: This model's maximum context length is 32768 tokens. However, you requested 160000 tokens (32000 in the messages, 128000 in the completion). Please reduce the length of the messages or completion.", { kind: 'window', contextWindow: 32768, promptTokens: 32000 }],
    ['input length and `max_tokens` exceed context limit: 196395 + 64000 > 204698, decrease input length or `max_tokens` and try again', { kind: 'window', contextWindow: 204698, promptTokens: 196395 }],
    ['prompt is too long: 215443 tokens > 200000 maximum', undefined],
    ['the input length exceeds the context length', undefined]
  ]
  for (const [message, expected] of cases) assert.deepEqual(statedLimit(message), expected, message)
})

const context = (signal = new AbortController().signal): CallContext => ({ signal, requestId: 'r', log: { debug () {}, info () {}, warn () {}, error () {} } as unknown as CallContext['log'] })

function request (overrides: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-4-turbo', clientModel: 'claude-opus-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], max_tokens: 128_000, stream: false, ...overrides }
}

/** An adapter over an upstream that refuses with the given body when max_tokens is above `cap`. */
function refusingAdapter (cap: number, refusal: (maxTokens: number) => string): { adapter: ProviderAdapter, sent: ChatRequest[] } {
  const sent: ChatRequest[] = []
  const answer = async (input: ChatRequest): Promise<UpstreamPart[]> => {
    sent.push(input)
    if (input.max_tokens > cap) throw mapUpstreamError('openai', 400, refusal(input.max_tokens))
    return [{ type: 'text-delta', text: 'ok' }]
  }
  const adapter: ProviderAdapter = {
    specificationVersion: 'v1',
    id: 'openai',
    defaultModel: 'gpt-4-turbo',
    listModels: () => [],
    chat: answer,
    chatStream: async (input) => (async function * () { yield * await answer(input) })()
  }
  return { adapter, sent }
}

const openAIRefusal = (maxTokens: number): string => JSON.stringify({ error: { message: `max_tokens is too large: ${maxTokens}. This model supports at most 4096 completion tokens, whereas you provided ${maxTokens}.`, type: 'invalid_request_error', param: 'max_tokens', code: 'invalid_value' } })

test('a refused max_tokens is retried once within the stated cap, and later calls to that model are fitted first', async () => {
  const { adapter, sent } = refusingAdapter(4096, openAIRefusal)
  const learning = withLearnedLimits(adapter)
  assert.deepEqual(await learning.chat(request({ thinking: { type: 'enabled', budget_tokens: 10_000 } }), context()), [{ type: 'text-delta', text: 'ok' }])
  assert.deepEqual(sent.map((r) => r.max_tokens), [128_000, 4096])
  assert.deepEqual(sent[1]!.thinking, { type: 'enabled', budget_tokens: 4095 }, 'the thinking budget stays below max_tokens')

  const stream = await learning.chatStream(request({ stream: true }), context())
  for await (const part of stream) assert.deepEqual(part, { type: 'text-delta', text: 'ok' })
  assert.deepEqual(sent.map((r) => r.max_tokens), [128_000, 4096, 4096], 'no second refusal')

  await learning.chat(request({ model: 'another-model', max_tokens: 1000 }), context())
  assert.equal(sent.at(-1)!.max_tokens, 1000, 'what was learned applies to its model only')
})

test('a window refusal whose prompt fits is retried with what the window leaves; other refusals pass through untouched', async () => {
  const vllm = refusingAdapter(768, (maxTokens) => JSON.stringify({ object: 'error', message: `This model's maximum context length is 32768 tokens. However, you requested ${32000 + maxTokens} tokens (32000 in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`, type: 'BadRequestError', param: null, code: 400 }))
  await withLearnedLimits(vllm.adapter).chat(request(), context())
  assert.deepEqual(vllm.sent.map((r) => r.max_tokens), [128_000, 768])

  const unstated = refusingAdapter(10, () => JSON.stringify({ error: { message: 'max_tokens too high', type: 'invalid_request_error' } }))
  await assert.rejects(withLearnedLimits(unstated.adapter).chat(request(), context()), /max_tokens too high/)
  assert.equal(unstated.sent.length, 1)

  const tooLong = refusingAdapter(10, () => JSON.stringify({ object: 'error', message: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (39000 in the messages, 1000 in the completion).", type: 'BadRequestError', code: 400 }))
  await assert.rejects(withLearnedLimits(tooLong.adapter).chat(request({ max_tokens: 1000 }), context()), /prompt is too long/, 'a prompt past the window stays "prompt is too long", so Claude Code compacts')
  assert.equal(tooLong.sent.length, 1)

  const gone = new AbortController()
  const aborted = refusingAdapter(4096, (maxTokens) => { gone.abort(); return openAIRefusal(maxTokens) })
  await assert.rejects(withLearnedLimits(aborted.adapter).chat(request(), context(gone.signal)), /supports at most 4096/)
  assert.equal(aborted.sent.length, 1, 'no retry for a client that left')
})
