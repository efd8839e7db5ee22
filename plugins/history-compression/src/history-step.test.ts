import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext, ToolResultBlock } from '@lynkr/protocol'
import { historyCompressionStep } from './history-step.ts'
import type { HistoryOptions } from './history-step.ts'
import { batchPaysOff, estimateTokens } from './clear-history.ts'
import { requestCost } from './bank.ts'
import { policyFor } from './policy.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
/** A cache-capable cloud model with a small window, so sessions cross the thresholds in few turns. */
const cached: ModelCapabilities = { promptCache: 'anthropic-breakpoints', cacheReadPriceRatio: 0.1, contextWindow: 40_000, local: false }
const local: ModelCapabilities = { promptCache: 'automatic-prefix', contextWindow: 16_384, local: true }
const uncached: ModelCapabilities = { promptCache: 'none', contextWindow: 40_000, local: false }

function context (capabilities: ModelCapabilities = cached, purpose = 'client', clientRequest?: ChatRequest): StepContext {
  return { decision: { provider: 'p', model: 'm', reason: 'default' }, capabilities, session: { id: 's1', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose, clientRequest }
}

const commands = ['npm test', 'grep -rn fetch src', 'git log --oneline', 'ls -R src']

/** A Claude Code session: the first prompt, then `rounds` tool calls (Bash and Read alternating) with their results. */
function session (rounds: number, resultChars = 4_000): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>CLAUDE.md: use pnpm</system-reminder>' }, { type: 'text', text: 'Fix the failing tests' }] }]
  for (let i = 0; i < rounds; i++) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    const read = i % 2 === 1
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `Step ${i}.` }, { type: 'tool_use', id, name: read ? 'Read' : 'Bash', input: read ? { file_path: `/repo/src/f${i}.ts` } : { command: commands[i % 4] } }] })
    const body = Array.from({ length: Math.ceil(resultChars / 40) }, (_, line) => `${i}:${line} ${'x'.repeat(30)}`).join('\n')
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: body }] })
  }
  return messages
}

const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'm', clientModel: 'm', max_tokens: 1000, stream: true, system: [{ type: 'text', text: 'You are Claude Code.' }], messages })
const results = (req: ChatRequest): ToolResultBlock[] => req.messages.flatMap((message) => message.content.filter((block): block is ToolResultBlock => block.type === 'tool_result'))
const cleared = (req: ChatRequest): string[] => results(req).filter((block) => typeof block.content === 'string' && block.content.startsWith('[lynkr: ')).map((block) => block.tool_use_id)

function pairedExactly (req: ChatRequest): boolean {
  const uses = req.messages.flatMap((message) => message.content.flatMap((block) => block.type === 'tool_use' ? [block.id] : []))
  return JSON.stringify(uses) === JSON.stringify(results(req).map((block) => block.tool_use_id))
}

const step = (options: Partial<HistoryOptions> = {}): ReturnType<typeof historyCompressionStep> => historyCompressionStep({ summariseOlder: false, ...options })

test('under the trigger nothing changes (the same request object)', async () => {
  const input = request(session(4))
  assert.equal(await step().run(input, context()), input)
  // Not even the frontier's breakpoint beside the client's while the prompt is under the trigger: no batch can come yet.
  const small = session(2)
  assert.ok(estimateTokens(request(small)) < policyFor(cached, { summariseOlder: false }).triggerTokens)
  const marked = request(small.map((message, i, all) => i === all.length - 1 ? { ...message, content: message.content.map((block) => ({ ...block, cache_control: { type: 'ephemeral' as const } })) } : message))
  assert.equal(await step().run(marked, context()), marked)
})

