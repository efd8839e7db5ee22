import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ModelCapabilities, StepContext, ToolResultBlock } from '@lynkr/protocol'
import { toolResultCompressionStep } from './compress-step.ts'
import { failingNodeTestRun, grepOutput, nodeTapRun } from './sample-outputs.ts'

const silent = { debug () {}, info () {}, warn () {}, error () {} }
const cloud: ModelCapabilities = { promptCache: 'anthropic-breakpoints', cacheReadPriceRatio: 0.1, contextWindow: 200_000, local: false }
const localSmall: ModelCapabilities = { promptCache: 'automatic-prefix', contextWindow: 16_384, local: true }

function context (capabilities: ModelCapabilities = cloud, session = 's1'): StepContext {
  return {
    decision: { provider: 'p', model: 'm', reason: 'default' },
    capabilities,
    session: { id: session, source: 'header' },
    workspace: undefined,
    requestId: 'r',
    log: silent,
    signal: new AbortController().signal,
    purpose: 'client'
  }
}

const call = (id: string, name: string, input: unknown): ChatMessage => ({ role: 'assistant', content: [{ type: 'tool_use', id, name, input }] })
const result = (id: string, content: ToolResultBlock['content'], isError?: boolean): ChatMessage => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content, ...(isError === undefined ? {} : { is_error: isError }) }] })
const request = (messages: ChatMessage[]): ChatRequest => ({ model: 'm', clientModel: 'm', max_tokens: 1000, stream: true, system: [{ type: 'text', text: 'You are Claude Code.' }], messages })
const resultOf = (req: ChatRequest, index: number): ToolResultBlock => req.messages[index]!.content[0] as ToolResultBlock

test('a new large result is cut once; the next request of the session re-sends the same bytes', async () => {
  const step = toolResultCompressionStep({ cutFileReads: false })
  const turn1 = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'find the callers' }] }, call('toolu_1', 'Bash', { command: 'grep -rn request src' }), result('toolu_1', grepOutput())]
  const first = await step.run(request(turn1), context())
  const cut = resultOf(first, 2)
  assert.equal(cut.tool_use_id, 'toolu_1', 'pairing kept')
  assert.ok(typeof cut.content === 'string' && cut.content.length <= 16_000 && cut.content.includes('[lynkr: output truncated'))
  const turn2 = [...turn1, { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Found them.' }] }, { role: 'user' as const, content: [{ type: 'text' as const, text: 'thanks' }] }]
  const second = await step.run(request(turn2), context())
  assert.equal(JSON.stringify(second.messages.slice(0, 3)), JSON.stringify(first.messages.slice(0, 3)), 'the prefix is byte-identical')
  // Small results need nothing: a later request (its own parse) comes back as the same object, not a copy.
  const small = request([call('toolu_s', 'Bash', { command: 'ls' }), result('toolu_s', [{ type: 'text', text: 'a.ts\nb.ts' }])])
  assert.equal(await step.run(small, context()), small)
  const smallAgain = request([call('toolu_s', 'Bash', { command: 'ls' }), result('toolu_s', [{ type: 'text', text: 'a.ts\nb.ts' }])])
  assert.equal(await step.run(smallAgain, context()), smallAgain)
  // A fresh step (a gateway restart) cuts the same result to the same bytes: the cut is a function of the content.
  const restarted = await toolResultCompressionStep({ cutFileReads: false }).run(request(turn2), context())
  assert.equal(JSON.stringify(restarted.messages), JSON.stringify(second.messages))
})

test('the budget follows the provider: a small local window cuts much more', async () => {
  const messages = [call('toolu_1', 'Bash', { command: 'grep -rn request src' }), result('toolu_1', grepOutput(600))]
  const step = toolResultCompressionStep({ cutFileReads: false })
  const onCloud = resultOf(await step.run(request(messages), context(cloud)), 1).content as string
  const onLocal = resultOf(await step.run(request(messages), context(localSmall, 's2')), 1).content as string
  assert.ok(onLocal.length < 4_500, `local: ${onLocal.length}`)
  assert.ok(onCloud.length > onLocal.length * 1.5, `cloud keeps more: ${onCloud.length}`)
})

