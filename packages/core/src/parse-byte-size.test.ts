import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseByteSize } from './parse-byte-size.ts'

test('parseByteSize: units, case, spaces and fractions', () => {
  assert.equal(parseByteSize('32mb'), 32 * 1024 * 1024)
  assert.equal(parseByteSize('512KB'), 512 * 1024)
  assert.equal(parseByteSize(' 1 gb '), 1024 ** 3)
  assert.equal(parseByteSize('1.5mb'), 1.5 * 1024 * 1024)
  assert.equal(parseByteSize('100b'), 100)
  assert.equal(parseByteSize('2048'), 2048)
  assert.equal(parseByteSize('0.5kb'), 512)
  // Lynkr's units (express's `bytes`): terabytes and petabytes too.
  assert.equal(parseByteSize('1tb'), 1024 ** 4)
  assert.equal(parseByteSize('1PB'), 1024 ** 5)
})

test('parseByteSize: invalid, zero and negative sizes are null', () => {
  for (const bad of ['', 'mb', '32 megabytes', '-1mb', '1e3', '0', '0kb', '0.0001b', '12eb', '1,5mb']) {
    assert.equal(parseByteSize(bad), null, JSON.stringify(bad))
  }
})
