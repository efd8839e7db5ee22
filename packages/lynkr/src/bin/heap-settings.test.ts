import { test } from 'node:test'
import assert from 'node:assert/strict'
import { HEAP_FLAGS, heapFlags } from './heap-settings.ts'

test('heapFlags: the CLI sizes the heap for a gateway unless the user sized it on the command line or in NODE_OPTIONS', () => {
  assert.deepEqual(heapFlags([], undefined), HEAP_FLAGS)
  assert.deepEqual(heapFlags(['--enable-source-maps'], '--trace-warnings'), HEAP_FLAGS)
  assert.deepEqual(heapFlags(['--max-old-space-size=4096'], undefined), [])
  assert.deepEqual(heapFlags([], '--trace-warnings --max-semi-space-size=16'), [])
  assert.deepEqual(heapFlags([], '--max_semi_space_size=8'), [], 'V8 spells its flags with underscores too')
})
