import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { anchorOf, applyInjections, formatMemories, latestPrompt } from './inject.ts'
import type { Ranked } from './store.ts'

const request = (messages: ChatRequest['messages'], system = 'You are Claude Code.'): ChatRequest => ({
  model: 'm', clientModel: 'm', max_tokens: 100, stream: false, system: [{ type: 'text', text: system }], messages
})

const memory = (content: string): Ranked => ({ id: 1, scope: 'w1', kind: 'preference', content, importance: 0.5, access_count: 0, created_at: 0, last_accessed_at: 0, score: 1, relevance: 1 })

test('a new prompt is the last user message with text of its own; a tool-result turn is not', () => {
  const withReminder = request([{ role: 'user', content: [{ type: 'text', text: '<system-reminder>x</system-reminder>' }, { type: 'text', text: 'Fix it' }] }])
  assert.deepEqual(latestPrompt(withReminder), { index: 0, text: 'Fix it' })
  assert.equal(latestPrompt(request([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] }])), undefined)
  assert.equal(latestPrompt(request([{ role: 'user', content: [{ type: 'text', text: '<command-name>/clear</command-name>' }, { type: 'text', text: '<local-command-stdout></local-command-stdout>' }] }])), undefined, 'client command echoes are not prompts')
})

test('injections go into the recorded user message, never the system prompt, and read the same bytes every time', () => {
  const first = { role: 'user' as const, content: [{ type: 'text' as const, text: 'Install the deps', cache_control: { type: 'ephemeral' as const } }] }
  const block = formatMemories([memory('In this project we use pnpm, never npm.')], 'system-reminder')
  assert.match(block, /^<system-reminder>\n[\s\S]*- \[preference\] In this project we use pnpm, never npm\.\n<\/system-reminder>$/)
  const records = new Map([[anchorOf(first), block]])
  const turn1 = applyInjections(request([first]), records)
  // Turn 2: the client moved cache_control to the newest message; the old message must still read the same.
  const moved = { role: 'user' as const, content: [{ type: 'text' as const, text: 'Install the deps' }] }
  const turn2 = applyInjections(request([moved, { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] }, { role: 'user', content: [{ type: 'text', text: 'Now test', cache_control: { type: 'ephemeral' } }] }]), records)
  assert.deepEqual(turn1.system, request([]).system, 'system prompt untouched')
  assert.equal(JSON.stringify(turn1.messages[0]!.content[0]), JSON.stringify(turn2.messages[0]!.content[0]), 'same block, same bytes')
  assert.equal(turn2.messages[0]!.content.length, 2)
  assert.equal(turn2.messages[2]!.content.length, 1, 'an unrecorded message is left alone')
  const untouched = request([moved])
  assert.equal(applyInjections(untouched, new Map([[anchorOf(moved), '']])), untouched, '"nothing found" changes nothing')
})

test('the new prompt is found behind trailing system messages (Claude Code 2.1\'s environment message)', () => {
  const request = { model: 'm', clientModel: 'm', max_tokens: 10, stream: false, messages: [
    { role: 'user' as const, content: [{ type: 'text' as const, text: 'We use pnpm.' }] },
    { role: 'system' as const, content: [{ type: 'text' as const, text: '# Environment' }] }
  ] }
  assert.deepEqual(latestPrompt(request), { index: 0, text: 'We use pnpm.' })
})
