import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRanks } from './cl100k.ts'

const require = createRequire(import.meta.url)

test('readRanks reads the rank table as data, entry for entry what the package\'s own module holds', () => {
  const path = require.resolve('gpt-tokenizer/bpeRanks/cl100k_base')
  const expected = (require(path) as { default: Array<string | number[]> }).default
  const actual = readRanks(path)
  assert.equal(actual.length, expected.length)
  // Control characters, JavaScript-only escapes (\v, \0, \x..) and byte arrays all survive the JSON route.
  for (let rank = 0; rank < expected.length; rank++) assert.deepEqual(actual[rank], expected[rank], `rank ${rank}`)
})

test('readRanks falls back to require() for a file laid out otherwise', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-ranks-'))
  t.after(() => { rmSync(dir, { recursive: true, force: true }) })
  const path = join(dir, 'ranks.cjs')
  writeFileSync(path, 'exports.default = ["a", "\\v", [255, 1]]\n')
  assert.deepEqual(readRanks(path), ['a', '\v', [255, 1]])
})
