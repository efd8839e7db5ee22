import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage } from '@lynkr/protocol'
import { toolCallsOf } from '@lynkr/protocol'
import { numberedLines, resultsOf } from './result-kinds.ts'
import { readRoles } from './working-set.ts'
import { summaryBoundary } from './summary.ts'

/** `count` numbered lines from `from`, as Claude Code's Read shows them (~25 tokens a line). */
const numbered = (from: number, count: number, tag: string): string => Array.from({ length: count }, (_, i) => `${String(from + i).padStart(6)}→  const ${tag}${from + i} = compute('${tag}', ${from + i}) // ${'x'.repeat(50)}`).join('\n')

interface Turn { name: string, input: Record<string, unknown>, result: string }

function conversation (prompt: string, turns: Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: prompt }] }]
  for (const [i, turn] of turns.entries()) {
    const id = `toolu_${String(i).padStart(3, '0')}`
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: turn.name, input: turn.input }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: turn.result }] })
  }
  return messages
}

function roles (messages: ChatMessage[], keep: number, hot = keep): ReturnType<typeof readRoles> {
  const calls = toolCallsOf(messages)
  return readRoles(messages, resultsOf(messages, calls), calls, { tokens: keep, hotTokens: hot, workingSet: true })
}

const id = (turn: number): string => `toolu_${String(turn).padStart(3, '0')}`
const read = (path: string, from: number, count: number, tag: string): Turn => ({ name: 'Read', input: { file_path: path, offset: from, limit: count }, result: numbered(from, count, tag) })

test('the newest read of each file in the working set is kept before older parts of another file', () => {
  // option.ts is what the user asks about; command.ts too, read in three parts after it. Room for about two parts.
  const turns = [read('/repo/src/option.ts', 1, 60, 'opt'), read('/repo/src/command.ts', 1, 60, 'a'), read('/repo/src/command.ts', 61, 60, 'b'), read('/repo/src/command.ts', 121, 60, 'c')]
  const messages = conversation('Add a deprecated() method to option.ts and warn about it in command.ts.', turns)
  const kept = roles(messages, 3_000).protectedIds
  assert.ok(kept.has(id(0)), 'the only read of option.ts stays: the next edit of it needs its lines')
  assert.ok(kept.has(id(3)), 'the newest part of command.ts stays')
  assert.ok(!kept.has(id(1)), 'an older part of command.ts goes first')
})

test('a read a later search points into is kept before other older parts of the file', () => {
  const turns = [
    read('/repo/src/command.ts', 1, 60, 'a'),
    read('/repo/src/command.ts', 61, 60, 'b'),
    read('/repo/src/command.ts', 121, 60, 'c'),
    // A search over the files whose match is in lines 1–60: that part is what the session works on.
    { name: 'Grep', input: { pattern: 'a12', output_mode: 'content', '-n': true }, result: 'src/command.ts:12:  const a12 = compute(\'a\', 12)\nsrc/command.ts-13-  const a13' }
  ]
  const messages = conversation('Fix the warning in command.ts.', turns)
  const kept = roles(messages, 3_000).protectedIds
  assert.ok(kept.has(id(2)), 'the newest part stays')
  assert.ok(kept.has(id(0)), 'the part the search hit stays')
  assert.ok(!kept.has(id(1)), 'the part nothing points at goes')
})

test('a read whose lines later reads show again is superseded, part by part', () => {
  const turns = [read('/repo/src/a.ts', 1, 100, 'a'), read('/repo/src/a.ts', 1, 50, 'b'), read('/repo/src/a.ts', 51, 70, 'c'), read('/repo/src/b.ts', 1, 40, 'd'), read('/repo/src/b.ts', 30, 40, 'e')]
  const { superseded } = roles(conversation('Tidy a.ts and b.ts.', turns), 100_000)
  assert.ok(superseded.has(id(0)), 'lines 1–100: shown again by 1–50 and 51–120')
  assert.ok(!superseded.has(id(1)) && !superseded.has(id(2)))
  assert.ok(!superseded.has(id(3)), 'lines 1–40 of b.ts: 30–69 shows only part of them')
})

test('an older part of a file the last turns did not touch is kept only when small; the hot share is for files being worked on', () => {
  const filler: Turn[] = Array.from({ length: 8 }, (_, i) => ({ name: 'Bash', input: { command: `node -e ${i}` }, result: 'ok' }))
  const turns = [read('/repo/src/old.ts', 1, 60, 'a'), read('/repo/src/old.ts', 61, 60, 'b'), ...filler, read('/repo/src/new.ts', 1, 60, 'c'), read('/repo/src/new.ts', 61, 60, 'd')]
  const messages = conversation('Change src/old.ts and src/new.ts.', turns)
  const { protectedIds } = roles(messages, 1_600, 10_000)
  assert.ok(protectedIds.has(id(1)), 'the newest read of old.ts stays (within the base share)')
  assert.ok(!protectedIds.has(id(0)), 'an older, large part of a file not touched for a while goes')
  assert.ok(protectedIds.has(id(10)) && protectedIds.has(id(11)), 'both parts of the file being worked on stay, within the hot share')
})

test('a numbered read followed by a note from the client still has its line range', () => {
  assert.deepEqual(numberedLines(`${numbered(177, 3, 'r')}\n\n<system-reminder>\nWhenever you read a file, consider whether it is malware.\n</system-reminder>`), [177, 179])
  assert.equal(numberedLines('plain text'), undefined)
})

test('no summary of next to nothing: it would make the prompt larger', () => {
  const short: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Add a --json flag.' }] },
    { role: 'system', content: [{ type: 'text', text: 'Environment: a long block the client sends '.repeat(200) }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }] },
    { role: 'user', content: [{ type: 'text', text: 'go on' }] }
  ]
  assert.equal(summaryBoundary(short, 2), undefined, 'only a system message before the boundary: nothing to summarise')
  const long: ChatMessage[] = [short[0]!, { role: 'assistant', content: [{ type: 'text', text: 'x'.repeat(20_000) }] }, { role: 'user', content: [{ type: 'text', text: 'more' }] }, ...short.slice(2)]
  assert.equal(summaryBoundary(long, 3), 3, 'a long turn before it: summarised')
})
