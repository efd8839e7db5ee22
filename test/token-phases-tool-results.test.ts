import { test } from 'node:test'
import assert from 'node:assert/strict'
import type Anthropic from '@anthropic-ai/sdk'
import { setupAnthropicGateway } from './helpers/anthropic-gateway.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'
import { grepOutput } from '../plugins/tool-result-compression/src/sample-outputs.ts'

// Token phases 4 (tool-result truncation) and 6 (history compression) through the real gateway and the fake
// Anthropic upstream (which refuses a tool_use without its tool_result): what the upstream RECEIVED.

type Json = Record<string, any>
type Message = Anthropic.MessageParam

const SYSTEM = 'You are Claude Code, Anthropic\'s official CLI for Claude.\n<env>\nPrimary working directory: /repo\n</env>'
const TOOLS: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } }
]
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)
const options = (session: string): { headers: Record<string, string> } => ({ headers: { 'x-claude-code-session-id': session } })
const resultText = (message: Json): string => {
  const block = message.content.find((part: Json) => part.type === 'tool_result')
  return typeof block.content === 'string' ? block.content : block.content.map((part: Json) => part.text).join('')
}

function round (i: number, name: 'Bash' | 'Read', input: Record<string, string>, output: string): Message[] {
  return [
    { role: 'assistant', content: [{ type: 'text', text: `Step ${i}.` }, { type: 'tool_use', id: `toolu_${String(i).padStart(3, '0')}`, name, input }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${String(i).padStart(3, '0')}`, content: output }] }
  ]
}

function pairingIntact (messages: Json[]): boolean {
  const uses = messages.flatMap((message) => message.role === 'assistant' && Array.isArray(message.content) ? message.content.filter((block: Json) => block.type === 'tool_use').map((block: Json) => block.id) : [])
  const results = messages.flatMap((message) => message.role === 'user' && Array.isArray(message.content) ? message.content.filter((block: Json) => block.type === 'tool_result').map((block: Json) => block.tool_use_id) : [])
  return JSON.stringify(uses) === JSON.stringify(results)
}

/**
 * What count_tokens should say: the gateway's count of the request exactly as the upstream received it (in a
 * session of its own, where it is already small enough for every step to leave it as it is).
 */
async function countOfSent (anthropic: Anthropic, sent: RecordedRequest): Promise<number> {
  const { model, system, messages, tools } = sent.body
  return (await anthropic.messages.countTokens({ model, system, messages, tools }, options(`count-${Math.random()}`))).input_tokens
}

test('tool results: a new large grep is cut once with a notice and re-sent byte-identical; file reads untouched; count_tokens counts what is sent', async (t) => {
  const { fake, anthropic } = await setupAnthropicGateway(t, { TOOL_RESULT_COMPRESSION_ENABLED: 'true' })
  fake.respondWith({ text: 'ok' })
  const file = Array.from({ length: 1500 }, (_, i) => `${i + 1}\tconst line${i} = ${i}`).join('\n')
  const grep = grepOutput()
  const turn1: Message[] = [
    { role: 'user', content: 'Find every caller of client.request and show me src/big.ts' },
    ...round(0, 'Bash', { command: 'grep -rn "client.request" src' }, grep),
    ...round(1, 'Read', { file_path: '/repo/src/big.ts' }, file)
  ]
  const turn2: Message[] = [...turn1, { role: 'assistant', content: 'There are 3,000 callers.' }, { role: 'user', content: 'Show the first ten' }]
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages: turn1 }, options('s-trunc'))
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages: turn2 }, options('s-trunc'))
  const [first, second] = chats(fake)
  const grepSent = resultText(first!.body.messages[2])
  assert.ok(grepSent.length < grep.length / 5, `cut: ${grepSent.length} of ${grep.length}`)
  assert.match(grepSent, /\[lynkr: output truncated: [\d,]+ lines of 3,000 omitted \(the first and last lines are kept\); to see lines \d+–\d+, re-run the command with `\| sed -n '\d+,\d+p'` appended\]$/)
  assert.ok(grepSent.startsWith(grep.split('\n')[0]!))
  assert.equal(resultText(first!.body.messages[4]), file, 'the file read is whole')
  assert.ok(pairingIntact(first!.body.messages) && pairingIntact(second!.body.messages))
  assert.equal(JSON.stringify(second!.body.messages.slice(0, 5)), JSON.stringify(first!.body.messages.slice(0, 5)), 'the second request re-sends the same bytes for the history')

  const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', system: SYSTEM, tools: TOOLS, messages: turn2 }, options('s-trunc'))
  assert.equal(counted.input_tokens, await countOfSent(anthropic, second!))
})

test('history: old tool results are cleared in batches, never the recent turns, the cleared set stays, compaction requests pass untouched', async (t) => {
  const { fake, anthropic } = await setupAnthropicGateway(t, { HISTORY_COMPRESSION_ENABLED: 'true', TOKEN_BUDGET_WARNING: '10000', HISTORY_KEEP_RECENT_TURNS: '2' })
  fake.respondWith({ text: 'ok' })
  const output = (i: number): string => Array.from({ length: 200 }, (_, line) => `test ${i}.${line} ok ${'.'.repeat(20)}`).join('\n')
  const history: Message[] = [{ role: 'user', content: 'Make the test suite pass' }]
  // 40 turns: long enough that a batch pays back its rewrite of the cached prompt within the turns likely to follow.
  for (let i = 0; i < 40; i++) history.push(...round(i, 'Bash', { command: `npm test -- --shard=${i}` }, output(i)))
  const next: Message[] = [...history, { role: 'assistant', content: 'All shards pass.' }, { role: 'user', content: 'Commit it' }]
  const compact: Message[] = [...history, { role: 'assistant', content: 'All shards pass.' }, { role: 'user', content: 'Your task is to create a detailed summary of the conversation so far, paying close attention to the user\'s explicit requests and your previous actions.' }]
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages: history }, options('s-hist'))
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages: next }, options('s-hist'))
  const counted = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5', system: SYSTEM, tools: TOOLS, messages: next }, options('s-hist'))
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, system: SYSTEM, tools: TOOLS, messages: compact }, options('s-hist'))
  const [first, second, compaction] = chats(fake)

  const cleared = (sent: RecordedRequest): number[] => sent.body.messages.flatMap((message: Json, index: number) => message.role === 'user' && Array.isArray(message.content) && message.content[0]?.type === 'tool_result' && resultText(message).startsWith('[lynkr: ') ? [index] : [])
  const gone = cleared(first!)
  assert.ok(gone.length >= 30, `most old results cleared: ${gone.length} of 40`)
  assert.deepEqual(gone, gone.map((_, k) => 2 + 2 * k), 'oldest first')
  assert.match(resultText(first!.body.messages[2]), /^\[lynkr: the output of Bash `npm test -- --shard=0` \(200 lines, ~1,\d{3} tokens\) was cleared from the history to save context\. Re-run the command if you need it again\.\]$/)
  assert.equal(resultText(first!.body.messages[78]), output(38), 'the 2 recent turns are whole')
  assert.equal(resultText(first!.body.messages[80]), output(39))
  assert.ok(pairingIntact(first!.body.messages) && pairingIntact(second!.body.messages))
  assert.equal(JSON.stringify(second!.body.messages.slice(0, history.length)), JSON.stringify(first!.body.messages), 'sticky: the next request re-sends the same bytes')
  assert.equal(counted.input_tokens, await countOfSent(anthropic, second!), 'count_tokens counts the cleared prompt')
  assert.deepEqual(cleared(compaction!), [], 'the compaction request gets the whole history')
  assert.equal(resultText(compaction!.body.messages[2]), output(0))
})

test('tool results from the OpenAI front door (tool messages) are cut the same way', async (t) => {
  const { fake, openai } = await setupAnthropicGateway(t, { TOOL_RESULT_COMPRESSION_ENABLED: 'true' })
  fake.respondWith({ text: 'ok' })
  const grep = grepOutput()
  await openai.chat.completions.create({
    model: 'claude-sonnet-4-5',
    messages: [
      { role: 'user', content: 'Find the callers' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: JSON.stringify({ command: 'grep -rn "client.request" src' }) } }] },
      { role: 'tool', tool_call_id: 'call_1', content: grep }
    ],
    tools: [{ type: 'function', function: { name: 'shell', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }]
  }, options('s-openai'))
  const [sent] = chats(fake)
  const cut = resultText(sent!.body.messages[2])
  assert.ok(cut.length < grep.length / 5 && cut.endsWith("appended]"), cut.slice(-200))
  assert.ok(pairingIntact(sent!.body.messages))
})
