import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ToolDefinition } from '@lynkr/protocol'
import { Tiktoken } from 'js-tiktoken/lite'
import ranks from 'js-tiktoken/ranks/o200k_base'
import cl100kRanks from 'js-tiktoken/ranks/cl100k_base'
import { countRequestTokens, countRequestsTokens, estimateTokensFromBytes, holdTokenizer, loadTokenizer, stopTokenizer, tokenizerLoaded } from './count-tokens.ts'

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] })
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

const bash: ToolDefinition = {
  name: 'Bash',
  description: 'Executes a given bash command in a persistent shell session with optional timeout.',
  input_schema: { type: 'object', properties: { command: { type: 'string', description: 'The command to execute' }, timeout: { type: 'number' } }, required: ['command'] }
}

describe('countRequestTokens', () => {
  test('never 0, even for an empty request or empty text', async () => {
    assert.ok(await countRequestTokens({ messages: [] }) >= 1)
    assert.ok(await countRequestTokens({ messages: [user('')] }) >= 1)
  })

  test('close to the real BPE count (o200k) with a safety margin above it', async () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40)
    const exact = new Tiktoken(ranks).encode(text).length
    const counted = await countRequestTokens({ messages: [user(text)] })
    assert.ok(counted > exact, `${counted} should over-count ${exact} slightly`)
    assert.ok(counted < exact * 1.25, `${counted} should stay near ${exact}`)
  })

  test('grows with system, messages and tools', async () => {
    const base = await countRequestTokens({ messages: [user('hello there')] })
    const withSystem = await countRequestTokens({ system: [{ type: 'text', text: 'You are Claude Code, a careful coding agent.' }], messages: [user('hello there')] })
    const withMessage = await countRequestTokens({ messages: [user('hello there'), { role: 'assistant', content: [{ type: 'text', text: 'Hi! What can I do?' }] }] })
    const withTools = await countRequestTokens({ messages: [user('hello there')], tools: [bash] })
    assert.ok(withSystem > base, 'system')
    assert.ok(withMessage > base, 'messages')
    assert.ok(withTools > base, 'tools')
    const twoTools = await countRequestTokens({ messages: [user('hello there')], tools: [bash, { ...bash, name: 'Bash2' }] })
    assert.ok(twoTools > withTools, 'every tool counts')
  })

  test('images count a fixed, substantial amount regardless of their base64 size', async () => {
    const text = await countRequestTokens({ messages: [user('what is this?')] })
    const image = await countRequestTokens({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }]
    })
    assert.ok(image - text >= 1000, `an image adds ${image - text}`)
  })

  test('tool_use input and tool_result content count, string and array forms alike', async () => {
    const listing = 'src/index.ts\nsrc/server.ts\nsrc/app.ts\npackage.json\ntsconfig.json\n'.repeat(20)
    const call: ChatMessage = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'find . -name "*.ts"' } }] }
    const empty = await countRequestTokens({ messages: [user('list files'), call, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '' }] }] })
    const asString = await countRequestTokens({ messages: [user('list files'), call, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: listing }] }] })
    const asArray = await countRequestTokens({
      messages: [user('list files'), call, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: listing }] }] }]
    })
    assert.ok(asString - empty > 100, `string content counted (${asString - empty})`)
    assert.ok(Math.abs(asArray - asString) <= 2, `array content counted like the string (${asArray} vs ${asString})`)
    const withImage = await countRequestTokens({
      messages: [user('list files'), call, {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: listing }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }]
      }]
    })
    assert.ok(withImage - asArray >= 1000, 'an image inside a tool_result counts')
    const noInput = await countRequestTokens({ messages: [user('list files'), { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] }] })
    const withInput = await countRequestTokens({ messages: [user('list files'), call] })
    assert.ok(withInput > noInput, 'tool_use input counts')
  })

  test('a resent conversation counts the same from the cache, and each distinct text is counted as itself', async () => {
    // The gateway counts with cl100k_base: js-tiktoken's, an independent implementation, is the reference.
    const encoder = new Tiktoken(cl100kRanks)
    // Equal lengths, very different token counts: a cache keyed on anything but the content would mix them up.
    const spaced = 'a '.repeat(400)
    const dense = 'x'.repeat(800)
    assert.notEqual(encoder.encode(spaced).length, encoder.encode(dense).length)
    const first = await countRequestTokens({ messages: [user(spaced)] })
    assert.equal(await countRequestTokens({ messages: [user(spaced)] }), first, 'resent')
    const other = await countRequestTokens({ messages: [user(dense)] })
    const overhead = (tokens: number) => Math.ceil((tokens + 4) * 1.1)
    assert.equal(first, overhead(encoder.encode(spaced).length))
    assert.equal(other, overhead(encoder.encode(dense).length))
    const both = await countRequestTokens({ messages: [user(spaced), user(dense)] })
    assert.equal(both, Math.ceil((encoder.encode(spaced).length + encoder.encode(dense).length + 8) * 1.1), 'cached and fresh pieces add up')
  })

  test('a long text is counted in slices that add up to exactly its count, and the event loop runs in between', async () => {
    const encoder = new Tiktoken(cl100kRanks)
    // Code and prose with indentation, blank lines, CRLF and non-Latin text: every kind of line start.
    const lines = ['export function f (a: number): number {', '  return a + 1 // ✓ 日本語', '', '\tindented;', '}', 'Ünïcödé prose, then 12345 digits.\r', '  ', '---']
    const text = Array.from({ length: 40_000 }, (_, i) => lines[i % lines.length]! + (i % 7 === 0 ? ` ${i}` : '')).join('\n') + Math.random()
    assert.ok(text.length > 500_000)
    const order: string[] = []
    setImmediate(() => { order.push('loop') })
    const counted = await countRequestTokens({ messages: [user(text)] })
    order.push('counted')
    assert.equal(counted, Math.ceil((encoder.encode(text).length + 4) * 1.1), 'exact')
    assert.deepEqual(order, ['loop', 'counted'], 'the count gave the event loop a turn')
  })

  test('the tokenizer is dropped and loads again: counts after a stop are the same, a count under way when the last holder lets go still answers', async () => {
    const text = 'Stopping the tokenizer must not change what it counts. '.repeat(5)
    const before = await countRequestTokens({ messages: [user(text + 'a')] })
    await stopTokenizer()
    assert.equal(await countRequestTokens({ messages: [user(text + 'a')] }), before, 'a fresh tokenizer counts the same')
    const release = holdTokenizer()
    await loadTokenizer()
    const cutOff = countRequestTokens({ messages: [user('x y '.repeat(100_000) + Math.random())] })
    await release() // the last holder lets go while a count is under way
    assert.ok(await cutOff > 100_000)
    assert.equal(await countRequestTokens({ messages: [user(text + 'a')] }), before)
  })

  test('gateways share one tokenizer: it stays loaded until the last holder lets go, then loads again on a count', async () => {
    const first = holdTokenizer()
    const second = holdTokenizer()
    await countRequestTokens({ messages: [user('load it')] })
    assert.ok(tokenizerLoaded())
    await first()
    await first() // a second release of the same holder changes nothing
    assert.ok(tokenizerLoaded(), 'still held by the second gateway')
    await second()
    assert.equal(tokenizerLoaded(), false, 'dropped with the last holder')
    assert.ok(await countRequestTokens({ messages: [user('count again')] }) > 1)
    assert.ok(tokenizerLoaded())
  })

  test('a Claude Code-shaped request counts within 10 % of the o200k count plus framing (never 0)', async () => {
    const encoder = new Tiktoken(ranks)
    const system = 'You are Claude Code, an interactive CLI tool that helps users with software engineering tasks. Use the tools available to you. '.repeat(40)
    const tools: ToolDefinition[] = ['Bash', 'Read', 'Edit', 'Write', 'Grep', 'Glob', 'WebFetch', 'TodoWrite'].map((name) => ({ ...bash, name, description: `${bash.description} (${name})` }))
    const messages: ChatMessage[] = [
      user('<system-reminder>As you answer the user\'s questions, you can use the following context: 日本語 ✓ émoji 🎉</system-reminder>\nfix the failing test in src/app.test.ts'),
      { role: 'assistant', content: [{ type: 'text', text: 'Let me look at the test.' }, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/repo/src/app.test.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'import { test } from "node:test"\n'.repeat(50) }] }
    ]
    const counted = await countRequestTokens({ system: [{ type: 'text', text: system }], messages, tools })
    const pieces = [system, messages[0]!.content[0]!.type === 'text' ? (messages[0]!.content[0] as { text: string }).text : '', 'Let me look at the test.', 'Read', JSON.stringify({ file_path: '/repo/src/app.test.ts' }), 'import { test } from "node:test"\n'.repeat(50),
      ...tools.flatMap((tool) => [tool.name, tool.description!, JSON.stringify(tool.input_schema)])]
    const reference = pieces.reduce((sum, piece) => sum + encoder.encode(piece).length, 0) + 3 * 4 + tools.length * 8
    assert.ok(Math.abs(counted - reference * 1.1) <= reference * 1.1 * 0.1, `${counted} vs ${Math.ceil(reference * 1.1)}`)
  })

  test('with a memo, a block shared by two requests is read once, and the counts are those without a memo', async () => {
    let reads = 0
    const shared = { type: 'text' as const, get text () { reads++; return 'A block both requests carry, read once. '.repeat(30) } }
    const before = { system: [{ type: 'text' as const, text: 'system' }], messages: [{ role: 'user' as const, content: [shared, { type: 'text' as const, text: 'the old tail' }] }] }
    const after = { ...before, messages: [{ role: 'user' as const, content: [shared, { type: 'text' as const, text: 'a new, longer tail than before' }] }] }
    const plain = [await countRequestTokens(before), await countRequestTokens(after)]
    reads = 0
    const memo = new WeakMap<object, number>()
    assert.deepEqual(await countRequestsTokens([before, after], memo), plain)
    assert.equal(reads, 1, 'the shared block was collected once for both')
    assert.equal(await countRequestTokens(after, memo), plain[1], 'a request counted before: from the memo')
    const third = { ...after, messages: [...after.messages, user('one more message')] }
    assert.equal(await countRequestTokens(third, memo), await countRequestTokens(third))
    assert.equal(reads, 2, 'only the count without the memo read the shared block again')
  })

  test('thinking and plain-text documents count', async () => {
    const base = await countRequestTokens({ messages: [user('q')] })
    const thinking = await countRequestTokens({ messages: [user('q'), { role: 'assistant', content: [{ type: 'thinking', thinking: 'Let me reason about this step by step. '.repeat(10), signature: 's' }] }] })
    const document = await countRequestTokens({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }, { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A plain text document. '.repeat(20) } }] }]
    })
    assert.ok(thinking - base > 50)
    assert.ok(document - base > 50)
  })
})

test('estimateTokensFromBytes: about four bytes a token, never 0', () => {
  assert.equal(estimateTokensFromBytes(0), 1)
  assert.equal(estimateTokensFromBytes(4000), 1000)
  assert.equal(estimateTokensFromBytes(4001), 1001)
})
