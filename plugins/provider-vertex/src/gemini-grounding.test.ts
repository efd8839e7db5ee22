import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { transformPartList } from '@lynkr/core'
import { WebSearchAnswer } from '@lynkr/web-search'
import { assembleParts, collectMessage } from '@lynkr/core/testing'
import { geminiSearchApplies, toGeminiRequest } from './to-gemini-request.ts'
import { geminiChunkToParts, groundingToPart } from './parse-gemini-response.ts'

const search = { type: 'web_search_20250305', name: 'web_search', max_uses: 3, allowed_domains: ['nodejs.org'] } as unknown as NonNullable<ChatRequest['tools']>[number]
function request (overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'gemini-2.5-flash', clientModel: 'claude-opus-5-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }], max_tokens: 1024, stream: false, tools: [search], ...overrides }
}

test('the web search tool alone becomes googleSearch; blocked_domains → excludeDomains on Vertex AI only', () => {
  assert.deepEqual(toGeminiRequest(request({})).tools, [{ googleSearch: {} }])
  const blocked = request({ tools: [{ ...search, blocked_domains: ['spam.example'] }] })
  assert.deepEqual(toGeminiRequest(blocked).tools, [{ googleSearch: {} }], 'the Gemini API has no such field')
  assert.deepEqual(toGeminiRequest(blocked, { vertexAI: true }).tools, [{ googleSearch: { excludeDomains: ['spam.example'] } }])
})

test('with functions declared (or called earlier) the search does not apply: Gemini refuses googleSearch next to functionDeclarations', () => {
  const bash = { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }
  assert.equal(geminiSearchApplies(request({ tools: [bash, search] })), false)
  const history = request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] }] })
  assert.equal(geminiSearchApplies(history), false)
  assert.equal(geminiSearchApplies(request({})), true)
  assert.equal(geminiSearchApplies(request({ tools: [] })), false)
})

test('groundingMetadata → a web-search part: web chunks only, supports remapped, byte offsets kept', () => {
  const part = groundingToPart({
    webSearchQueries: ['node 24'],
    groundingChunks: [{ retrievedContext: { uri: 'gs://x' } }, { web: { uri: 'https://r/1', title: 'nodejs.org' } }],
    groundingSupports: [{ segment: { endIndex: 12, text: 'Node 24 out.' }, groundingChunkIndices: [0, 1] }, { segment: { startIndex: 13, endIndex: 20 }, groundingChunkIndices: [0] }]
  })
  assert.deepEqual(part, { type: 'web-search', queries: ['node 24'], sources: [{ url: 'https://r/1', title: 'nodejs.org' }], supports: [{ start: 0, end: 12, unit: 'utf8', text: 'Node 24 out.', sources: [0] }] })
  assert.equal(groundingToPart({ searchEntryPoint: { renderedContent: '<div/>' } }), undefined)
})

test('a streamed grounded answer: sources from the last chunk cite the right characters after multi-byte text', () => {
  const text = 'Größe — 24. Rest.'
  const firstSentenceBytes = Buffer.byteLength('Größe — 24.', 'utf8')
  const chunks = [
    { candidates: [{ content: { role: 'model', parts: [{ text: 'Größe — ' }] }, groundingMetadata: { webSearchQueries: ['größe'] } }] },
    { candidates: [{ content: { role: 'model', parts: [{ text: '24. Rest.' }] } }] },
    { candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', groundingMetadata: { webSearchQueries: ['größe'], groundingChunks: [{ web: { uri: 'https://r/a', title: 'a.de' } }], groundingSupports: [{ segment: { endIndex: firstSentenceBytes }, groundingChunkIndices: [0] }] } }] }
  ]
  const parts = transformPartList(chunks.flatMap((chunk) => geminiChunkToParts(chunk)), [new WebSearchAnswer({ provider: 'vertex', fallbackQuery: 'q' })])
  return assembleParts(parts, { clientModel: 'c', inputTokensEstimate: 1 }).then((events) => {
    const message = collectMessage(events)
    assert.deepEqual(message.content.map((block) => block.type), ['server_tool_use', 'web_search_tool_result', 'text', 'text'])
    assert.deepEqual((message.content[0] as { input: unknown }).input, { query: 'größe' }, 'the repeated query is one query')
    assert.equal((message.content[2] as { text: string }).text, 'Größe — 24.')
    assert.equal((message.content[3] as { text: string }).text, ' Rest.')
    assert.equal(message.content.map((block) => (block as { text?: string }).text ?? '').join(''), text)
  })
})
