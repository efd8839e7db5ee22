import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseMessagesRequest } from './parse-messages-request.ts'

const ephemeral = { type: 'ephemeral' }

test('a top-level cache_control becomes a breakpoint on the last cacheable block', () => {
  const request = parseMessagesRequest({
    model: 'claude-sonnet-4-5',
    max_tokens: 100,
    cache_control: ephemeral,
    system: 'You are helpful.',
    messages: [
      { role: 'user', content: 'Summarise this file.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'export const a = 1' }, { type: 'text', text: '' }] }
    ]
  })
  assert.deepEqual(request.messages[2]!.content[0], { type: 'tool_result', tool_use_id: 'toolu_1', content: 'export const a = 1', cache_control: ephemeral }, 'empty text cannot carry one: the block before it does')
  assert.equal(JSON.stringify(request).match(/cache_control/g)?.length, 1, 'one breakpoint, nowhere else')
})

test('no breakpoint is added where one is already set, or when four are', () => {
  const already = parseMessagesRequest({ model: 'm', max_tokens: 1, cache_control: ephemeral, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }] })
  assert.deepEqual(already.messages[0]!.content[0], { type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } })
  const four = parseMessagesRequest({
    model: 'm',
    max_tokens: 1,
    cache_control: ephemeral,
    system: [1, 2, 3, 4].map((n) => ({ type: 'text', text: `part ${n}`, cache_control: ephemeral })),
    messages: [{ role: 'user', content: 'hi' }]
  })
  assert.equal(JSON.stringify(four.messages).includes('cache_control'), false, 'Anthropic allows four')
  const none = parseMessagesRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(JSON.stringify(none).includes('cache_control'), false, 'no top-level field, no breakpoint')
})
