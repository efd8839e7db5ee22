import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ToolDefinition } from '@lynkr/protocol'
import { selectTools } from './select-tools.ts'

const claudeCode = JSON.parse(readFileSync(new URL('../../../test/fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as { tools: ToolDefinition[] }
const size = (tool: ToolDefinition): number => Math.ceil(JSON.stringify(tool).length / 4)

test('Claude Code 2.1.332: the agent loop tools, ToolSearch and the deferred placeholder, whatever the budget', () => {
  for (const budget of [0, 2500, 100_000]) {
    assert.deepEqual([...selectTools(claudeCode.tools, { budget, cost: size })].sort(), ['Bash', 'DeferredToolPlaceholder', 'Edit', 'Read', 'ToolSearch', 'Write'])
  }
})

test('a generic client keeps its tools in order while they fit the budget; server tools always', () => {
  const tool = (name: string, chars: number): ToolDefinition => ({ name, description: 'x'.repeat(chars), input_schema: { type: 'object' } })
  const tools = [tool('lookup', 400), tool('huge', 4000), tool('weather', 400), tool('stocks', 400), { name: 'web_search', type: 'web_search_20250305' } as unknown as ToolDefinition]
  const selected = selectTools(tools, { budget: 250, cost: size })
  assert.deepEqual([...selected], ['web_search', 'lookup', 'weather'])
  assert.deepEqual([...selectTools(tools, { budget: 250, cost: size })], [...selected], 'the same list gives the same selection')
})
