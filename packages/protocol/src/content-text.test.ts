import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContentBlock, ImageBlock, ToolResultBlock } from './messages.ts'
import { flattenToolResult, joinTextBlocks, serverToolText } from './content-text.ts'
import { decodeSearchContent, encodeSearchContent } from './server-tools.ts'

const png: ImageBlock = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }
const linked: ImageBlock = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }

test('joinTextBlocks keeps text blocks (not tool calls), joined by a blank line', () => {
  assert.equal(joinTextBlocks([
    { type: 'text', text: 'one' },
    { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} },
    { type: 'text', text: 'two' }
  ]), 'one\n\ntwo')
  assert.equal(joinTextBlocks([]), '')
})

test('flattenToolResult: string content as is, blocks joined by newlines, images noted and handed over in order', () => {
  const asData = (image: ImageBlock): string | null => image.source.type === 'base64' ? image.source.data : null
  assert.deepEqual(flattenToolResult({ type: 'tool_result', tool_use_id: 't', content: 'plain' }, asData), { text: 'plain', images: [] })
  const block: ToolResultBlock = {
    type: 'tool_result',
    tool_use_id: 't',
    content: [{ type: 'text', text: 'captured' }, png, linked, { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'dropped' } }]
  }
  assert.deepEqual(flattenToolResult(block, asData), { text: 'captured\n[image attached below]\n[image attached below]', images: ['iVBORw0KGgo='] })
})

test('flattenToolResult: a failed tool gets "Error: " in front, even with no output; no content is empty text', () => {
  const none = (): null => null
  assert.deepEqual(flattenToolResult({ type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true }, none), { text: 'Error: boom', images: [] })
  assert.deepEqual(flattenToolResult({ type: 'tool_result', tool_use_id: 't', is_error: true }, none), { text: 'Error: ', images: [] })
  assert.deepEqual(flattenToolResult({ type: 'tool_result', tool_use_id: 't' }, none), { text: '', images: [] })
})

// Server-tool blocks as Anthropic's API returns them (web search, web fetch, code execution).
const searchTurn = [
  { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'node 24 release date' } },
  {
    type: 'web_search_tool_result',
    tool_use_id: 'srvtoolu_01',
    content: [
      { type: 'web_search_result', title: 'Node.js 24 released', url: 'https://nodejs.org/en/blog/release/v24.0.0', encrypted_content: 'EqgfCioIARgBIiQ3YTAw', page_age: 'May 6, 2025' },
      { type: 'web_search_result', title: 'Release schedule', url: 'https://github.com/nodejs/release', encrypted_content: 'Eo8BCioIARgB' }
    ]
  },
  { type: 'text', text: 'Node 24 came out in May 2025.' }
] as unknown as ContentBlock[]

test('serverToolText: a web search keeps its query and hits (title, url), never the encrypted page contents', () => {
  assert.equal(serverToolText(searchTurn[0]!), '[web_search called with {"query":"node 24 release date"}]')
  assert.equal(serverToolText(searchTurn[1]!), '[web search results]\n- Node.js 24 released — https://nodejs.org/en/blog/release/v24.0.0\n- Release schedule — https://github.com/nodejs/release')
  assert.doesNotMatch(joinTextBlocks(searchTurn), /EqgfCioIARgB/)
  assert.equal(joinTextBlocks(searchTurn), `${serverToolText(searchTurn[0]!)}\n\n${serverToolText(searchTurn[1]!)}\n\nNode 24 came out in May 2025.`)
})

test('serverToolText: errors, fetched pages and code runs; ordinary blocks are not server tools', () => {
  const failed = { type: 'web_search_tool_result', tool_use_id: 's', content: { type: 'web_search_tool_result_error', error_code: 'max_uses_exceeded' } } as unknown as ContentBlock
  assert.equal(serverToolText(failed), '[web search failed: max_uses_exceeded]')
  const fetched = { type: 'web_fetch_tool_result', tool_use_id: 's', content: { type: 'web_fetch_result', url: 'https://example.com/a', content: { type: 'document', title: 'A page', source: { type: 'text', media_type: 'text/plain', data: 'Page text.' } } } } as unknown as ContentBlock
  assert.equal(serverToolText(fetched), '[web fetch results]\n- https://example.com/a\nPage text.')
  const ran = { type: 'code_execution_tool_result', tool_use_id: 's', content: { type: 'code_execution_result', stdout: '42\n', stderr: '', return_code: 0 } } as unknown as ContentBlock
  assert.equal(serverToolText(ran), '[code execution results]\nstdout:\n42\n\nexit code 0')
  const empty = { type: 'web_search_tool_result', tool_use_id: 's', content: [] } as unknown as ContentBlock
  assert.equal(serverToolText(empty), '[web search: no results]')
  assert.equal(serverToolText({ type: 'tool_result', tool_use_id: 't', content: 'x' }), undefined)
  assert.equal(serverToolText({ type: 'text', text: 'x' }), undefined)
  assert.equal(serverToolText({ type: 'tool_use', id: 't', name: 'Bash', input: {} }), undefined)
})

test('serverToolText: a search another upstream ran (lynkr encrypted_content) shows what its pages said', () => {
  const content = [{ type: 'web_search_result', url: 'https://r/1', title: 'nodejs.org', encrypted_content: encodeSearchContent({ provider: 'vertex', snippets: ['Node 24 came out in May 2025.'] }), page_age: null }]
  assert.equal(serverToolText({ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content } as never), '[web search results]\n- nodejs.org — https://r/1\n  > Node 24 came out in May 2025.')
  assert.equal(decodeSearchContent('EqQBCioIBhgC'), undefined, "Anthropic's own stays opaque")
})
