import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ChatRequest, ToolUseBlock } from '@lynkr/protocol'
import { toolCallsOf } from '@lynkr/protocol'
import { applyCleared } from './clear-history.ts'
import { editStubs, inputKey, shortenedInput } from './edit-inputs.ts'
import { resultsOf } from './result-kinds.ts'

const body = (tag: string, lines: number): string => Array.from({ length: lines }, (_, i) => `  this.${tag}${i} = compute('${tag}', ${i}); // ${'z'.repeat(30)}`).join('\n')
const numbered = (text: string): string => text.split('\n').map((line, i) => `${String(i + 10).padStart(6)}→${line}`).join('\n')

function messages (editResult: string, later: string | undefined): ChatMessage[] {
  const out: ChatMessage[] = [
    { role: 'user', content: [{ type: 'text', text: 'Change a.js' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'e1', name: 'Edit', input: { file_path: '/r/a.js', old_string: body('old', 20), new_string: body('neu', 20) } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'e1', content: editResult }] }
  ]
  if (later !== undefined) {
    out.push({ role: 'assistant', content: [{ type: 'tool_use', id: 'r1', name: 'Read', input: { file_path: '/r/a.js' } }] })
    out.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'r1', content: later }] })
  }
  return out
}

const stubsOf = (list: ChatMessage[], gone: (id: string) => boolean = () => false): ReturnType<typeof editStubs> => {
  const calls = toolCallsOf(list)
  return editStubs(list, 0, list.length, resultsOf(list, calls), gone)
}

test('an old edit loses its replaced lines; its new lines only once a later read that stays shows them', () => {
  const [withoutRead] = stubsOf(messages('The file /r/a.js has been updated successfully.', undefined))
  assert.equal(withoutRead?.id, inputKey('e1'))
  const short = JSON.parse(withoutRead!.stub) as Record<string, unknown>
  assert.equal(short.file_path, '/r/a.js', 'the path stays')
  assert.equal(short.old_string, '[lynkr: the 20 replaced lines were cleared from the history]')
  assert.equal(short.new_string, body('neu', 20), 'no later read shows the new lines: they are the only copy')

  const shown = messages('The file /r/a.js has been updated successfully.', numbered(body('neu', 20)))
  assert.match(String((JSON.parse(stubsOf(shown)[0]!.stub) as Record<string, unknown>).new_string), /^\[lynkr: the 20 new lines were cleared from the history: a later read of the file shows them\]$/)
  // That read is being cleared in the same batch: the new lines stay.
  assert.equal((JSON.parse(stubsOf(shown, (id) => id === 'r1')[0]!.stub) as Record<string, unknown>).new_string, body('neu', 20))
})

test('a failed edit keeps its input (its old_string is still in the file); small edits are not worth it', () => {
  assert.deepEqual(stubsOf(messages('<tool_use_error>String to replace not found in file.</tool_use_error>', undefined)), [])
  assert.deepEqual(shortenedInput('Write', { file_path: '/r/b.js', content: 'tiny' }, []), { file_path: '/r/b.js', content: 'tiny' })
  const small: ChatMessage[] = [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'e2', name: 'Edit', input: { file_path: '/r/a.js', old_string: 'a', new_string: 'b' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'e2', content: 'ok' }] }
  ]
  assert.deepEqual(stubsOf(small), [])
})

test('applyCleared shortens the cleared edits\' inputs and leaves ids, names and pairing alone', () => {
  const list = messages('The file /r/a.js has been updated successfully.', undefined)
  const [stub] = stubsOf(list)
  const request: ChatRequest = { model: 'm', clientModel: 'm', max_tokens: 100, stream: false, messages: list }
  const out = applyCleared(request, new Map([[stub!.id, stub!.stub]]))
  const use = out.messages[1]!.content[0] as ToolUseBlock
  assert.equal(use.id, 'e1')
  assert.equal(use.name, 'Edit')
  assert.equal((use.input as Record<string, unknown>).old_string, '[lynkr: the 20 replaced lines were cleared from the history]')
  assert.equal(out.messages[2], list[2], 'the result is untouched')
  assert.equal(applyCleared(request, new Map([['other', 'x']])).messages[1], list[1], 'nothing to shorten: the same message')
})
