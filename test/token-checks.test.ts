import assert from 'node:assert/strict'
import { test } from 'node:test'
import { needlesOf, unpairedToolCalls, visible } from './bench/token-checks.ts'
import type { CorpusRequest } from './token-corpus/corpus-format.ts'

test('unpaired tool calls: Anthropic tool_use needs its tool_result in the next message, in every turn', () => {
  const turn = (id: string, answered: boolean) => [
    { role: 'assistant', content: [{ type: 'tool_use', id, name: 'Read', input: {} }] },
    { role: 'user', content: answered ? [{ type: 'tool_result', tool_use_id: id, content: 'x' }] : [{ type: 'text', text: 'cleared' }] }
  ]
  assert.deepEqual(unpairedToolCalls({ messages: [{ role: 'user', content: 'go' }, ...turn('a', true), ...turn('b', true)] }), [])
  assert.deepEqual(unpairedToolCalls({ messages: [{ role: 'user', content: 'go' }, ...turn('a', false), ...turn('b', true)] }), ['a'], 'an early turn counts too')
})

test('unpaired tool calls: OpenAI tool_calls need tool messages with their ids before the next assistant turn', () => {
  const call = (id: string) => ({ id, type: 'function', function: { name: 'Bash', arguments: '{}' } })
  assert.deepEqual(unpairedToolCalls({ messages: [{ role: 'assistant', tool_calls: [call('1'), call('2')] }, { role: 'tool', tool_call_id: '1', content: 'a' }, { role: 'tool', tool_call_id: '2', content: 'b' }] }), [])
  assert.deepEqual(unpairedToolCalls({ messages: [{ role: 'assistant', tool_calls: [call('1'), call('2')] }, { role: 'tool', tool_call_id: '1', content: 'a' }, { role: 'user', content: 'x' }] }), ['2'])
  // Ollama: calls without ids, answered in order.
  assert.deepEqual(unpairedToolCalls({ messages: [{ role: 'assistant', tool_calls: [{ function: { name: 'Read' } }, { function: { name: 'Bash' } }] }, { role: 'tool', content: 'a' }] }), ['Bash'])
})

test('retention needles: paths in either form and each substantial line of an edit target, matched as JSON carries them', () => {
  const request: CorpusRequest = {
    seq: 3, method: 'POST', path: '/v1/messages', headers: {}, rawBody: '', main: true,
    reply: { toolCalls: [{ name: 'Edit', arguments: { file_path: '/w/src/a.js', old_string: "if (x) {\n  return \"quoted\"\n}", new_string: '' } }] }
  }
  const needles = needlesOf(request, '/w')
  assert.deepEqual(needles.map((needle) => needle.label), ['Edit file_path src/a.js', 'Edit old_string line "if (x) {"', 'Edit old_string line "return "quoted""'], 'the closing brace is too short to tell anything')
  const body = JSON.stringify({ content: 'src/a.js:\n1\tif (x) {\n2\t  return "quoted"\n3\t}' })
  assert.ok(needles.every((needle) => visible(needle, body)))
  assert.ok(!visible(needles[2]!, JSON.stringify({ content: 'return quoted' })))
})
