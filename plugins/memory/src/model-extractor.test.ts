import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseExtraction } from './model-extractor.ts'

test('the extractor model\'s JSON becomes candidates: fenced or not, invalid items dropped, the assistant never explicit nor global', () => {
  const extracted = parseExtraction('Here you go:\n```json\n' + JSON.stringify({
    memories: [
      { kind: 'preference', content: 'Use pnpm, never npm', scope: 'project', from: 'user' },
      { kind: 'preference', content: 'I like short answers', scope: 'global', from: 'user' },
      { kind: 'decision', content: 'We switched from Jest to Vitest', from: 'user' },
      { kind: 'fact', content: 'Builds run through Turborepo 2.1', from: 'assistant' },
      { kind: 'preference', content: 'Tabs are nicer', scope: 'global', from: 'assistant' },
      { kind: 'gossip', content: 'not a kind', from: 'user' },
      { kind: 'fact', content: '   ', from: 'user' },
      { kind: 'fact', content: 42, from: 'user' },
      'a string'
    ]
  }) + '\n```')
  assert.deepEqual(extracted.prompt.map((c) => [c.kind, c.content, c.scope, c.explicit, c.change]), [
    ['preference', 'Use pnpm, never npm', 'project', true, false],
    ['preference', 'I like short answers', 'global', true, false],
    ['decision', 'We switched from Jest to Vitest', 'project', false, true]
  ])
  assert.deepEqual(extracted.answer.map((c) => [c.kind, c.content, c.scope, c.explicit]), [['fact', 'Builds run through Turborepo 2.1', 'project', false]])
  assert.deepEqual(parseExtraction('{"memories": []}'), { prompt: [], answer: [] })
  assert.throws(() => parseExtraction('No memories here.'), /without JSON/)
  assert.throws(() => parseExtraction('{"facts": []}'), /no "memories" list/)
})
