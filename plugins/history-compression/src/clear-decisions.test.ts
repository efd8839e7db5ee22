import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ContentBlock, ModelCapabilities, StepContext, ToolResultBlock } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { historyCompressionStep } from './history-step.ts'
import { markFrontier } from './clear-history.ts'
import { classify } from './result-kinds.ts'
import { pathsNamed, placeholderFor } from './stubs.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
/** Anthropic-like, with a small window so a session crosses the thresholds in few turns. */
const cached: ModelCapabilities = { promptCache: 'anthropic-breakpoints', cacheReadPriceRatio: 0.1, contextWindow: 40_000, local: false }
const uncached: ModelCapabilities = { promptCache: 'none', contextWindow: 40_000, local: false }
/** Room for two kept reads (5 % of the window). */
const roomy: ModelCapabilities = { ...uncached, contextWindow: 120_000 }

function context (capabilities: ModelCapabilities = uncached, purpose = 'client'): StepContext {
  return { decision: { provider: 'p', model: 'm', reason: 'default' }, capabilities, session: { id: 's1', source: 'header' }, workspace: undefined, requestId: 'r', log: silent, signal: new AbortController().signal, purpose }
}

/** `lines` numbered lines as Claude Code's Read shows them. */
const numbered = (lines: number, tag: string): string => Array.from({ length: lines }, (_, i) => `${String(i + 1).padStart(6)}→const ${tag}${i} = require('./lib/${tag}-${i}.js') // ${'x'.repeat(40)}`).join('\n')
const output = (lines: number, tag: string): string => Array.from({ length: lines }, (_, i) => `ok ${i} - ${tag} case ${i} ${'y'.repeat(50)}`).join('\n')

interface Turn { name: string, input: Record<string, unknown>, result: string }

/** A Claude Code conversation: the user's prompt, then one tool call per turn with its result. */
function conversation (prompt: string, turns: Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: '<system-reminder>CLAUDE.md: src/config.ts is generated</system-reminder>' }, { type: 'text', text: prompt }] }]
  for (const [i, turn] of turns.entries()) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    messages.push({ role: 'assistant', content: [{ type: 'thinking', thinking: `step ${i}`, signature: 'c2lnbmF0dXJl' }, { type: 'tool_use', id, name: turn.name, input: turn.input }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: turn.result }] })
  }
  return messages
}

const request = (messages: ChatMessage[], system: ChatRequest['system'] = [{ type: 'text', text: 'You are Claude Code.' }]): ChatRequest => ({ model: 'm', clientModel: 'm', max_tokens: 1000, stream: true, system, messages })
const resultOf = (req: ChatRequest, id: string): string => String(req.messages.flatMap((message) => message.content).find((block): block is ToolResultBlock => block.type === 'tool_result' && block.tool_use_id === id)!.content)
const isCleared = (req: ChatRequest, id: string): boolean => resultOf(req, id).startsWith('[lynkr: ')
const step = (): ReturnType<typeof historyCompressionStep> => historyCompressionStep({ summariseOlder: false })

/** Replays a conversation request by request (each ends with a user turn), as the client sends it; returns the last output. */
async function replay (history: ReturnType<typeof step>, messages: ChatMessage[], capabilities: ModelCapabilities): Promise<ChatRequest> {
  let out: ChatRequest | undefined
  for (let end = 1; end <= messages.length; end += 2) out = await history.run(request(messages.slice(0, end)), context(capabilities))
  return out!
}