test('on a cache-capable cloud model, output above 1 % of the window is cut on arrival (written once, read on every later turn)', async () => {
  // ~10,000 characters of generic command output: under the old 16,000-character cloud budget it went whole.
  const output = Array.from({ length: 160 }, (_, i) => `step ${i}: compiled module-${i}.js in ${i % 7}ms ${'.'.repeat(30)}`).join('\n')
  assert.ok(output.length > 9_000 && output.length < 16_000)
  const messages = [call('toolu_b', 'Bash', { command: 'npm run build' }), result('toolu_b', output)]
  const cut = resultOf(await toolResultCompressionStep({ cutFileReads: false }).run(request(messages), context(cloud)), 1).content as string
  assert.ok(cut.length <= 8_000, `${cut.length}`)
  assert.match(cut, /\[lynkr: output truncated: \d+ lines of 160 omitted \(head, tail and error lines are kept\); to see lines \d+–\d+, re-run the command with `\| sed -n '\d+,\d+p'` appended\]$/)
})

test('file reads stay whole; small results are untouched (the same request object when nothing changes)', async () => {
  const file = Array.from({ length: 1500 }, (_, i) => `${i + 1}\tconst line${i} = ${i}`).join('\n')
  const input = request([call('toolu_r', 'Read', { file_path: '/repo/a.ts' }), result('toolu_r', file), call('toolu_s', 'Bash', { command: 'ls' }), result('toolu_s', 'a.ts\nb.ts')])
  assert.equal(await toolResultCompressionStep({ cutFileReads: false }).run(input, context()), input)
})

test('a failing test run with is_error keeps its failures and the error; content as blocks is cut per text block', async () => {
  const output = `Exit code 1\n${failingNodeTestRun()}`
  const messages = [call('toolu_t', 'Bash', { command: 'npm test' }), result('toolu_t', [{ type: 'text', text: output }], true)]
  const out = resultOf(await toolResultCompressionStep({ cutFileReads: false, maxChars: 5000 }).run(request(messages), context()), 1)
  assert.equal(out.is_error, true)
  const text = (out.content as Array<{ type: string, text: string }>)[0]!.text
  assert.ok(text.startsWith('Exit code 1\n') && text.includes('1 !== 2') && text.includes('ℹ fail 2') && text.length < output.length / 2)
})

test('an exact repeat of an earlier large result becomes a pointer to it', async () => {
  const output = grepOutput(40)
  const messages = [call('toolu_a', 'Bash', { command: 'grep -rn request src' }), result('toolu_a', output), call('toolu_b', 'Bash', { command: 'grep -rn request src' }), result('toolu_b', output)]
  const out = await toolResultCompressionStep({ cutFileReads: false }).run(request(messages), context())
  assert.equal(resultOf(out, 1).content, output, 'the first stays')
  assert.equal(resultOf(out, 3).content, '[lynkr: identical to the output of Bash `grep -rn request src` above (tool call toolu_a); omitted to save tokens. Run the tool again if its output may have changed.]')
  // Claude Code compacted the first away: the second is the original again.
  const alone = await toolResultCompressionStep({ cutFileReads: false }).run(request(messages.slice(2)), context())
  assert.equal(resultOf(alone, 1).content, output)
})

test('a TAP test run that only its passing tests\' timing made large is condensed, not cut: every test name, the failure and the summary reach the model', async () => {
  const step = toolResultCompressionStep({ cutFileReads: false })
  const run = nodeTapRun(20)
  assert.ok(run.length > 8_000 * 0.25, 'above the cloud budget\'s threshold for test runs')
  const out = await step.run(request([call('t1', 'Bash', { command: 'node --test test/' }), result('t1', run)]), context())
  const text = resultOf(out, 1).content as string
  assert.doesNotMatch(text, /omitted …\]|output truncated/, 'no lines cut')
  for (let i = 1; i <= 20; i++) assert.ok(text.includes(`ok ${i} - satisfies("1.${i}.0"`), `test ${i}`)
  assert.match(text, /not ok 21 - satisfies\("2\.0\.0-rc\.1", ">=1\.2\.3"\)\n[\s\S]*false !== true[\s\S]*# fail 1/)
  assert.ok(text.length < run.length / 2, `${text.length} of ${run.length}`)
})
