import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext } from '@lynkr/protocol'
import { migrate, openStore } from '@lynkr/storage'
import { historyCompressionStep } from './history-step.ts'
import { SqliteSummaryStore, summaryMigrations } from './summary-store-sqlite.ts'
import type { SummaryStore } from './summary-store.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
const local: ModelCapabilities = { promptCache: 'automatic-prefix', contextWindow: 16_384, local: true }
const context: StepContext = { decision: { provider: 'p', model: 'm', reason: 'default' }, capabilities: local, session: { id: 's1', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose: 'client' }

function session (rounds: number, ask = 'Fix the failing tests'): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: ask }] }]
  for (let i = 0; i < rounds; i++) {
    const id = `toolu_${i}`
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'Bash', input: { command: `npm test -- ${i}` } }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: `${i} `.repeat(1_000) }] })
  }
  return messages
}
const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'm', clientModel: 'm', max_tokens: 1000, stream: true, messages })
const more = (messages: ChatMessage[], text: string): ChatMessage[] => [...messages, { role: 'assistant', content: [{ type: 'text', text: 'ok' }] }, { role: 'user', content: [{ type: 'text', text }] }]

/** A step as a gateway process would have it: its own memory, a summariser that counts its calls, a shared store. */
function gateway (store: SummaryStore, answer: string): { step: ReturnType<typeof historyCompressionStep>, asked: () => number } {
  let asked = 0
  const step = historyCompressionStep({ summariseOlder: true, maxTokens: 2_500, summaries: store, summarise: async () => { asked++; return answer } })
  return { step, asked: () => asked }
}

const settled = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

test('the SQLite store keeps the latest summary per conversation key; one unused for 30 days is pruned', async () => {
  const { db, handle } = openStore(':memory:')
  await migrate(db, 'history-compression', summaryMigrations)
  const store = new SqliteSummaryStore(handle, silent)
  assert.equal(store.load('a'), undefined)
  store.save('a', { through: 7, anchor: '7:x', text: 'summary A' })
  store.save('a', { through: 9, anchor: '9:y', text: 'summary A, later' })
  assert.deepEqual(store.load('a'), { through: 9, anchor: '9:y', text: 'summary A, later' })
  assert.equal(store.load('b'), undefined)
  assert.equal(store.prune(Date.now()), 0, 'a fresh summary is kept')
  assert.equal(store.prune(Date.now() + 31 * 86_400_000), 1, 'one unused for 30 days goes')
  await db.destroy()
})

test('a new process with the same store sends the stored summary and never asks again; another branch of the conversation gets its own', async () => {
  const { db, handle } = openStore(':memory:')
  await migrate(db, 'history-compression', summaryMigrations)
  const store = new SqliteSummaryStore(handle, silent)
  const first = gateway(store, 'The tests failed in shard 3.')
  const long = session(12)
  await first.step.run(request(long), context)
  await settled()
  const next = more(long, 'and now?')
  const sent = await first.step.run(request(next), context)
  assert.ok(sent.messages.length < next.length, 'summarised')

  const restarted = gateway(store, 'A different summary.')
  assert.equal(JSON.stringify(await restarted.step.run(request(next), context)), JSON.stringify(sent), 'the same bytes after the restart')
  assert.equal(restarted.asked(), 0)

  // The user went back before the summarised part and took another way: the stored summary does not fit it.
  const other = [...long.slice(0, 5), { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Another way.' }] }, ...session(12).slice(1).map((message) => JSON.parse(JSON.stringify(message).replaceAll('toolu_', 'toolu_b')) as ChatMessage)]
  const otherSent = await restarted.step.run(request(other), context)
  assert.ok(!JSON.stringify(otherSent).includes('The tests failed in shard 3.'), 'not the other branch\'s summary')
  assert.equal(restarted.asked(), 1, 'this branch gets its own summary')
  await db.destroy()
})
