import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageEvent } from '@lynkr/protocol'
import { CallScope } from './call-scope.ts'
import type { ChatCall, StreamOutcome } from './chat.ts'
import { composeMiddleware } from './chat-middleware.ts'
import type { ChatMiddleware } from './chat-middleware.ts'
import { collectMessage, replayMessage } from './stream/replay-message.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
const call = (): ChatCall => ({
  request: { model: 'm', clientModel: 'claude-x', messages: [], max_tokens: 10, stream: true },
  context: { signal: new AbortController().signal, log: silent, requestId: 'r1' },
  headers: {},
  inputTokensEstimate: 0,
  scope: new CallScope()
})
const answer = { id: 'msg_1', type: 'message' as const, role: 'assistant' as const, model: 'claude-x', content: [{ type: 'text' as const, text: 'hi' }], stop_reason: 'end_turn' as const, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } }
const decision = { provider: 'p', model: 'm', reason: 'default' }
async function * events (list: MessageEvent[]): AsyncGenerator<MessageEvent> { yield * list }

test('middleware run by order, then registration order; each can change the call on its way in', async () => {
  const seen: string[] = []
  const tagging = (name: string, order?: number): ChatMiddleware => ({
    name,
    order,
    stream: async (inner, next) => {
      seen.push(name)
      return await next({ ...inner, request: { ...inner.request, clientModel: `${inner.request.clientModel}>${name}` } })
    }
  })
  let reached = ''
  const chain = composeMiddleware([tagging('a'), tagging('inner', 5), tagging('outer', -1), tagging('b')], {
    stream: async (inner): Promise<StreamOutcome> => {
      reached = inner.request.clientModel
      return { decision, events: events(replayMessage(answer)) }
    },
    complete: async () => ({ decision, message: answer })
  })
  await chain.stream(call())
  assert.deepEqual(seen, ['outer', 'a', 'b', 'inner'])
  assert.equal(reached, 'claude-x>outer>a>b>inner')
})

test('a call is held from the request to the end of its events, and released once when the chain fails early', async () => {
  const holds: string[] = []
  const base = {
    stream: async (): Promise<StreamOutcome> => ({ decision, events: events(replayMessage(answer)) }),
    complete: async () => ({ decision, message: answer }),
    hold: () => { holds.push('hold'); return () => { holds.push('release') } }
  }
  const chain = composeMiddleware([{ name: 'pass', stream: async (inner, next) => await next(inner) }], base)
  const outcome = await chain.stream(call())
  assert.deepEqual(holds, ['hold'], 'still held while the answer streams')
  assert.deepEqual(await collectMessage(outcome.events), answer)
  assert.deepEqual(holds, ['hold', 'release'])

  const failing = composeMiddleware([{ name: 'refuse', stream: async () => { throw new Error('no') } }], base)
  await assert.rejects(failing.stream(call()), /no/)
  assert.deepEqual(holds, ['hold', 'release', 'hold', 'release'])
})

test('replayMessage and collectMessage are inverse for every answer block kind', async () => {
  const message = {
    ...answer,
    content: [
      { type: 'thinking' as const, thinking: 'hmm', signature: 'sig' },
      { type: 'text' as const, text: 'cited', citations: [{ type: 'web_search_result_location', url: 'https://a' }] },
      { type: 'tool_use' as const, id: 'toolu_1', name: 'read', input: { path: 'a' } },
      { type: 'redacted_thinking' as const, data: 'xx' }
    ],
    stop_reason: 'tool_use' as const
  }
  assert.deepEqual(await collectMessage(replayMessage(message)), message)
})
