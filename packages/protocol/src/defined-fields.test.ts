import { test } from 'node:test'
import assert from 'node:assert/strict'
import { definedFields } from './defined-fields.ts'

test('definedFields copies the defined fields (null and false included) and leaves the original alone', () => {
  const original = { model: 'm', system: undefined, temperature: 0, stop: null, stream: false }
  const copy = definedFields(original)
  assert.deepEqual(Object.keys(copy), ['model', 'temperature', 'stop', 'stream'])
  assert.ok('system' in original)
  assert.notEqual(copy, original)
})
