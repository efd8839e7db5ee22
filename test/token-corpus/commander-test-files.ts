/**
 * node:test files the long sessions seed into their commander copy. Each case builds a program, parses an
 * argv and compares what it got with what the pristine pinned commander gives, so an injected bug fails
 * for real and the scripted fix passes for real.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)))

/** The same source runs here (on the pristine package) and in the seeded test file (on the session's copy). */
const RUN = `function run (options, argv, config = {}) {
  const program = new Command()
  program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} })
  if (config.combine === false) program.combineFlagAndOptionalValue(false)
  if (config.positional) program.enablePositionalOptions()
  if (config.sub) program.command('sub').option('-s, --sub-flag').action(() => {})
  for (const [flags, defaultValue] of options) program.option(flags, '', defaultValue)
  try {
    program.parse(argv, { from: 'user' })
  } catch (error) {
    return { error: error.code ?? String(error.message) }
  }
  return { opts: program.opts(), args: program.args }
}`

export interface ParseCase { options: Array<[string, unknown?]>, argv: string[], config?: { combine?: boolean, positional?: boolean, sub?: boolean } }

export function parseCasesFile (title: string, cases: ParseCase[]): string {
  const { Command } = require('commander') as { Command: unknown }
  // eslint-disable-next-line no-new-func
  const run = new Function('Command', `${RUN}; return run`)(Command) as (options: ParseCase['options'], argv: string[], config?: ParseCase['config']) => unknown
  const lines = ["'use strict'", "const { test, describe } = require('node:test')", "const assert = require('node:assert/strict')", "const { Command } = require('..')", '', RUN, '', `describe(${JSON.stringify(title)}, () => {`]
  for (const c of cases) {
    const args = [JSON.stringify(c.options), JSON.stringify(c.argv), ...(c.config === undefined ? [] : [JSON.stringify(c.config)])].join(', ')
    lines.push(`  test(${JSON.stringify(`${c.options.map(([flags]) => flags).join(' ')} ⟵ ${c.argv.join(' ')}${c.config === undefined ? '' : ` ${JSON.stringify(c.config)}`}`)}, () => {`)
    lines.push(`    assert.deepEqual(run(${args}), ${JSON.stringify(run(c.options, c.argv, c.config))})`)
    lines.push('  })')
  }
  lines.push('})', '')
  return lines.join('\n')
}

/** Option sets × argvs: short groups, attached values, --flag=value, optional values, negation, variadics. */
export function parseCases (): ParseCase[] {
  const sets: Array<ParseCase['options']> = [
    [['-v, --verbose'], ['-x, --extract'], ['-f, --file <path>']],
    [['-d, --debug'], ['-c, --cheese [type]'], ['-n, --number <n>', '1']],
    [['--no-color'], ['-q, --quiet'], ['-o, --output <dir>', 'dist']],
    [['-l, --list <items...>'], ['-a, --all'], ['-t, --tag [name]', 'latest']]
  ]
  const argvs = [
    [], ['-v'], ['-vx'], ['-xv', 'file.txt'], ['-vxf', 'a.txt'], ['-fa.txt', '-v'], ['--file=b.txt'], ['--file', 'c.txt', '-x'],
    ['-dc'], ['-cd'], ['-cbrie'], ['--cheese=brie', '-d'], ['-n', '5', '-d'], ['-n5'], ['--number=7'], ['-dn', '3'],
    ['--no-color'], ['-q', '--no-color', 'x'], ['-qo', 'out'], ['--output=build', '--', '-q'],
    ['-l', 'a', 'b', '-a'], ['-al', 'a'], ['-t'], ['-at', 'next'], ['--tag=beta', '-l', 'x'], ['-u'], ['-vu'], ['--unknown', '-v']
  ]
  const cases: ParseCase[] = []
  for (const options of sets) for (const argv of argvs) cases.push({ options, argv })
  for (const argv of [['-cd'], ['-cbrie'], ['-dc', 'x']]) cases.push({ options: sets[1]!, argv, config: { combine: false } })
  for (const argv of [['-v', 'sub', '-s'], ['sub', '-vs'], ['-vx', 'sub']]) cases.push({ options: sets[0]!, argv, config: { sub: true, positional: true } })
  return cases
}
