import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext } from '@lynkr/protocol'
import { historyCompressionStep } from './history-step.ts'
import { requestCost } from './bank.ts'
import { policyFor } from './policy.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
/** Anthropic-like with a window so wide that the "past 90 % of the window" exception never applies here. */
const anthropic: ModelCapabilities = { promptCache: 'anthropic-breakpoints', cacheReadPriceRatio: 0.1, contextWindow: 200_000, local: false }

function context (clientRequest?: ChatRequest): StepContext {
  return { decision: { provider: 'p', model: 'm', reason: 'default' }, capabilities: anthropic, session: { id: 'bank', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose: 'client', clientRequest }
}

/** A Claude Code session: the prompt, then `rounds` tool calls (Bash and Read alternating), each result `resultChars` long. */
function session (rounds: number, resultChars: number): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Fix the failing tests' }] }]
  for (let i = 0; i < rounds; i++) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    const read = i % 2 === 1
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Step ${i}.` }, { type: 'tool_use', id, name: read ? 'Read' : 'Bash', input: read ? { file_path: `/repo/src/f${i}.ts` } : { command: `npm test -- ${i}` } }] })
    const body = Array.from({ length: Math.ceil(resultChars / 40) }, (_, line) => `${i}:${line} ${'x'.repeat(30)}`).join('\n')
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: body }] })
  }
  return messages
}

const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'm', clientModel: 'm', max_tokens: 1000, stream: true, system: [{ type: 'text', text: 'You are Claude Code.' }], messages })
const clearedCount = (req: ChatRequest): number => req.messages.flatMap((message) => message.content).filter((block) => block.type === 'tool_result' && String(block.content).startsWith('[lynkr: ')).length

/** Anthropic's prefix cache, block by block: what a request shares with the previous one is read at 0.1, the rest written at 1.25. */
function cacheCost (previous: ChatRequest | undefined, current: ChatRequest): number {
  const blocks = (req: ChatRequest | undefined): string[] => req === undefined ? [] : req.messages.flatMap((message) => message.content.map((block) => JSON.stringify(block)))
  const [before, now] = [blocks(previous), blocks(current)]
  let shared = 0
  while (shared < before.length && shared < now.length && before[shared] === now[shared]) shared++
  const chars = (list: string[]): number => list.reduce((sum, text) => sum + text.length, 0)
  return chars(now.slice(0, shared)) * 0.1 + chars(now.slice(shared)) * 1.25
}

/**
 * Replays a session request by request: `sent` is what an earlier step left of each request (what this step
 * sees), `client` what the client sent (passthrough). Returns per turn the cost so far of ours and of
 * passthrough, and how many results were cleared.
 */
async function replay (sent: ChatMessage[], client: ChatMessage[] | undefined): Promise<Array<{ ours: number, passthrough: number, cleared: number, out: ChatRequest }>> {
  const history = historyCompressionStep({ summariseOlder: false })
  const turns = []
  let [ours, passthrough] = [0, 0]
  let previous: ChatRequest | undefined
  let previousClient: ChatRequest | undefined
  for (let end = 1; end <= sent.length; end += 2) {
    const original = request((client ?? sent).slice(0, end))
    const out = await history.run(request(sent.slice(0, end)), context(client === undefined ? undefined : original))
    ours += cacheCost(previous, out)
    passthrough += cacheCost(previousClient, original)
    turns.push({ ours, passthrough, cleared: clearedCount(out), out })
    previous = out
    previousClient = original
  }
  return turns
}

test('with a breakpoint cache and nothing banked, no batch: a batch paid now whose savings come later would cost more than passthrough if the session ended after it', async () => {
  // 60 turns of ~1,000-token results: the old rule (pays back within a quarter of the turns so far) cleared a
  // batch around turn 15, which put the session above passthrough until enough turns followed.
  const turns = await replay(session(60, 4_000), undefined)
  for (const [i, turn] of turns.entries()) assert.ok(turn.ours <= turn.passthrough, `turn ${i}: cost so far ${Math.round(turn.ours)} > passthrough's ${Math.round(turn.passthrough)}`)
  assert.equal(turns.at(-1)!.cleared, 0)
})

test('what an earlier step cut of new tool results is banked: batches follow, and the cost so far stays at or under passthrough on every turn', async () => {
  // The client sent each result twice as long as what reached this step (tool-result compression halved it).
  const turns = await replay(session(60, 4_000), session(60, 8_000))
  const first = turns.findIndex((turn) => turn.cleared > 0)
  assert.ok(first > 0, 'a batch was cleared once the bank covered it')
  assert.ok(turns.at(-1)!.cleared > turns[first]!.cleared, 'and later batches too')
  for (const [i, turn] of turns.entries()) assert.ok(turn.ours <= turn.passthrough, `turn ${i}: cost so far ${Math.round(turn.ours)} > passthrough's ${Math.round(turn.passthrough)}`)
  // The bank is part of what a replay recomputes: a new step (a restart) sends the same bytes.
  const messages = session(60, 4_000)
  const restarted = await historyCompressionStep({ summariseOlder: false }).run(request(messages), context(request(session(60, 8_000))))
  assert.equal(JSON.stringify(restarted), JSON.stringify(turns.at(-1)!.out))
})

test('a request costs what it reads at the read price and the rest at the write price', () => {
  const policy = policyFor(anthropic, { summariseOlder: false })
  assert.equal(requestCost(10_000, 12_000, policy), 10_000 * 0.1 + 2_000 * 1.25)
  const prefix = policyFor({ promptCache: 'automatic-prefix', cacheReadPriceRatio: 0.5, contextWindow: 128_000, local: false }, { summariseOlder: false })
  assert.equal(requestCost(10_000, 12_000, prefix), 10_000 * 0.5 + 2_000, 'an automatic prefix cache has no write surcharge')
})
