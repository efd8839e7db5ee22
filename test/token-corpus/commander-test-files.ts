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

/** Where each option value came from (default, env, cli, implied), and conflict errors that name env variables. */
const SOURCES = `function sources (setup, argv, env = {}) {
  const program = new Command()
  program.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} })
  for (const spec of setup) {
    const option = new Option(spec.flags)
    if (spec.default !== undefined) option.default(spec.default)
    if (spec.env) option.env(spec.env)
    if (spec.implies) option.implies(spec.implies)
    if (spec.conflicts) option.conflicts(spec.conflicts)
    program.addOption(option)
  }
  Object.assign(process.env, env)
  try {
    program.parse(argv, { from: 'user' })
  } catch (error) {
    return { error: error.code, message: error.message }
  } finally {
    for (const name of Object.keys(env)) delete process.env[name]
  }
  const opts = program.opts()
  return { opts, sources: Object.fromEntries(Object.keys(opts).map((key) => [key, program.getOptionValueSource(key)])) }
}`

type SourceSpec = { flags: string, default?: unknown, env?: string, implies?: Record<string, unknown>, conflicts?: string }
export interface SourceCase { setup: SourceSpec[], argv: string[], env?: Record<string, string> }

export function sourceCasesFile (title: string, cases: SourceCase[]): string {
  const { Command, Option } = require('commander') as { Command: unknown, Option: unknown }
  // eslint-disable-next-line no-new-func
  const run = new Function('Command', 'Option', `${SOURCES}; return sources`)(Command, Option) as (setup: SourceSpec[], argv: string[], env?: Record<string, string>) => unknown
  const lines = ["'use strict'", "const { test, describe } = require('node:test')", "const assert = require('node:assert/strict')", "const { Command, Option } = require('..')", '', SOURCES, '', `describe(${JSON.stringify(title)}, () => {`]
  for (const c of cases) {
    const args = [JSON.stringify(c.setup), JSON.stringify(c.argv), ...(c.env === undefined ? [] : [JSON.stringify(c.env)])].join(', ')
    lines.push(`  test(${JSON.stringify(`${c.setup.map((spec) => spec.flags).join(' ')} ⟵ ${c.argv.join(' ')}${c.env === undefined ? '' : ` ${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')}`}`)}, () => {`)
    lines.push(`    assert.deepEqual(sources(${args}), ${JSON.stringify(run(c.setup, c.argv, c.env))})`)
    lines.push('  })')
  }
  lines.push('})', '')
  return lines.join('\n')
}

export function sourceCases (): SourceCase[] {
  const setups: SourceSpec[][] = [
    [{ flags: '-p, --port <n>', default: '80', env: 'CMDR_PORT' }, { flags: '--fast', implies: { port: '8080' } }],
    [{ flags: '-c, --color', env: 'CMDR_COLOR' }, { flags: '--no-color' }, { flags: '-q, --quiet', conflicts: 'color' }],
    [{ flags: '--mode <m>', default: 'dev', env: 'CMDR_MODE' }, { flags: '--prod', implies: { mode: 'prod', minify: true } }, { flags: '--minify' }]
  ]
  const argvs = [[], ['--fast'], ['-p', '3000'], ['--fast', '-p', '9'], ['-c'], ['--no-color'], ['-q'], ['-q', '-c'], ['--prod'], ['--prod', '--mode', 'test'], ['--mode=staging']]
  const envs: Array<Record<string, string> | undefined> = [undefined, { CMDR_PORT: '8443', CMDR_COLOR: '1', CMDR_MODE: 'ci' }]
  const cases: SourceCase[] = []
  for (const setup of setups) {
    const flags = new Set(setup.flatMap((spec) => spec.flags.split(/[ ,|]+/).filter((part) => part.startsWith('-'))))
    for (const argv of argvs) {
      if (!argv.filter((arg) => arg.startsWith('-')).every((arg) => flags.has(arg.split('=')[0]!))) continue
      for (const env of envs) cases.push({ setup, argv, ...(env === undefined ? {} : { env }) })
    }
  }
  return cases
}