const TURNS: Turn[] = [
  { name: 'Glob', input: { pattern: '**/*.ts' }, result: Array.from({ length: 150 }, (_, i) => `src/module-${i}/index.ts`).join('\n') },
  { name: 'Read', input: { file_path: '/repo/src/parser.ts' }, result: numbered(120, 'parser') },
  { name: 'Read', input: { file_path: '/repo/src/util.ts' }, result: numbered(120, 'util') },
  { name: 'Bash', input: { command: 'npm test' }, result: output(150, 'test') + '\nnot ok 3 - /repo/src/parser.ts:12:3 expected 1' },
  { name: 'Read', input: { file_path: '/repo/src/lexer.ts' }, result: numbered(120, 'lexer') },
  { name: 'Edit', input: { file_path: '/repo/src/lexer.ts', old_string: 'const lexer0', new_string: 'const lexer00' }, result: 'The file /repo/src/lexer.ts has been updated successfully.' },
  { name: 'Read', input: { file_path: '/repo/src/lexer.ts' }, result: numbered(120, 'lexer2') },
  { name: 'Grep', input: { pattern: 'TODO', output_mode: 'content', '-n': true }, result: Array.from({ length: 80 }, (_, i) => `src/module-${i}/index.ts:${i + 1}:// TODO ${'z'.repeat(40)}`).join('\n') },
  { name: 'Bash', input: { command: 'npm test' }, result: output(150, 'again') },
  { name: 'Bash', input: { command: 'git diff' }, result: output(150, 'diff') },
  { name: 'Bash', input: { command: 'npm run lint' }, result: output(150, 'lint') },
  { name: 'Bash', input: { command: 'npm run build' }, result: output(150, 'build') }
]

