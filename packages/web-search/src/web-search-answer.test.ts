import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { UpstreamPart } from '@lynkr/protocol'
import { decodeSearchContent } from '@lynkr/protocol'
import { WebSearchAnswer, citedRanges, promptQuery } from './web-search-answer.ts'
import { transformPartList } from '@lynkr/core'

test('citedRanges: UTF-16 offsets as given, UTF-8 converted, mismatched offsets found by text, overlaps dropped', () => {
  const text = 'Ä is first. B is second.'
  assert.deepEqual(citedRanges(text, [{ start: 0, end: 11, unit: 'utf16', sources: [0] }]), [{ start: 0, end: 11, sources: [0] }])
  assert.deepEqual(citedRanges(text, [{ start: 0, end: 12, unit: 'utf8', sources: [0] }]), [{ start: 0, end: 11, sources: [0] }])
  assert.deepEqual(citedRanges(text, [{ start: 40, end: 50, unit: 'utf16', text: 'B is second.', sources: [1] }]), [{ start: 12, end: 24, sources: [1] }])
  assert.deepEqual(citedRanges(text, [{ start: 0, end: 11, unit: 'utf16', sources: [0] }, { start: 5, end: 20, unit: 'utf16', sources: [1] }]).length, 1)
  assert.deepEqual(citedRanges(text, [{ start: 0, end: 11, unit: 'utf16', sources: [] }]), [])
})

test('WebSearchAnswer: no search reported → the parts pass unchanged', () => {
  const parts: UpstreamPart[] = [{ type: 'text-delta', text: 'hi' }, { type: 'finish', reason: 'end_turn' }]
  assert.deepEqual(transformPartList(parts, [new WebSearchAnswer({ provider: 'p', fallbackQuery: 'q' })]), parts)
})

test('WebSearchAnswer: reasoning streams, text waits; blocks before the text; snippets ride in encrypted_content', () => {
  const answer = new WebSearchAnswer({ provider: 'openrouter', fallbackQuery: 'the prompt' })
  assert.deepEqual(answer.push({ type: 'reasoning-delta', text: 'think' }), [{ type: 'reasoning-delta', text: 'think' }])
  assert.deepEqual(answer.push({ type: 'text-delta', text: 'A is true. ' }), [])
  answer.push({ type: 'text-delta', text: 'Done.' })
  answer.push({ type: 'web-search', sources: [{ url: 'https://a.example/x', title: 'A', snippet: 'page says A' }], supports: [{ start: 0, end: 10, unit: 'utf16', sources: [0] }] })
  answer.push({ type: 'web-search', sources: [{ url: 'https://a.example/x' }, { url: 'https://b.example/' }] })
  answer.push({ type: 'finish', reason: 'end_turn' })
  const out = answer.end()
  assert.deepEqual(out.map((part) => part.type), ['server-block', 'server-block', 'usage', 'citation', 'text-delta', 'text-delta', 'finish'])
  assert.deepEqual(out[2], { type: 'usage', usage: { server_tool_use: { web_search_requests: 1 } } }, 'counted as Anthropic counts its searches')
  out.splice(2, 1)
  const use = (out[0] as Extract<UpstreamPart, { type: 'server-block' }>).block
  assert.deepEqual(use.input, { query: 'the prompt' })
  const result = (out[1] as Extract<UpstreamPart, { type: 'server-block' }>).block as { tool_use_id: string, content: Array<Record<string, unknown>> }
  assert.equal(result.tool_use_id, (use as { id: string }).id)
  assert.deepEqual(result.content.map((hit) => [hit.url, hit.title]), [['https://a.example/x', 'A'], ['https://b.example/', 'b.example']], 'a source reported twice is one result')
  assert.deepEqual(decodeSearchContent(result.content[0]!.encrypted_content), { provider: 'openrouter', snippets: ['page says A', 'A is true.'] })
  assert.deepEqual((out[2] as { citation: unknown }).citation, { type: 'web_search_result_location', url: 'https://a.example/x', title: 'A', encrypted_index: Buffer.from('{"lynkr":1,"result":0}').toString('base64'), cited_text: 'A is true.' })
  assert.deepEqual(out.slice(3, 5), [{ type: 'text-delta', text: 'A is true.' }, { type: 'text-delta', text: ' Done.', newBlock: true }])
})

test('promptQuery: the latest user text, shortened', () => {
  const query = promptQuery({ model: 'm', clientModel: 'c', max_tokens: 1, stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'old' }] }, { role: 'assistant', content: [{ type: 'text', text: 'a' }] }, { role: 'user', content: [{ type: 'text', text: `  new\n${'x'.repeat(300)}` }] }] })
  assert.equal(query.length, 200)
  assert.ok(query.startsWith('new x'))
})
