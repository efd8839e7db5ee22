import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { annotationsToPart, webPlugin } from './web-search.ts'
import { openRouterChunkToParts } from './reasoning-details.ts'

const request = (tool?: Record<string, unknown>): ChatRequest => ({ model: 'm', clientModel: 'c', max_tokens: 1, stream: false, messages: [], ...(tool === undefined ? {} : { tools: [tool as never] }) })

test('webPlugin: Anthropic web search options in the web plugin\'s terms; none without the tool', () => {
  assert.equal(webPlugin(request()), undefined)
  assert.deepEqual(webPlugin(request({ type: 'web_search_20250305', name: 'web_search' })), { id: 'web' })
  assert.deepEqual(webPlugin(request({ type: 'web_search_20250305', name: 'web_search', max_uses: 3, blocked_domains: ['spam.example'], user_location: { type: 'approximate', city: 'Berlin' } })),
    { id: 'web', max_uses: 3, exclude_domains: ['spam.example'], user_location: { type: 'approximate', city: 'Berlin' } })
})

test('annotationsToPart: url_citation annotations are sources; their ranges back the answer (UTF-16, end exclusive)', () => {
  assert.deepEqual(annotationsToPart([
    { type: 'url_citation', url_citation: { url: 'https://a/', title: 'A', content: 'page', start_index: 0, end_index: 5 } },
    { type: 'url_citation', url_citation: { url: 'https://b/', start_index: 0, end_index: 0 } },
    { type: 'file_citation' }
  ]), { type: 'web-search', sources: [{ url: 'https://a/', title: 'A', snippet: 'page' }, { url: 'https://b/' }], supports: [{ start: 0, end: 5, unit: 'utf16', sources: [0] }] })
  assert.equal(annotationsToPart([]), undefined)
  const parts = openRouterChunkToParts({ choices: [{ index: 0, delta: { content: '', annotations: [{ type: 'url_citation', url_citation: { url: 'https://a/' } }] } }] })
  assert.deepEqual(parts, [{ type: 'web-search', sources: [{ url: 'https://a/' }], supports: [] }])
})
