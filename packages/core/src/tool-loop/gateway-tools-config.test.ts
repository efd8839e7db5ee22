import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GatewayToolRegistry } from './gateway-tool-registry.ts'
import { parseToolLoopEnv } from './gateway-tools-config.ts'

const tool = (name: string) => ({ name, input_schema: { type: 'object' }, execute: async () => 'ok' })

test('the loop is installed once, by the first tool, even when tools are withdrawn and come back', () => {
  let installs = 0
  const registry = new GatewayToolRegistry(() => { installs++ })
  registry.register(tool('a'))
  assert.equal(registry.unregister('a'), true)
  assert.equal(registry.unregister('a'), false)
  assert.equal(registry.size, 0)
  registry.register(tool('a'))
  registry.register(tool('b'))
  assert.equal(installs, 1)
  assert.deepEqual(registry.list().map((entry) => entry.name), ['a', 'b'])
})

test('TOOL_EXECUTION_MODE and the loop caps: POLICY_MAX_STEPS applies when smaller, passthrough means client', () => {
  assert.deepEqual(parseToolLoopEnv({}), { maxTurns: 8, turnsVariable: 'LYNKR_MAX_TOOL_TURNS', maxToolCalls: 32, blocks: 'hidden', executionMode: 'server' })
  assert.deepEqual(parseToolLoopEnv({ POLICY_MAX_STEPS: '3', POLICY_MAX_TOOL_CALLS: '5', TOOL_EXECUTION_MODE: 'passthrough' }), { maxTurns: 3, turnsVariable: 'POLICY_MAX_STEPS', maxToolCalls: 5, blocks: 'hidden', executionMode: 'client' })
  assert.equal(parseToolLoopEnv({ POLICY_MAX_STEPS: '20', LYNKR_MAX_TOOL_TURNS: '4' }).maxTurns, 4)
  assert.equal(parseToolLoopEnv({ TOOL_EXECUTION_MODE: 'CLIENT' }).executionMode, 'client')
})
