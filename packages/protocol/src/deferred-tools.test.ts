import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ToolDefinition } from './messages.ts'
import { declaredTools, loadedToolNames } from './deferred-tools.ts'

const schema = { type: 'object', properties: {} }
const tools: ToolDefinition[] = [
  { name: 'Bash', input_schema: schema },
  { name: 'ToolSearch', input_schema: schema },
  { name: 'WebSearch', input_schema: schema, defer_loading: true },
  { name: 'NotebookEdit', input_schema: schema, defer_loading: true },
  { type: 'web_search_20250305', name: 'web_search' } as unknown as ToolDefinition
]
// Claude Code's ToolSearch result: a tool_reference per loaded tool, then a text.
const loadedWebSearch: ChatMessage[] = [
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'ToolSearch', input: { query: 'select:WebSearch' } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'tool_reference', tool_name: 'WebSearch' }, { type: 'text', text: 'Tool loaded.' }] as never }] }
]

test('deferred tools are declared once a tool search loaded them, never before; server tools never', () => {
  assert.deepEqual(declaredTools({ tools, messages: [] }).map((tool) => tool.name), ['Bash', 'ToolSearch'])
  assert.deepEqual([...loadedToolNames(loadedWebSearch)], ['WebSearch'])
  assert.deepEqual(declaredTools({ tools, messages: loadedWebSearch }).map((tool) => tool.name), ['Bash', 'ToolSearch', 'WebSearch'])
})
