import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CacheControl, ChatRequest } from '@lynkr/protocol'
import { automaticBreakpointStep } from './automatic-breakpoint.ts'

const ephemeral: CacheControl = { type: 'ephemeral' }
const place = async (request: ChatRequest): Promise<ChatRequest> => await automaticBreakpointStep.run(request, undefined as never)

test('a top-level cache_control becomes a breakpoint on the last cacheable block', async () => {
  const request = await place({
    model: 'claude-sonnet-4-5',
    clientModel: 'claude-sonnet-4-5',
    max_tokens: 100,
    stream: false,
    cacheControl: ephemeral,
    system: [{ type: 'text', text: 'You are helpful.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Summarise this file.' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Read', input: { path: 'a.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'export const a = 1' }, { type: 'text', text: '' }] }
    ]
  })
  assert.deepEqual(request.messages[2]!.content[0], { type: 'tool_result', tool_use_id: 'toolu_1', content: 'export const a = 1', cache_control: ephemeral }, 'empty text cannot carry one: the block before it does')
  assert.equal(JSON.stringify(request).match(/cache_control/g)?.length, 1, 'one breakpoint, nowhere else')
  assert.equal(request.cacheControl, undefined, 'the top-level request is done with')
})

test('no breakpoint is added where one is already set, or when four are', async () => {
  const base = { model: 'm', clientModel: 'm', max_tokens: 1, stream: false }
  const already = await place({ ...base, cacheControl: ephemeral, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }] })
  assert.deepEqual(already.messages[0]!.content[0], { type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } })
  const four = await place({
    ...base,
    cacheControl: ephemeral,
    system: [1, 2, 3, 4].map((n) => ({ type: 'text' as const, text: `part ${n}`, cache_control: ephemeral })),
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]
  })
  assert.equal(JSON.stringify(four.messages).includes('cache_control'), false, 'Anthropic allows four')
  const plain: ChatRequest = { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }
  assert.equal(await place(plain), plain, 'no top-level field: the request passes untouched')
})