test('crossing the trigger clears a batch of the oldest results, never the recent turns, with placeholders saying how to get them back', async () => {
  const input = request(session(24))
  const policy = policyFor(uncached, { summariseOlder: false })
  assert.ok(estimateTokens(input) > policy.triggerTokens)
  const out = await step().run(input, context(uncached))
  const gone = cleared(out)
  assert.ok(gone.length > 0)
  assert.deepEqual(gone, results(input).slice(0, gone.length).map((block) => block.tool_use_id), 'oldest first')
  assert.ok(gone.length <= 24 - policy.keepRecentTurns, 'the recent turns keep their results')
  assert.ok(estimateTokens(input) - estimateTokens(out) >= policy.clearAtLeastTokens * 0.9, 'at least the clear-at-least amount')
  assert.ok(pairedExactly(out), 'every tool_use keeps its tool_result')
  const [bash, read] = results(out).slice(0, 2).map((block) => block.content as string)
  assert.match(bash!, /^\[lynkr: the output of Bash `npm test` \(100 lines, ~[\d,]+ tokens\) was cleared from the history to save context\. Re-run the command if you need it again\.\]$/)
  assert.match(read!, /^\[lynkr: the content of \/repo\/src\/f1\.ts read by Read \(100 lines, ~[\d,]+ tokens\) was cleared .* Read the file again if you need it\.\]$/)
})

/** Anthropic's prefix cache, block by block: what a request shares with the previous one is read at 0.1, the rest written at 1.25. */
function cacheCost (previous: ChatRequest | undefined, current: ChatRequest): number {
  const blocks = (req: ChatRequest | undefined): string[] => req === undefined ? [] : req.messages.flatMap((message) => message.content.map((block) => JSON.stringify(block)))
  const [before, now] = [blocks(previous), blocks(current)]
  let shared = 0
  while (shared < before.length && shared < now.length && before[shared] === now[shared]) shared++
  const chars = (list: string[]): number => list.reduce((sum, text) => sum + text.length, 0)
  return chars(now.slice(0, shared)) * 0.1 + chars(now.slice(shared)) * 1.25
}

test('the cleared set is sticky, and its batches cost less than a cached passthrough', async () => {
  const history = step()
  const all = session(80)
  let previous: ChatRequest | undefined
  let passthrough: ChatRequest | undefined
  let rewrites = 0
  let cost = 0
  let passthroughCost = 0
  let clearedBefore: string[] = []
  for (let rounds = 2; rounds <= 80; rounds++) {
    const input = request(all.slice(0, 1 + rounds * 2))
    const out = await history.run(input, context())
    if (previous !== undefined) {
      const prefix = JSON.stringify(out.messages.slice(0, previous.messages.length))
      if (prefix !== JSON.stringify(previous.messages)) rewrites++
    }
    cost += cacheCost(previous, out)
    passthroughCost += cacheCost(passthrough, input)
    passthrough = input
    const now = cleared(out)
    assert.ok(clearedBefore.every((id) => now.includes(id)), 'once cleared, always cleared')
    clearedBefore = now
    assert.ok(estimateTokens(out) < 40_000 * 0.9, `round ${rounds} fits the window`)
    previous = out
  }
  assert.ok(rewrites >= 1 && rewrites <= 26, `rewrites: ${rewrites} of 78 requests`)
  assert.ok(cost < passthroughCost * 0.75, `cost ${Math.round(cost)} vs cached passthrough ${Math.round(passthroughCost)}`)
  // The same request again (a retry) computes the same prompt.
  const again = await history.run(request(all), context())
  assert.equal(JSON.stringify(again), JSON.stringify(previous))
})

test('with a prompt cache, a batch must pay for its rewrite; locally every cleared token counts', () => {
  const policy = policyFor(cached, { summariseOlder: false })
  const batch = { stubs: [{ id: 'a', stub: '[lynkr: …]' }], tokens: 8_000, firstMessage: 3 }
  // A rewrite of 16K tokens at 1.25 instead of 0.1 (18.4K) against 800 tokens a turn saved: 23 turns to pay back.
  assert.equal(batchPaysOff(batch, 25_000, 16_000, 2, policy), false, 'early in a session')
  assert.equal(batchPaysOff(batch, 25_000, 16_000, 60, policy), false, 'a quarter of 60 turns is not enough either')
  assert.equal(batchPaysOff(batch, 25_000, 16_000, 100, policy), true, 'a quarter of 100 turns is')
  assert.equal(batchPaysOff(batch, 25_000, 4_000, 40, policy), true, 'a small rewrite (after the frontier) pays within 10 turns')
  assert.equal(batchPaysOff(batch, 37_000, 16_000, 2, policy), true, 'near the window it clears whatever it costs')
  assert.equal(batchPaysOff(batch, 25_000, 16_000, 1, policyFor(local, { summariseOlder: false })), true)
})

