import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startGateway } from './helpers/gateway.ts'
import type { RecordedRequest } from './helpers/fake-script.ts'

// All token phases on an Anthropic-family upstream (the fake refuses more than four cache_control blocks and
// models the prefix cache): lynkr's breakpoints — the prompt-cache step's for a client that placed none,
// history compression's frontier beside a client's own — never make more than four, and the next turn
// still reads the cache after a batch of old tool results was cleared.

type Json = Record<string, any>

const PHASES = { LYNKR_TOKEN_PHASES: 'all', TOKEN_BUDGET_WARNING: '10000', HISTORY_KEEP_RECENT_TURNS: '2', UPSTREAM_MAX_RETRIES: '0' }
const markers = (body: unknown): number => JSON.stringify(body).match(/"cache_control"/g)?.length ?? 0
const chats = (requests: RecordedRequest[]): RecordedRequest[] => requests.filter((request) => Array.isArray(request.body?.messages))
const output = (i: number): string => Array.from({ length: 200 }, (_, line) => `test ${i}.${line} ok ${'.'.repeat(20)}`).join('\n')
const clearedIn = (body: Json | undefined): number => JSON.stringify(body).match(/\[lynkr: the output of/g)?.length ?? 0

async function setup (t: { after: (fn: () => Promise<void>) => void }) {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', promptCache: true })
  const gateway = await startGateway(anthropicEnv(fake.url, PHASES))
  t.after(async () => { await gateway.close(); await fake.close() })
  return { fake, gateway }
}

test('an OpenAI client (no breakpoints of its own) with all phases: at most four breakpoints once history is cleared, and the next turn reads the cache', { timeout: 120_000 }, async (t) => {
  const { fake, gateway } = await setup(t)
  fake.respondWith({ text: 'ok' })
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0, defaultHeaders: { 'x-session-id': 'cursor-1' } })
  const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'shell', description: `Run a shell command. ${'Use it for tests. '.repeat(300)}`, parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }]
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: `You are a coding agent. ${'Be careful. '.repeat(400)}` }, { role: 'user', content: 'Make the test suite pass' }]
  for (let i = 0; i < 40; i++) {
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'shell', arguments: JSON.stringify({ command: `npm test -- --shard=${i}` }) } }] })
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: output(i) })
  }
  await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools })
  const second = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [...messages, { role: 'assistant', content: 'All shards pass.' }, { role: 'user', content: 'Commit it' }], tools })
  const [first, next] = chats(fake.requests).map((request) => request.body as Json)
  assert.ok(clearedIn(first) >= 30, `old results cleared: ${clearedIn(first)}`)
  assert.equal(markers(first), 4, 'the prompt-cache step places four')
  assert.equal(markers(next), 4)
  assert.ok((second.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 5_000, `the next turn reads the cached prefix (${second.usage?.prompt_tokens_details?.cached_tokens})`)
})

test('a client with three breakpoints of its own (Claude Code) with all phases: the frontier makes four, never five', { timeout: 120_000 }, async (t) => {
  const { fake, gateway } = await setup(t)
  fake.respondWith({ text: 'ok' })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0, defaultHeaders: { 'x-claude-code-session-id': 'cc-1' } })
  const marker = { type: 'ephemeral' as const }
  const tools: Anthropic.Tool[] = [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] }, cache_control: marker }]
  const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: `You are Claude Code, Anthropic's official CLI for Claude. ${'Be careful. '.repeat(400)}`, cache_control: marker }]
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Make the test suite pass' }]
  for (let i = 0; i < 40; i++) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    history.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `npm test -- --shard=${i}` } }] })
    history.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: output(i), ...(i === 39 ? { cache_control: marker } : {}) }] })
  }
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system, tools, messages: history })
  const [sent] = chats(fake.requests).map((request) => request.body as Json)
  assert.ok(clearedIn(sent) >= 30, `old results cleared: ${clearedIn(sent)}`)
  assert.equal(markers(sent), 4, 'the client\'s three and the frontier')
})