test('what is cleared and what stays: listings, reads of edited or requested files stay; superseded reads, outputs and reference reads go', async () => {
  const more = TURNS.slice(8).map((turn) => ({ ...turn, input: { command: `${String(turn.input.command)} --again` } }))
  const messages = conversation('The parser rejects empty input: fix it.', [...TURNS, ...more])
  const out = await replay(step(), messages, roomy)
  const id = (turn: number): string => `toolu_${String(turn).padStart(3, '0')}`
  assert.equal(isCleared(out, id(0)), false, 'a small listing is the map of the code base: kept')
  assert.equal(isCleared(out, id(1)), false, 'the parser is what the user asked about (its module is named): kept')
  assert.equal(isCleared(out, id(6)), false, 'the lexer was edited: its read is kept for the next edit')
  assert.match(resultOf(out, id(4)), /^\[lynkr: an older Read of \/repo\/src\/lexer\.ts \(lines 1–120\) was cleared from the history: a later read or Write of that file below shows its content\.\]$/, 'the read before, superseded, is cleared')
  assert.match(resultOf(out, id(2)), /^\[lynkr: the content of \/repo\/src\/util\.ts \(lines 1–120\) read by Read/, 'a reference read is cleared')
  assert.ok(isCleared(out, id(3)) && isCleared(out, id(7)), 'outputs already acted on are cleared')
  assert.ok(!isCleared(out, id(14)) && !isCleared(out, id(15)), 'the recent turns stay')
  // The stubs keep what the session navigates by.
  assert.match(resultOf(out, id(3)), /^\[lynkr: the output of Bash `npm test` \(151 lines, ~[\d,]+ tokens\) was cleared from the history to save context\. Files it named: \/repo\/src\/parser\.ts\. Re-run the command if you need it again\.\]$/)
  assert.match(resultOf(out, id(7)), /^\[lynkr: the result of Grep `TODO` \(80 lines, ~[\d,]+ tokens\) was cleared .* Files it named: src\/module-0\/index\.ts, src\/module-1\/index\.ts, .* and 40 more\. Call the tool again if you need it\.\]$/)
})

test('a read of a file that nothing marks as an edit target is cleared, with how to read it again', async () => {
  const messages = conversation('Tidy the code base.', TURNS)
  const out = await replay(step(), messages, uncached)
  assert.match(resultOf(out, 'toolu_001'), /^\[lynkr: the content of \/repo\/src\/parser\.ts \(lines 1–120\) read by Read \(120 lines, ~[\d,]+ tokens\) was cleared from the history to save context\. Read it again \(offset 1, limit 120\) if you need it\.\]$/)
})

test('kinds: Grep in one file is a partial read; ls and Glob are listings; cat of a file is a read', () => {
  assert.deepEqual(classify({ name: 'Glob', input: { pattern: '*.ts' } }).kind, 'listing')
  assert.deepEqual(classify({ name: 'Bash', input: { command: 'ls -la && cat package.json' } }).kind, 'listing')
  assert.deepEqual(classify({ name: 'Bash', input: { command: 'cat src/a.ts' } }), { kind: 'read', path: 'src/a.ts', partial: false, part: 'cat src/a.ts' })
  assert.equal(classify({ name: 'Grep', input: { pattern: 'x', path: '/r/README.md', output_mode: 'content' } }).kind, 'read')
  assert.equal(classify({ name: 'Grep', input: { pattern: 'x', path: '/r/src', output_mode: 'content' } }).kind, 'other')
  assert.equal(classify({ name: 'Bash', input: { command: 'npm test' } }).kind, 'other')
})

test('paths a result names: with a directory and an extension, or starting a grep line; not versions or property names', () => {
  const text = 'README.md:396:primitive\nclasses/range.js-448-  // >1 => >=2.0.0\n  at Object.<anonymous> (/repo/test/a.test.js:12:3)\nconsole.log(c.operator, semver 1.2.3)'
  assert.deepEqual(pathsNamed(text), ['README.md', 'classes/range.js', '/repo/test/a.test.js'])
})

test('a stub of a read without line numbers says to read the file again', () => {
  const stub = placeholderFor({ id: 'a', message: 2, tokens: 900, call: { name: 'Bash', input: { command: 'cat src/a.ts' } }, kind: 'read', path: 'src/a.ts', partial: false, text: 'plain\ntext' })
  assert.equal(stub, '[lynkr: the content of src/a.ts read by Bash (2 lines, ~900 tokens) was cleared from the history to save context. Read the file again if you need it.]')
})

test('with breakpoints, lynkr keeps a breakpoint at the frontier, so the next batch rewrites only what follows it', async () => {
  const messages = conversation('Tidy the code base.', [...TURNS, ...TURNS.map((turn) => ({ ...turn, input: { ...turn.input, n: 2 } }))])
  const withClientMarks = messages.map((message, i) => i === messages.length - 1 ? { ...message, content: message.content.map((block) => ({ ...block, cache_control: { type: 'ephemeral' as const } })) } : message)
  const out = await step().run(request(withClientMarks, [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }]), context(cached))
  const marked = out.messages.flatMap((message, i) => message.content.some((block) => (block as { cache_control?: unknown }).cache_control != null) ? [i] : [])
  assert.equal(marked.length, 2, `the client's breakpoint and lynkr's: ${JSON.stringify(marked)}`)
  const frontier = marked[0]!
  const firstOpen = out.messages.findIndex((message, i) => i > frontier && message.content.some((block) => block.type === 'tool_result' && !String(block.content).startsWith('[lynkr: ')))
  assert.ok(out.messages.slice(0, frontier + 1).every((message) => message.content.every((block) => block.type !== 'tool_result' || String(block.content).startsWith('[lynkr: ') || String(block.content).length < 6_000)), 'everything before the frontier is final')
  assert.ok(firstOpen > frontier, 'the frontier sits before the first result a later batch may clear')
  // No breakpoint where the provider has none, nor a fifth one.
  const prefixOut = await step().run(request(withClientMarks), context({ ...cached, promptCache: 'automatic-prefix', cacheReadPriceRatio: 0.5 }))
  assert.equal(prefixOut.messages.filter((message) => message.content.some((block) => (block as { cache_control?: unknown }).cache_control != null)).length, 1)
  const four: ChatRequest = request(withClientMarks, [1, 2, 3].map((n) => ({ type: 'text' as const, text: `part ${n}`, cache_control: { type: 'ephemeral' as const } })))
  assert.equal(markFrontier(four, 3), four, 'four breakpoints already: none added')
  const thinkingLast: ChatRequest = request([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' } as ContentBlock] }, { role: 'user', content: [{ type: 'text', text: 'go', cache_control: { type: 'ephemeral' } }] }])
  assert.equal(markFrontier(thinkingLast, 1), thinkingLast, 'a thinking block cannot carry a breakpoint')
  const noMarks = request(messages)
  assert.equal(markFrontier(noMarks, 3), noMarks, 'a client without breakpoints is left to the prompt-cache step')
  assert.notEqual(markFrontier({ ...noMarks, cacheControl: { type: 'ephemeral' } }, 3), noMarks, 'automatic caching counts as the client\'s')
})

test('after a restart (a new step), the same request gets the same bytes: the decisions are replayed from the conversation', async () => {
  const messages = conversation('Tidy the code base.', [...TURNS, ...TURNS.map((turn) => ({ ...turn, input: { ...turn.input, n: 2 } }))])
  for (const capabilities of [cached, uncached]) {
    const live = await replay(step(), messages, capabilities)
    assert.ok(live.messages.some((message) => message.content.some((block) => block.type === 'tool_result' && String(block.content).startsWith('[lynkr: '))), 'something was cleared')
    const restarted = await step().run(request(messages), context(capabilities))
    assert.equal(JSON.stringify(restarted), JSON.stringify(live))
    // A retry of the same request on the live step too.
    const history = step()
    await replay(history, messages, capabilities)
    assert.equal(JSON.stringify(await history.run(request(messages), context(capabilities))), JSON.stringify(live))
  }
})

test('count_tokens after a restart applies what the earlier turns decided, never a decision for the newest turn', async () => {
  const messages = conversation('Tidy the code base.', [...TURNS, ...TURNS.map((turn) => ({ ...turn, input: { ...turn.input, n: 2 } }))])
  // Find a turn at which the live step clears a batch.
  const live = step()
  let previous: ChatRequest | undefined
  let batchAt: number | undefined
  for (let end = 1; end <= messages.length; end += 2) {
    const out = await live.run(request(messages.slice(0, end)), context(uncached))
    const clearedNow = out.messages.flatMap((message) => message.content).filter((block) => block.type === 'tool_result' && String(block.content).startsWith('[lynkr: ')).length
    const clearedBefore = previous?.messages.flatMap((message) => message.content).filter((block) => block.type === 'tool_result' && String(block.content).startsWith('[lynkr: ')).length ?? 0
    if (clearedNow > clearedBefore && previous !== undefined) { batchAt = end; break }
    previous = out
  }
  assert.ok(batchAt !== undefined && previous !== undefined)
  const counted = await step().run(request(messages.slice(0, batchAt)), context(uncached, COUNT_TOKENS_PURPOSE))
  const before = await step().run(request(messages.slice(0, batchAt - 2)), context(uncached))
  assert.equal(JSON.stringify(counted.messages.slice(0, before.messages.length)), JSON.stringify(before.messages), 'the count carries the earlier decisions')
  assert.ok(counted.messages.slice(before.messages.length).flatMap((message) => message.content).every((block) => block.type !== 'tool_result' || !String(block.content).startsWith('[lynkr: ')), 'and no new batch')
})

test('reads of an edited file are kept newest first up to 5 % of the window: a large file read in parts is not kept whole', async () => {
  // 40K window: 2,000 tokens of reads kept. Four parts of one file (~1,100 tokens each), then the file is edited.
  const parts: Turn[] = [0, 1, 2, 3].map((part) => ({ name: 'Read', input: { file_path: '/repo/src/big.ts', offset: part * 50 + 1, limit: 50 }, result: numbered(50, `big${part}`).replace(/^\s*(\d+)→/gm, (_, n: string) => `${String(Number(n) + part * 50).padStart(6)}→`) }))
  const turns: Turn[] = [...parts, { name: 'Edit', input: { file_path: '/repo/src/big.ts', old_string: 'const big30', new_string: 'const big3x' }, result: 'The file /repo/src/big.ts has been updated successfully.' }, ...TURNS.slice(7)]
  const out = await replay(step(), conversation('Tidy the code base.', turns), uncached)
  const kept = [0, 1, 2, 3].filter((part) => !isCleared(out, `toolu_${String(part).padStart(3, '0')}`))
  assert.deepEqual(kept, [3], 'only the newest part fits the budget')
  assert.match(resultOf(out, 'toolu_000'), /Read it again \(offset 1, limit 50\)/)
})
