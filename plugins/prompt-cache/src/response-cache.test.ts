import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import type { AssembledMessage } from '@lynkr/core'
import { requestKey } from './request-key.ts'
import { cacheableAnswer, cacheableRequest } from './response-cache.ts'
import { ExpiringStore } from './expiring-store.ts'
import { cosineSimilarity, toolFreePrompt } from './semantic-cache.ts'

const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: '', clientModel: 'claude-sonnet-4-5', max_tokens: 100, stream: false,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'What does this repo do?' }] }],
  ...extra
})

test('the key is canonical: key order, streaming and breakpoints do not change it; the session and the question do', () => {
  const base = requestKey(request(), 's1')
  const reordered = JSON.parse(JSON.stringify({ stream: true, messages: [{ content: [{ text: 'What does this repo do?', type: 'text', cache_control: { type: 'ephemeral' } }], role: 'user' }], max_tokens: 100, clientModel: 'claude-sonnet-4-5', model: 'routed' }))
  assert.equal(requestKey(reordered, 's1'), base)
  assert.notEqual(requestKey(request(), 's2'), base, 'another session')
  assert.notEqual(requestKey(request({ temperature: 0 }), 's1'), base, 'another setting')
  assert.notEqual(requestKey(request({ clientModel: 'gpt-4o' }), 's1'), base, 'another model')
})

const answer = (extra: Partial<AssembledMessage>): AssembledMessage => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [{ type: 'text', text: 'It is a gateway.' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 }, ...extra
} as AssembledMessage)

test('only finished answers without tool calls are kept', () => {
  assert.equal(cacheableAnswer(answer({})), true)
  assert.equal(cacheableAnswer(answer({ stop_reason: 'tool_use', content: [{ type: 'tool_use', id: 't', name: 'Read', input: {} }] })), false)
  assert.equal(cacheableAnswer(answer({ stop_reason: 'max_tokens' })), false, 'a cut-off answer')
  assert.equal(cacheableAnswer(answer({ content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} } as never] })), false, 'a search is of its time')
})

test('sampled requests are not looked up unless configured', () => {
  assert.equal(cacheableRequest(request(), false), true)
  assert.equal(cacheableRequest(request({ temperature: 0 }), false), true)
  assert.equal(cacheableRequest(request({ temperature: 0.7 }), false), false)
  assert.equal(cacheableRequest(request({ temperature: 0.7 }), true), true)
})

test('the store forgets entries after their TTL and the least recently used first', () => {
  let now = 0
  const store = new ExpiringStore<string>({ maxEntries: 2, ttlMs: 100, now: () => now })
  store.set('a', 'A')
  store.set('b', 'B')
  assert.equal(store.get('a'), 'A')
  store.set('c', 'C')
  assert.equal(store.get('b'), undefined, 'b was used least recently')
  now = 150
  assert.equal(store.get('a'), undefined, 'expired')
  assert.equal(store.size, 1)
})

test('the semantic cache only takes tool-free prompts', () => {
  assert.equal(toolFreePrompt(request()), 'What does this repo do?')
  assert.equal(toolFreePrompt(request({ tools: [{ name: 'Read', input_schema: {} }] })), undefined)
  assert.equal(toolFreePrompt(request({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] }] })), undefined)
  assert.equal(cosineSimilarity([1, 0], [1, 0]), 1)
  assert.equal(cosineSimilarity([1, 0], [0, 1]), 0)
})
