import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest } from '@lynkr/protocol'
import { MAX_BREAKPOINTS, minimumCacheableTokens, placeBreakpoints } from './breakpoints.ts'

const long = (label: string, tokens: number): string => `${label}: ${'lorem ipsum '.repeat(Math.ceil(tokens * 4 / 12))}`
const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] })
const markers = (request: ChatRequest): number => JSON.stringify(request).match(/"cache_control"/g)?.length ?? 0

/** A Cursor-like agent turn: long tools and system, a tool call answered, a new question. */
function agentRequest (model = 'claude-sonnet-4-5'): ChatRequest {
  return {
    model,
    clientModel: model,
    max_tokens: 1000,
    stream: false,
    tools: [
      { name: 'read_file', description: long('read', 700), input_schema: { type: 'object' } },
      { name: 'grep', description: long('grep', 700), input_schema: { type: 'object' } }
    ],
    system: [{ type: 'text', text: long('system', 1500) }, { type: 'text', text: '' }],
    messages: [
      user('Where is the router defined?'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'grep', input: { pattern: 'router' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: long('grep output', 300) }] },
      { role: 'assistant', content: [{ type: 'text', text: 'In src/router.ts.' }] },
      user('And where is it tested?')
    ]
  }
}

test('a client without breakpoints gets four where they pay: tools, system, the previous turn and the newest', () => {
  const request = agentRequest()
  const placed = placeBreakpoints(request)
  assert.equal(markers(placed), MAX_BREAKPOINTS)
  assert.deepEqual(placed.tools!.at(-1)!.cache_control, { type: 'ephemeral' }, 'end of the tools')
  assert.equal(placed.tools![0]!.cache_control, undefined)
  assert.deepEqual(placed.system![0]!.cache_control, { type: 'ephemeral' }, 'the last non-empty system block (empty text cannot carry one)')
  assert.deepEqual((placed.messages[2]!.content[0] as { cache_control?: unknown }).cache_control, { type: 'ephemeral' }, 'the turn the previous request ended with')
  assert.deepEqual((placed.messages[4]!.content[0] as { cache_control?: unknown }).cache_control, { type: 'ephemeral' }, 'the newest turn')
  assert.equal(markers(request), 0, 'the client\'s request is not changed in place')
})

test('placement is a pure function of the request: the same bytes every time', () => {
  assert.equal(JSON.stringify(placeBreakpoints(agentRequest())), JSON.stringify(placeBreakpoints(agentRequest())))
})

test('the next turn marks the block the previous request ended with, so it reads what that request wrote', () => {
  const first = agentRequest()
  first.messages = first.messages.slice(0, 3)
  const next = agentRequest()
  const endOfFirst = placeBreakpoints(first).messages[2]!.content[0]
  assert.deepEqual(placeBreakpoints(next).messages[2]!.content[0], endOfFirst)
})

test('a client that placed its own breakpoints, or asked for automatic caching, is left alone', () => {
  const own = agentRequest()
  own.system = [{ type: 'text', text: long('system', 1500), cache_control: { type: 'ephemeral' } }]
  assert.equal(placeBreakpoints(own), own)
  const automatic = { ...agentRequest(), cacheControl: { type: 'ephemeral' as const } }
  assert.equal(placeBreakpoints(automatic), automatic)
})

test('prefixes shorter than the model caches are not marked (a breakpoint there would only use up a slot)', () => {
  const short: ChatRequest = { model: 'claude-sonnet-4-5', clientModel: 'x', max_tokens: 10, stream: false, system: [{ type: 'text', text: 'Be brief.' }], messages: [user('hi')] }
  assert.equal(placeBreakpoints(short), short)
  // 2,800 tokens before the newest turn: enough for Sonnet (1024), not for Haiku 4.5 (4096).
  const request: ChatRequest = { ...short, system: [{ type: 'text', text: long('system', 2800) }] }
  assert.equal(markers(placeBreakpoints(request)), 2)
  const haiku = { ...request, model: 'claude-haiku-4-5-20251001' }
  assert.equal(placeBreakpoints(haiku), haiku)
})

test('minimum cacheable prefix by model, whatever the provider calls it', () => {
  assert.equal(minimumCacheableTokens('claude-sonnet-4-5'), 1024)
  assert.equal(minimumCacheableTokens('anthropic/claude-opus-4.5'), 4096)
  assert.equal(minimumCacheableTokens('us.anthropic.claude-haiku-4-5-20251001-v1:0'), 4096)
  assert.equal(minimumCacheableTokens('claude-3-5-haiku-20241022'), 2048)
  assert.equal(minimumCacheableTokens('claude-opus-4-7'), 2048)
  assert.equal(minimumCacheableTokens('amazon.nova-pro-v1:0'), 1024)
})
