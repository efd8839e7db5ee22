import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_BODY_LIMIT, formatByteSize, readBodyLimit } from './body-limit.ts'
import { configError } from './testing/catalog.ts'

test('REQUEST_JSON_LIMIT: 32mb by default; a smaller limit is honoured without a word', () => {
  assert.deepEqual(readBodyLimit({}), { bytes: MAX_BODY_LIMIT })
  assert.deepEqual(readBodyLimit({ REQUEST_JSON_LIMIT: ' ' }), { bytes: MAX_BODY_LIMIT })
  assert.deepEqual(readBodyLimit({ REQUEST_JSON_LIMIT: '512kb' }), { bytes: 512 * 1024 })
  assert.deepEqual(readBodyLimit({ REQUEST_JSON_LIMIT: '32mb' }), { bytes: 32 * 1024 * 1024 })
  assert.deepEqual(readBodyLimit({ REQUEST_JSON_LIMIT: '1048576' }), { bytes: 1024 * 1024 })
})

test('REQUEST_JSON_LIMIT above 32mb, in any of Lynkr\'s units, is lowered to 32mb with a note naming the variable and the reason', () => {
  for (const text of ['1gb', '50mb', '33554433', '1tb', '32.5MB']) {
    const limit = readBodyLimit({ REQUEST_JSON_LIMIT: text })
    assert.equal(limit.bytes, MAX_BODY_LIMIT, text)
    assert.match(limit.note ?? '', new RegExp(`^REQUEST_JSON_LIMIT=${text.replace('.', '\\.')} is above lynkr's maximum and is lowered to 32mb: `), text)
    assert.match(limit.note ?? '', /held in memory/)
  }
})

test('REQUEST_JSON_LIMIT that is not a size is a configuration error naming it', () => {
  assert.throws(() => readBodyLimit({ REQUEST_JSON_LIMIT: 'lots' }), configError('REQUEST_JSON_LIMIT', /"lots" must be a size such as 32mb/))
})

test('formatByteSize writes sizes as people set them', () => {
  assert.equal(formatByteSize(32 * 1024 * 1024), '32mb')
  assert.equal(formatByteSize(2048), '2kb')
  assert.equal(formatByteSize(1024 ** 3), '1gb')
  assert.equal(formatByteSize(1500), '1500 bytes')
})
