import { test } from 'node:test'
import assert from 'node:assert/strict'
import { anthropicBlocks, chatBlocks } from './bench/token-cost-model.ts'
import { addToMix, describeCost, emptyMix, whyCost, whyInput } from './bench/token-why.ts'

const count = (text: string): number => text.length

// The report's "why": what a run still sends, per part of the prompt, as Claude Code and OpenAI clients shape it.
test('the prompt mix sorts blocks into tools, system, tool calls, tool results and text, whatever the key order', () => {
  const anthropic = {
    tools: [{ name: 'Bash', input_schema: { type: 'object' } }],
    system: [{ type: 'text', text: 'You are Claude Code.' }],
    messages: [
      { role: 'user', content: 'fix the bug' },
      { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      // Claude Code puts tool_use_id before type.
      { role: 'user', content: [{ tool_use_id: 'toolu_1', type: 'tool_result', content: 'a.js\nb.js "type":"text"' }] }
    ]
  }
  const mix = emptyMix()
  const blocks = anthropicBlocks(anthropic, count)
  addToMix(mix, blocks)
  assert.equal(mix.tools, blocks[0]!.tokens)
  assert.equal(mix.system, blocks[1]!.tokens)
  assert.equal(mix['tool calls'], blocks[4]!.tokens)
  assert.equal(mix['tool results'], blocks[5]!.tokens)
  assert.equal(mix.text, blocks[2]!.tokens + blocks[3]!.tokens)

  const openai = { tools: [{ type: 'function', function: { name: 'Bash' } }], messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'Bash', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: 'out' }] }
  const chat = emptyMix()
  addToMix(chat, chatBlocks(openai, count))
  assert.ok(chat.tools > 0 && chat.system > 0 && chat.text > 0 && chat['tool calls'] > 0 && chat['tool results'] > 0, JSON.stringify(chat))
})

test('the why names what is still sent and how much of each part was cut; cost is split into reads, writes and fresh input', () => {
  const before = { ...emptyMix(), tools: 300, 'tool results': 600, text: 100 }
  const after = { ...emptyMix(), tools: 300, 'tool results': 150, text: 50 }
  assert.match(whyInput(after, before), /^what is still sent: tools 60 %, tool results 30 %, text 10 %; cut per part: tool results −75 %, tools −0 %, text −50 %/)
  // 1000 input: 800 read at 0.1 (80), 100 written at 1.25 (125), 100 fresh (100).
  assert.equal(describeCost({ requests: 1, input: 1000, cacheRead: 800, cacheWrite: 100, cost: 305, breaks: [], peak: 1000 }, 'anthropic'), 'cache reads 26 %, cache writes 41 %, fresh input 33 %')

  // 60 % of 1000 means 400 sent: 100 more to cut, of 200 tool results and text (tools are 30 % of passthrough).
  assert.match(whyInput(after, before), /; 60 % needs 100 more tokens cut, 50 % of the tool results, tool calls and text still sent \(tools and system alone are 30 % of passthrough's input\)/)
  assert.doesNotMatch(whyInput({ ...after, tools: 100, 'tool results': 50 }, before), /60 % needs/, 'no need line once the target is met')
  // Passthrough costs 305; a run reading 400 (40) and writing 100 (125): 0.131 and 0.410 of it.
  const passthrough = { requests: 1, input: 1000, cacheRead: 800, cacheWrite: 100, cost: 305, breaks: [], peak: 1000 }
  assert.equal(whyCost({ ...passthrough, input: 500, cacheRead: 400, cost: 165 }, passthrough), 'of cached passthrough\'s cost, this run pays cache reads 0.131, cache writes 0.410; passthrough cache reads 0.262, cache writes 0.410, fresh input 0.328')
})
