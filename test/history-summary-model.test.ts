import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { openAIEnv, startGatewayWithLog } from './helpers/gateway.ts'
import type { FakeReply, FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// Which model writes history compression's summary (token phase 6): a cheap one unless the user says otherwise,
// as the fake OpenAI API records it — HISTORY_SUMMARY_MODEL, else the SIMPLE tier, else the provider's mini
// sibling of the request's model, else the request's model; a refused cheap model falls back to the request's.

type Message = Anthropic.MessageParam

const SUMMARY = 'The user asked to make the test suite pass; every shard passed.'
const isSummaryCall = (request: RecordedRequest): boolean => JSON.stringify(request.body?.messages ?? []).includes('<transcript>')
const summaryModels = (fake: FakeUpstream): string[] => fake.requests.filter(isSummaryCall).map((request) => request.body.model)
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined && !isSummaryCall(request))

function history (task: string): Message[] {
  const messages: Message[] = [{ role: 'user', content: task }]
  for (let i = 0; i < 14; i++) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Shard ${i}.` }, { type: 'tool_use', id, name: 'Bash', input: { command: `npm test -- --shard=${i}` } }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: Array.from({ length: 40 }, (_, line) => `shard ${i} test ${line} ok`).join('\n') }] })
  }
  return messages
}

const TOOLS: Anthropic.Tool[] = [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]

/**
 * One long Claude Code conversation (a session per `task`) through the gateway on the fake OpenAI API, until its
 * older turns are summarised; then the next turn, which carries the summary. Returns that next turn as sent.
 */
async function summarised (t: { after: (fn: () => Promise<void>) => void }, options: { env?: Record<string, string>, model?: string, summaryReply?: (request: RecordedRequest) => FakeReply, tasks?: string[] }): Promise<{ fake: FakeUpstream, next: RecordedRequest[], lines: string[] }> {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  t.after(async () => { await fake.close() })
  fake.respondWith((request) => isSummaryCall(request) ? options.summaryReply?.(request) ?? { text: SUMMARY } : { text: 'ok' })
  const env = openAIEnv(fake.url, { OPENAI_MODEL: 'gpt-4o', HISTORY_COMPRESSION_ENABLED: 'true', TOKEN_BUDGET_MAX: '3000', TOKEN_BUDGET_WARNING: '1000000', HISTORY_KEEP_RECENT_TURNS: '2', UPSTREAM_MAX_RETRIES: '0', ...options.env })
  const { gateway, lines, logged } = await startGatewayWithLog(env)
  t.after(async () => { await gateway.close() })
  const next: RecordedRequest[] = []
  for (const task of options.tasks ?? ['Make the test suite pass']) {
    const client = new Anthropic({ baseURL: gateway.url, apiKey: 'k', maxRetries: 0, defaultHeaders: { 'x-claude-code-session-id': `session ${task}` } })
    const send = async (messages: Message[]): Promise<void> => { await client.messages.create({ model: options.model ?? 'claude-opus-4-5', max_tokens: 256, tools: TOOLS, messages }) }
    const long = history(task)
    const done = lines.filter((line) => /older turns summarised/.test(line)).length
    await send(long)
    while (lines.filter((line) => /older turns summarised/.test(line)).length === done) await logged(/older turns summarised/)
    await send([...long, { role: 'assistant', content: 'All shards pass.' }, { role: 'user', content: 'Commit it' }])
    next.push(chats(fake).at(-1)!)
  }
  return { fake, next, lines }
}

const carriesSummary = (request: RecordedRequest): boolean => JSON.stringify(request.body.messages).includes('every shard passed')

test('by default a gpt-4o session is summarised by gpt-4o-mini, the provider\'s cheap sibling; the session itself stays on gpt-4o', async (t) => {
  const { fake, next, lines } = await summarised(t, {})
  assert.deepEqual(summaryModels(fake), ['gpt-4o-mini'])
  assert.equal(next[0]!.body.model, 'gpt-4o')
  assert.ok(carriesSummary(next[0]!), 'the next turn carries the summary')
  assert.ok(lines.some((line) => /history compression: summaries on a cheaper model of the request's provider/.test(line)), 'the boot log says where summaries go')
})

test('with tier routing the SIMPLE tier writes the summary, whatever model the session is on', async (t) => {
  const tiers = { TIER_SIMPLE: 'openai:simple-model', TIER_MEDIUM: 'openai:gpt-5', TIER_COMPLEX: 'openai:gpt-5', TIER_REASONING: 'openai:gpt-5', FALLBACK_ENABLED: 'false' }
  // The client names its model, so the session is on gpt-5 whatever its score (its sibling would be gpt-5-mini).
  const { fake, next, lines } = await summarised(t, { env: tiers, model: 'openai:gpt-5' })
  assert.deepEqual(summaryModels(fake), ['simple-model'])
  assert.equal(next[0]!.body.model, 'gpt-5')
  assert.ok(lines.some((line) => /summaries on the SIMPLE tier \(openai:simple-model\)/.test(line)))
})

test('an explicit HISTORY_SUMMARY_MODEL wins over the SIMPLE tier and the sibling', async (t) => {
  const tiers = { TIER_SIMPLE: 'openai:simple-model', TIER_MEDIUM: 'openai:gpt-5', TIER_COMPLEX: 'openai:gpt-5', TIER_REASONING: 'openai:gpt-5', FALLBACK_ENABLED: 'false' }
  const { fake } = await summarised(t, { env: { ...tiers, HISTORY_SUMMARY_MODEL: 'gpt-4.1-nano' }, model: 'openai:gpt-5' })
  assert.deepEqual(summaryModels(fake), ['gpt-4.1-nano'])
})

test('a model with no known cheaper sibling (o3) summarises on itself', async (t) => {
  const { fake } = await summarised(t, { env: { OPENAI_MODEL: 'o3' } })
  assert.deepEqual(summaryModels(fake), ['o3'])
})

test('a cheap model the upstream refuses: the summary is written by the request\'s model, logged once, and the refused model is not asked again', async (t) => {
  const refuse = (request: RecordedRequest): FakeReply => request.body.model === 'gpt-4o-mini' ? { status: 404, error: 'The model `gpt-4o-mini` does not exist or you do not have access to it.' } : { text: SUMMARY }
  const { fake, next, lines } = await summarised(t, { summaryReply: refuse, tasks: ['Make the test suite pass', 'Fix the linter warnings'] })
  assert.deepEqual(summaryModels(fake), ['gpt-4o-mini', 'gpt-4o', 'gpt-4o'], 'the first summary fell back once; the second went straight to gpt-4o')
  assert.ok(next.every(carriesSummary), 'no summary was lost')
  assert.equal(lines.filter((line) => /summarising on openai:gpt-4o-mini failed; summarising on the request's model openai:gpt-4o instead/.test(line)).length, 1, 'logged once')
})