test("Claude Code's compaction requests pass untouched", async () => {
  const messages = session(24)
  messages.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] }, { role: 'user', content: [{ type: 'text', text: 'Your task is to create a detailed summary of the conversation so far, paying close attention to the user\'s explicit requests.' }] })
  const input = request(messages)
  assert.equal(await step().run(input, context()), input)
})

test('near the window the older turns are summarised once, in the background, then frozen', async () => {
  const asked: ChatRequest[] = []
  const history = step({ summariseOlder: true, maxTokens: 2_500, summarise: async (req) => { asked.push(req); return 'The user asked to fix the tests; npm test failed in src/f3.ts.' } })
  const base = session(30, 2_000)
  const first = await history.run(request(base), context(local))
  assert.equal(asked.length, 1, 'one summary asked')
  assert.match((asked[0]!.messages[0]!.content[0] as { text: string }).text, /<transcript>[\s\S]*toolu_|called Bash/)
  assert.ok(first.messages.length === base.length, 'this request goes on as it is')
  await new Promise((resolve) => setImmediate(resolve))
  const next = [...base, { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Done.' }] }, { role: 'user' as const, content: [{ type: 'text' as const, text: 'and now?' }] }]
  const second = await history.run(request(next), context(local))
  assert.ok(second.messages.length < next.length)
  const intro = second.messages[0]!.content
  assert.equal((intro[1] as { text: string }).text, 'Fix the failing tests', 'the first prompt stays')
  assert.match((intro[2] as { text: string }).text, /^\[lynkr: the \d+ messages that followed were summarised to fit the context window;[\s\S]*npm test failed in src\/f3\.ts\.$/)
  assert.equal(second.messages[1]!.role, 'assistant')
  assert.ok(pairedExactly(second))
  const third = await history.run(request([...next, { role: 'assistant', content: [{ type: 'text', text: 'More.' }] }, { role: 'user', content: [{ type: 'text', text: 'go on' }] }]), context(local))
  assert.equal(JSON.stringify(third.messages.slice(0, second.messages.length)), JSON.stringify(second.messages), 'frozen: the same bytes')
  assert.equal(asked.length, 1, 'never summarised again')
})

/** Anthropic-like with a window so wide that the "past 90 % of the window" exception never applies. */
const wide: ModelCapabilities = { ...cached, contextWindow: 200_000 }

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
    const out = await history.run(request(sent.slice(0, end)), context(wide, 'client', client === undefined ? undefined : original))
    ours += cacheCost(previous, out)
    passthrough += cacheCost(previousClient, original)
    turns.push({ ours, passthrough, cleared: cleared(out).length, out })
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
  const restarted = await historyCompressionStep({ summariseOlder: false }).run(request(messages), context(wide, 'client', request(session(60, 8_000))))
  assert.equal(JSON.stringify(restarted), JSON.stringify(turns.at(-1)!.out))
})

test('a request costs what it reads at the read price and the rest at the write price', () => {
  const policy = policyFor(wide, { summariseOlder: false })
  assert.equal(requestCost(10_000, 12_000, policy), 10_000 * 0.1 + 2_000 * 1.25)
  const prefix = policyFor({ promptCache: 'automatic-prefix', cacheReadPriceRatio: 0.5, contextWindow: 128_000, local: false }, { summariseOlder: false })
  assert.equal(requestCost(10_000, 12_000, prefix), 10_000 * 0.5 + 2_000, 'an automatic prefix cache has no write surcharge')
})
