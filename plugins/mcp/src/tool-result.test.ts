import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toToolResult } from './tool-result.ts'
import { gatewayToolName } from './tool-names.ts'

test('MCP content becomes tool_result content: text joined, images kept, resources as text, errors flagged', () => {
  assert.equal(toToolResult({ content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, 100), 'a\nb')
  assert.deepEqual(toToolResult({ content: [{ type: 'text', text: 'no' }], isError: true }, 100), { content: 'no', isError: true })
  assert.equal(toToolResult({ content: [], structuredContent: { n: 1 } }, 100), '{"n":1}')
  assert.deepEqual(toToolResult({ content: [{ type: 'text', text: 'see' }, { type: 'image', data: 'AAAA', mimeType: 'image/gif' }] }, 100), { content: [{ type: 'text', text: 'see' }, { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'AAAA' } }] })
  assert.equal(toToolResult({ content: [{ type: 'resource', resource: { uri: 'file:///a', text: 'body' } }, { type: 'resource_link', uri: 'file:///b', name: 'b' }, { type: 'audio', data: 'x', mimeType: 'audio/wav' }] }, 1000), 'file:///a:\nbody\n[resource b file:///b]\n[audio (audio/wav) content not shown]')
})

test('output over the cap is cut with a note; an image that does not fit is left out', () => {
  assert.equal(toToolResult({ content: [{ type: 'text', text: 'x'.repeat(300) }] }, 100), `${'x'.repeat(100)}\n[output cut: 100 of 300 characters shown (MCP_TOOL_OUTPUT_MAX_CHARS)]`)
  const result = toToolResult({ content: [{ type: 'text', text: 'hi' }, { type: 'image', data: 'A'.repeat(500), mimeType: 'image/png' }] }, 100)
  assert.equal(result, 'hi\n[output cut: 100 of 502 characters shown (MCP_TOOL_OUTPUT_MAX_CHARS)]')
})

test('tool names: mcp__<server>__<tool>, upstream-safe, at most 64 characters and still distinct', () => {
  assert.equal(gatewayToolName('github', 'create_issue'), 'mcp__github__create_issue')
  assert.equal(gatewayToolName('fs', 'read.file'), 'mcp__fs__read_file')
  const long = gatewayToolName('server', 'a'.repeat(80))
  const other = gatewayToolName('server', `${'a'.repeat(79)}b`)
  assert.equal(long.length, 64)
  assert.match(long, /^[a-zA-Z0-9_-]{1,64}$/)
  assert.notEqual(long, other)
})
