import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CommandAllowList, splitCommandLine } from './commands.ts'
import { PolicyError } from './policy-error.ts'

const refused = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (error: unknown) => error instanceof PolicyError && error.policy === 'POLICY_TEST_COMMANDS' && pattern.test(error.message))
}

describe('test command allow-list', () => {
  test('words without a shell: quotes group; operators, variables, globs and substitutions are refused', () => {
    assert.deepEqual(splitCommandLine('npx vitest run -t "adds two"'), ['npx', 'vitest', 'run', '-t', 'adds two'])
    refused(() => splitCommandLine('npm test; rm -rf /'), /operator ;/)
    refused(() => splitCommandLine('npm test && curl x'), /operator &&/)
    refused(() => splitCommandLine('npm test > out'), /operator >/)
    refused(() => splitCommandLine('npm test $HOME'), /variables/)
    refused(() => splitCommandLine('npm test `id`'), /substitution/)
    refused(() => splitCommandLine('npm test $(id)'), /substitution/)
    refused(() => splitCommandLine('pytest *.py'), /glob/)
    refused(() => splitCommandLine('   '), /empty/)
  })

  test('exact entries and open entries (ending in *)', () => {
    const list = new CommandAllowList(['npm test', 'npx vitest run *'])
    assert.deepEqual(list.check('npm test'), ['npm', 'test'])
    assert.deepEqual(list.check('npx vitest run src/a.test.ts'), ['npx', 'vitest', 'run', 'src/a.test.ts'])
    assert.deepEqual(list.check('npx vitest run'), ['npx', 'vitest', 'run'])
    refused(() => list.check('npm test -- --watch'), /not an allowed test command/)
    refused(() => list.check('npm run build'), /not an allowed/)
    refused(() => list.check('rm -rf /'), /allowed: npm test, npx vitest run \*/)
    refused(() => new CommandAllowList([]).check('npm test'), /allow-list is empty/)
  })
})
