import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import { anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startGatewayWithLog } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// History compression's frozen summary (token phase 6) across a gateway restart: the summary the first gateway
// asked for is in the embedded store, so the second gateway on the same data directory sends the very same
// bytes and never asks the upstream (the fake Anthropic API, which also answers the summarise call) again.

type Message = Anthropic.MessageParam

const SUMMARY = 'The user asked to make the test suite pass; shards 0-9 passed after fixing src/range.js.'
const SYSTEM = 'You are Claude Code, Anthropic\'s official CLI for Claude.'
const TOOLS: Anthropic.Tool[] = [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]
const headers = { 'x-claude-code-session-id': 'session-summary-restart' }

const isSummaryCall = (request: RecordedRequest): boolean => JSON.stringify(request.body?.messages ?? []).includes('<transcript>')
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined && !isSummaryCall(request))
const summaryCalls = (fake: FakeUpstream): number => fake.requests.filter(isSummaryCall).length

function history (): Message[] {
  const messages: Message[] = [{ role: 'user', content: 'Make the test suite pass' }]
  for (let i = 0; i < 14; i++) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Shard ${i}.` }, { type: 'tool_use', id, name: 'Bash', input: { command: `npm test -- --shard=${i}` } }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: Array.from({ length: 40 }, (_, line) => `shard ${i} test ${line} ok`).join('\n') }] })
  }
  return messages
}

const turn = (messages: Message[], answer: string, ask: string): Message[] => [...messages, { role: 'assistant', content: answer }, { role: 'user', content: ask }]

async function send (gateway: TestGateway, messages: Message[]): Promise<void> {
  await new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0, defaultHeaders: headers }).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages })
}

async function summaryAcrossRestart (t: { after: (fn: () => Promise<void>) => void }, extra: Record<string, string>): Promise<{ fake: FakeUpstream, sentBefore: RecordedRequest, sentAfter: RecordedRequest[], loggedAfter: (pattern: RegExp) => Promise<void> }> {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  t.after(async () => { await fake.close() })
  fake.respondWith((request) => isSummaryCall(request) ? { text: SUMMARY } : { text: 'ok' })
  // The summary is asked for above 3,000 prompt tokens; nothing is cleared (the trigger is out of reach).
  const env = anthropicEnv(fake.url, { HISTORY_COMPRESSION_ENABLED: 'true', TOKEN_BUDGET_MAX: '3000', TOKEN_BUDGET_WARNING: '1000000', HISTORY_KEEP_RECENT_TURNS: '2', ...extra })
  const long = history()
  const next = turn(long, 'All shards pass.', 'Commit it')

  const before = await startGatewayWithLog(env)
  await send(before.gateway, long)
  await before.logged(/older turns summarised/)
  await send(before.gateway, next)
  await before.gateway.close()
  const sentBefore = chats(fake)[1]!

  const after = await startGatewayWithLog(env)
  t.after(async () => { await after.gateway.close() })
  const seen = chats(fake).length
  await send(after.gateway, next)
  await send(after.gateway, turn(next, 'Committed.', 'Push it'))
  return { fake, sentBefore, sentAfter: chats(fake).slice(seen), loggedAfter: after.logged }
}

test('a restarted gateway sends the frozen summary it sent before, byte for byte, without asking for it again (embedded store)', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-summary-'))
  t.after(async () => { rmSync(dataDir, { recursive: true, force: true }) })
  const { fake, sentBefore, sentAfter } = await summaryAcrossRestart(t, { LYNKR_DATA_DIR: dataDir })
  const [again, later] = sentAfter
  assert.match(JSON.stringify(sentBefore.body.messages[0]), /summarised to fit the context window[^"]*\\n\\nThe user asked to make the test suite pass/, 'the first gateway sent the summary')
  assert.ok(sentBefore.body.messages.length < history().length, 'the older turns were replaced')
  assert.equal(JSON.stringify(again!.body), JSON.stringify(sentBefore.body), 'the same request after the restart: the same bytes')
  assert.equal(JSON.stringify(later!.body.messages.slice(0, sentBefore.body.messages.length)), JSON.stringify(sentBefore.body.messages), 'the next turn extends them')
  assert.equal(summaryCalls(fake), 1, 'the summary was asked for once, by the first gateway')
  // Claude Sonnet on Azure AI Foundry: the summary is written by Haiku, as Foundry names it, not by Sonnet.
  assert.deepEqual(fake.requests.filter(isSummaryCall).map((request) => request.body.model), ['claude-haiku-4-5'])
})

test('without the embedded store the summary lives in memory: a restart asks for it again', async (t) => {
  // No usage, no memory: nothing loads @lynkr/storage.
  const plugins = 'api-anthropic,provider-azure-anthropic,history-compression'
  const { fake, sentBefore, sentAfter, loggedAfter } = await summaryAcrossRestart(t, { LYNKR_PLUGINS: plugins })
  assert.match(JSON.stringify(sentBefore.body.messages[0]), /summarised to fit the context window/, 'the summary works without a store')
  assert.equal(sentAfter[0]!.body.messages.length, turn(history(), 'x', 'y').length, 'after the restart the first request goes unsummarised')
  await loggedAfter(/older turns summarised/)
  assert.equal(summaryCalls(fake), 2, 'and the summary is asked for again')
})
