import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext, ToolDefinition } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { toolSelectionStep } from './tool-selection-step.ts'

const claudeCode = JSON.parse(readFileSync(new URL('../../../test/fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as { tools: ToolDefinition[] }
const silent = { debug () {}, info () {}, warn () {}, error () {} }
const local: ModelCapabilities = { promptCache: 'automatic-prefix', contextWindow: 8_192, local: true }
const context = (purpose: string): StepContext => ({ decision: { provider: 'ollama', model: 'qwen', reason: 'default' }, capabilities: local, session: { id: 's1', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose })
const request = (messages: ChatMessage[], tools = claudeCode.tools): ChatRequest => ({ model: 'qwen', clientModel: 'claude-sonnet-4-5', max_tokens: 1000, stream: true, tools, messages })
const names = (sent: ChatRequest): string[] => (sent.tools ?? []).map((tool) => tool.name)

test('count_tokens freezes and restores nothing: the session\'s next request gets what it would have got without the count', async () => {
  const ask: ChatMessage = { role: 'user', content: [{ type: 'text', text: 'Simplify src/a.ts' }] }
  // A count of a history where the model called Skill (removed for this window), and a count of one tool alone.
  const calledSkill: ChatMessage[] = [ask, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Skill', input: { skill: 'simplify' } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Launching skill: simplify' }] }]
  const counted = toolSelectionStep({ mode: 'heuristic', tokenBudget: 2500 })
  const countedSent = await counted.run(request(calledSkill), context(COUNT_TOKENS_PURPOSE))
  assert.ok(names(countedSent).includes('Skill'), 'the count counts the tool the history needs')
  await counted.run(request([ask], claudeCode.tools.filter((tool) => tool.name === 'Skill')), context(COUNT_TOKENS_PURPOSE))

  const fresh = toolSelectionStep({ mode: 'heuristic', tokenBudget: 2500 })
  const expected = await fresh.run(request([ask]), context('client'))
  assert.ok(!names(expected).includes('Skill'))
  assert.equal(JSON.stringify(await counted.run(request([ask]), context('client'))), JSON.stringify(expected))
})
