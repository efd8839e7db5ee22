import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext, TextBlock, ToolDefinition } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { systemPromptStep } from './system-prompt-step.ts'

const claudeCode = JSON.parse(readFileSync(new URL('../../../test/fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as { system: TextBlock[], messages: ChatMessage[], tools: ToolDefinition[] }
const silent = { debug () {}, info () {}, warn () {}, error () {} }
const local: ModelCapabilities = { promptCache: 'automatic-prefix', contextWindow: 8_192, local: true }
const context = (purpose: string): StepContext => ({ decision: { provider: 'ollama', model: 'qwen', reason: 'default' }, capabilities: local, session: { id: 's1', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose })
const request = (tools: ToolDefinition[]): ChatRequest => ({ model: 'qwen', clientModel: 'claude-sonnet-4-5', max_tokens: 1000, stream: true, system: claudeCode.system, tools, messages: claudeCode.messages })

test('a count before the session\'s first request does not fix the tools the profile mentions', async () => {
  const onlyBash = claudeCode.tools.filter((tool) => tool.name === 'Bash')
  const fresh = systemPromptStep({ mode: 'auto' })
  const expected = await fresh.run(request(claudeCode.tools), context('client'))
  assert.notEqual(JSON.stringify(expected.system), JSON.stringify((await systemPromptStep({ mode: 'auto' }).run(request(onlyBash), context('client'))).system), 'the profile depends on the tools')

  const counted = systemPromptStep({ mode: 'auto' })
  await counted.run(request(onlyBash), context(COUNT_TOKENS_PURPOSE))
  assert.equal(JSON.stringify(await counted.run(request(claudeCode.tools), context('client'))), JSON.stringify(expected))
})
