import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import type { GatewayTool } from 'lynkr'
import { anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startGateway } from './helpers/gateway.ts'
import type { RecordedRequest } from './helpers/fake-script.ts'

// A gateway restart between a mixed turn (a gateway call and a client call) and the client's next request:
// the hidden part is read back from the embedded store, so the upstream — the fake Anthropic API, which
// refuses a tool_use left unanswered — sees the whole turn again.

type Json = Record<string, any>

const readFile: Anthropic.Tool = { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }
const weather: GatewayTool = {
  name: 'lookup_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async (input) => `Sunny in ${String(input.city)}`
}
const shape = (message: Json): string[] => (typeof message.content === 'string' ? [{ type: 'text' }] : message.content as Json[])
  .map((block) => block.type === 'tool_use' ? `tool_use:${String(block.name)}` : block.type === 'tool_result' ? `tool_result:${String(block.content)}` : String(block.type))
const answeredRead = (request: RecordedRequest): boolean => (request.body.messages as Json[]).some((message) => Array.isArray(message.content) && message.content.some((block: Json) => block.type === 'tool_result' && block.content === 'export const a = 1'))

test('the hidden part of a mixed turn survives a gateway restart (embedded store)', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-hidden-'))
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  t.after(async () => { await fake.close(); rmSync(dataDir, { recursive: true, force: true }) })
  fake.respondWith((request) => answeredRead(request)
    ? { text: 'Oslo is sunny and a.ts is read.' }
    : { text: 'Checking both.', toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Oslo' } }, { name: 'read_file', arguments: { path: 'a.ts' } }] })
  const env = anthropicEnv(fake.url, { LYNKR_DATA_DIR: dataDir })
  const question = { model: 'claude-opus-5-5', max_tokens: 512, tools: [readFile], messages: [{ role: 'user' as const, content: 'Weather in Oslo, and read a.ts' }] }
  const headers = { 'x-claude-code-session-id': 'session-restart-1' }

  const before = await startGateway(env)
  before.app.lynkr.gatewayTools.register(weather)
  const first = await new Anthropic({ baseURL: before.url, apiKey: 'k', maxRetries: 0, defaultHeaders: headers }).messages.create(question)
  await before.close()
  assert.deepEqual(first.content.map((block) => block.type === 'tool_use' ? `tool_use:${block.name}` : block.type), ['text', 'tool_use:read_file'], 'the client got only its own call')
  const call = first.content.find((block) => block.type === 'tool_use')!

  const after = await startGateway(env)
  t.after(async () => { await after.close() })
  after.app.lynkr.gatewayTools.register(weather)
  const sentBefore = fake.requests.length
  const second = await new Anthropic({ baseURL: after.url, apiKey: 'k', maxRetries: 0, defaultHeaders: headers }).messages.create({
    ...question,
    messages: [...question.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'export const a = 1' }] }]
  })
  assert.deepEqual(second.content.map((block) => block.type === 'text' ? block.text : block.type), ['Oslo is sunny and a.ts is read.'])
  const sent = fake.requests.slice(sentBefore).find((request) => request.body?.messages !== undefined)!.body.messages as Json[]
  assert.deepEqual(sent.slice(1).map(shape), [
    ['text', 'tool_use:lookup_weather', 'tool_use:read_file'],
    ['tool_result:Sunny in Oslo', 'tool_result:export const a = 1']
  ], 'the restarted gateway restored the turn from the store')
})
