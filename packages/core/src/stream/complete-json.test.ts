import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { jsonRepairSuffix, parseToolArguments } from './complete-json.ts'

function repaired (text: string): unknown {
  const suffix = jsonRepairSuffix(text)
  assert.notEqual(suffix, null, `no repair for ${JSON.stringify(text)}`)
  return JSON.parse(text + suffix!)
}

describe('jsonRepairSuffix', () => {
  test('empty or blank arguments become {}', () => {
    assert.equal(jsonRepairSuffix(''), '{}')
    assert.equal(jsonRepairSuffix('  \n'), '{}')
  })

  test('valid JSON needs no suffix', () => {
    assert.equal(jsonRepairSuffix('{"a":[1,{"b":null}]}'), '')
    assert.equal(jsonRepairSuffix(' {} '), '')
  })

  test('closes open strings, objects and arrays in the right order', () => {
    assert.equal(jsonRepairSuffix('{"a":[1,{"b":"x'), '"}]}')
    assert.deepEqual(repaired('{"a":[1,{"b":"x'), { a: [1, { b: 'x' }] })
    assert.deepEqual(repaired('{"cmd":"echo {not a brace} [nor'), { cmd: 'echo {not a brace} [nor' })
  })

  test('a value is supplied after a dangling colon or comma', () => {
    assert.deepEqual(repaired('{"a":'), { a: null })
    assert.deepEqual(repaired('{"a": \n'), { a: null })
    assert.deepEqual(repaired('[1,'), [1, null])
    assert.deepEqual(repaired('{"a":1,'), { a: 1, _: null })
    assert.deepEqual(repaired('{"a":[1,2],'), { a: [1, 2], _: null })
    assert.deepEqual(repaired('{"a":{"b":1},'), { a: { b: 1 }, _: null })
  })

  test('escapes inside strings are respected', () => {
    assert.deepEqual(repaired('{"a":"say \\"hi'), { a: 'say "hi' })
    assert.deepEqual(repaired('{"a":"C:\\\\dir\\\\'), { a: 'C:\\dir\\' })
    // Cut right after a backslash: the suffix must not leave the closing quote escaped.
    const value = repaired('{"a":"x\\') as { a: string }
    assert.ok(value.a.startsWith('x'))
  })

  test('a cut after an object key, inside a literal or inside a number is completed', () => {
    assert.deepEqual(repaired('{"path"'), { path: null })
    assert.deepEqual(repaired('{"path'), { path: null })
    assert.deepEqual(repaired('{"a":tr'), { a: true })
    assert.deepEqual(repaired('{"a":fals'), { a: false })
    assert.deepEqual(repaired('{"a":[n'), { a: [null] })
    assert.deepEqual(repaired('{"a":1.'), { a: 1 })
    assert.deepEqual(repaired('{"a":-'), { a: -0 })
    assert.deepEqual(repaired('{"a":2e'), { a: 2 })
  })

  test('returns null when no suffix can help', () => {
    assert.equal(jsonRepairSuffix('{"a":1}}'), null)
    assert.equal(jsonRepairSuffix('not json'), null)
    assert.equal(jsonRepairSuffix('{"a" 1'), null)
  })

  test('every prefix of realistic tool arguments repairs to valid JSON; the full text needs nothing', () => {
    const samples = [
      { file_path: '/home/u/project/src/index.ts', offset: 120, limit: -1.5e3, flags: [true, false, null] },
      { command: 'grep -rn "TODO" . | head -20', description: 'find TODOs\tin\nfiles ☃', timeout: 120000 },
      { edits: [{ old_string: '{', new_string: '}' }, { old_string: '"\\"', new_string: '[]' }], replace_all: false },
      { nested: { deeper: { deepest: [[], {}, [{}], ''] } } }
    ]
    for (const sample of samples) {
      for (const text of [JSON.stringify(sample), JSON.stringify(sample, null, 2)]) {
        for (let cut = 1; cut <= text.length; cut++) {
          const prefix = text.slice(0, cut)
          const suffix = jsonRepairSuffix(prefix)
          assert.notEqual(suffix, null, `prefix ${JSON.stringify(prefix)}`)
          assert.doesNotThrow(() => JSON.parse(prefix + suffix!), `prefix ${JSON.stringify(prefix)} + ${JSON.stringify(suffix)}`)
        }
        assert.equal(jsonRepairSuffix(text), '')
      }
    }
  })
})

describe('parseToolArguments', () => {
  test('valid objects parse as they are', () => {
    assert.deepEqual(parseToolArguments('{"city":"Paris","days":3}'), { city: 'Paris', days: 3 })
  })

  test('empty and unrepairable arguments become {}', () => {
    assert.deepEqual(parseToolArguments(''), {})
    assert.deepEqual(parseToolArguments('garbage'), {})
  })

  test('truncated arguments are repaired', () => {
    assert.deepEqual(parseToolArguments('{"city":"Par'), { city: 'Par' })
  })

  test('non-object JSON is wrapped so tool input is always an object', () => {
    assert.deepEqual(parseToolArguments('[1,2]'), { value: [1, 2] })
    assert.deepEqual(parseToolArguments('"just text"'), { value: 'just text' })
    assert.deepEqual(parseToolArguments('null'), { value: null })
  })
})
