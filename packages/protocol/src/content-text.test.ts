import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ImageBlock, ToolResultBlock } from './messages.ts'
import { flattenToolResult, joinTextBlocks } from './content-text.ts'

const png: ImageBlock = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }
const linked: ImageBlock = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }

test('joinTextBlocks keeps only text blocks, joined by a blank line', () => {
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
