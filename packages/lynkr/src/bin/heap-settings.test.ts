import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HEAP_FLAGS, heapFlags } from './heap-settings.ts'

test('heapFlags: the CLI sizes the heap for a gateway; what the user sized on the command line or in NODE_OPTIONS stays theirs', () => {
  assert.deepEqual(heapFlags([], undefined), HEAP_FLAGS)
  assert.deepEqual(heapFlags(['--enable-source-maps'], '--trace-warnings'), HEAP_FLAGS)
  assert.deepEqual(heapFlags(['--max-old-space-size=4096'], undefined), ['--max-semi-space-size=1', '--semi-space-growth-factor=1'])
  assert.deepEqual(heapFlags([], '--trace-warnings --max-semi-space-size=16'), ['--heap-growing-percent=100'])
  assert.deepEqual(heapFlags(['--max_semi_space_size=8'], undefined), ['--heap-growing-percent=100'], 'V8 spells its flags with underscores too')
  assert.deepEqual(heapFlags(['--max-semi-space-size=1', '--heap-growing-percent=50'], undefined), [])
})
