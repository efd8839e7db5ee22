/**
 * The long sessions: 60–80 requests over commander@14.0.3 (lib/command.js alone is 2,777 lines), so the
 * conversation, not Claude Code's fixed system prompt and tools, dominates what is sent (peaks past 100K
 * tokens). Whole-file reads in chunks, repo-wide greps, test runs of a 118-case parse table with real
 * failures, edits and re-reads, the way a long debugging or feature session goes.
 */
import { parseCases, parseCasesFile, sourceCases, sourceCasesFile } from './commander-test-files.ts'
import { COMMANDER } from './run-session.ts'
import { tools, type SessionScript, type Turn } from './script-dsl.ts'
import { NODE_TEST, TEST } from './sessions.ts'

const PARSE_TABLE = { 'test/parse-options.test.js': parseCasesFile('parseOptions', parseCases()) }

/** Reads lib/command.js the way the Read tool must: in chunks (it is longer than one read). */
function readCommand (t: ReturnType<typeof tools>, from: number, to: number): Turn[] {
  const turns: Turn[] = []
  for (let offset = from; offset < to; offset += 700) turns.push({ calls: [t.read('lib/command.js', { offset, limit: Math.min(700, to - offset) })] })
  return turns
}

/** The look around the package each session starts with. */
function orient (t: ReturnType<typeof tools>, say: string): Turn[] {
  return [
    { say, calls: [t.bash('ls -la && cat package.json', 'List the package root and manifest')] },
    { calls: [t.glob('**/*.{js,mjs,ts}')] },
    { calls: [t.read('index.js')] }
  ]
}

const node = (script: string): string => `node -e "${script.replaceAll('"', '\\"')}"`

const GROUP_BUG = { from: 'activeGroup = `-${arg.slice(2)}`;', to: 'activeGroup = `-${arg.slice(3)}`;' }

export const shortFlagGroups: SessionScript = {
  id: 'commander-short-flag-groups',
  snapshot: COMMANDER,
  task: 'Long investigation: grouped short flags (-vx) lose a flag; read most of the parser, fix it, extend the table, then review the rest of option parsing and write findings',
  prompt: 'Users report that grouped short flags like `-vx` silently lose a flag, and test/parse-options.test.js fails. Find the cause, fix it and extend the tests. Then review the rest of the option parsing (env, implied values, conflicts, positional options, pass-through) for similar problems and write your findings to REVIEW.md.',
  patch: [{ file: 'lib/command.js', ...GROUP_BUG }],
  seed: PARSE_TABLE,
  turns: (dir) => {
    const t = tools(dir)
    return [
      ...orient(t, 'Let me look at the package first.'),
      { calls: [t.bash(TEST, 'Run the test suite')] },
      { calls: [t.read('test/parse-options.test.js', { offset: 1, limit: 80 })] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E 'not ok'`, 'List the failing cases')] },
      { think: 'Every failure has a group of three or more short flags: the group is cut short after the first flag.', calls: [t.grep('parseOptions', { path: 'lib', context: 2 })] },
      { calls: [t.read('lib/command.js', { offset: 1740, limit: 170 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command();p.option('-v').option('-x').option('-f <p>');p.parse(['-vx'],{from:'user'});console.log(p.opts())"), 'Reproduce with -vx')] },
      { calls: [t.grep('_findOption', { path: 'lib', context: 3 })] },
      { calls: [t.read('lib/option.js')] },
      { calls: [t.grep('activeGroup', { path: 'lib/command.js', context: 4 })] },
      ...readCommand(t, 1, 1400),
      { calls: [t.grep('combineFlagAndOptionalValue|_combineFlagAndOptionalValue', { context: 5 })] },
      { calls: [t.read('Readme.md', { offset: 177, limit: 240 })] },
      { calls: [t.bash(node("const {Command}=require('./');for (const a of [['-vx'],['-xv'],['-vxf','a'],['-vxfa']]) {const p=new Command();p.option('-v').option('-x').option('-f <p>');p.parse(a,{from:'user'});console.log(a.join(' '),JSON.stringify(p.opts()))}"), 'Try more groups')] },
      { say: 'Found it: after consuming the first flag of a group, the rest of the group is rebuilt from `arg.slice(3)`, which drops the second flag. It must be `arg.slice(2)`.', calls: [t.edit('lib/command.js', GROUP_BUG.to, GROUP_BUG.from)] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -12`, 'Run the tests, summary')] },
      { calls: [t.bash(TEST, 'Full run')] },
      { calls: [t.read('lib/command.js', { offset: 1815, limit: 30 })] },
      { say: 'Now more cases for groups: four flags, a value at the end, and an unknown flag inside a group.', calls: [t.edit('test/parse-options.test.js', 'describe("parseOptions", () => {', "describe(\"parseOptions\", () => {\n  test('a group of four boolean flags sets all four', () => {\n    const program = new Command().exitOverride().option('-a').option('-b').option('-c').option('-d')\n    program.parse(['-abcd'], { from: 'user' })\n    assert.deepEqual(program.opts(), { a: true, b: true, c: true, d: true })\n  })\n  test('a group ending in a value option takes the rest as the value', () => {\n    const program = new Command().exitOverride().option('-a').option('-b').option('-o <file>')\n    program.parse(['-abofile.txt'], { from: 'user' })\n    assert.deepEqual(program.opts(), { a: true, b: true, o: 'file.txt' })\n  })\n  test('an unknown flag inside a group is an error', () => {\n    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} }).option('-a').option('-b')\n    assert.throws(() => program.parse(['-azb'], { from: 'user' }), { code: 'commander.unknownOption' })\n  })")] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -12`, 'Run the tests')] },
      { calls: [t.bash(`${NODE_TEST} --test-name-pattern='group' test/*.test.js`, 'Only the group cases')] },
      { say: 'Fixed. Now the review of the rest of the option parsing.', calls: [t.read('lib/command.js', { offset: 1400, limit: 350 })] },
      { calls: [t.read('lib/command.js', { offset: 1900, limit: 140 })] },
      { calls: [t.grep('_parseOptionsEnv|_parseOptionsImplied|_checkForConflictingOptions', { path: 'lib', context: 3 })] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command();p.addOption(new Option('-p, --port <n>').env('PORT'));p.addOption(new Option('--fast').implies({port:'1'}));p.parse(['--fast'],{from:'user'});console.log(p.opts(),p.getOptionValueSource('port'))"), 'Implied value vs env')] },
      { calls: [t.bash(`PORT=80 ${node("const {Command,Option}=require('./');const p=new Command();p.addOption(new Option('-p, --port <n>').env('PORT'));p.addOption(new Option('--fast').implies({port:'1'}));p.parse(['--fast'],{from:'user'});console.log(p.opts(),p.getOptionValueSource('port'))")}`, 'Env beats implied?')] },
      { calls: [t.read('lib/command.js', { offset: 1660, limit: 90 })] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command().exitOverride();p.addOption(new Option('--json').conflicts('quiet'));p.option('-q, --quiet');try{p.parse(['--json','-q'],{from:'user'})}catch(e){console.log(e.code)}"), 'Conflicting options')] },
      { calls: [t.grep('passThroughOptions|enablePositionalOptions', { path: 'lib/command.js', context: 6 })] },
      { calls: [t.read('Readme.md', { offset: 988, limit: 60 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().enablePositionalOptions().option('-v');p.command('sub').option('-v').action((o)=>console.log('sub',o));p.parse(['sub','-v'],{from:'user'});console.log('root',p.opts())"), 'Positional options with a shared flag')] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().passThroughOptions().option('-d').argument('<cmd>').argument('[args...]').action((c,a,o)=>console.log(c,a,o));p.parse(['-d','run','-x','--y'],{from:'user'})"), 'Pass-through options')] },
      ...readCommand(t, 2034, 2777),
      { calls: [t.grep('negativeNumberArg', { path: 'lib/command.js', context: 8 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().option('-n, --num <n>');p.argument('[x]');p.action(()=>{});p.parse(['-n','-5','-3'],{from:'user'});console.log(p.opts(),p.args)"), 'Negative numbers as values and operands')] },
      { calls: [t.read('lib/help.js', { offset: 1, limit: 200 })] },
      { calls: [t.grep('variadic', { path: 'lib', context: 3 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().option('-l, --list <items...>').option('-a');p.parse(['-l','a','b','-a','c'],{from:'user'});console.log(p.opts(),p.args)"), 'Variadic then a flag')] },
      { calls: [t.read('typings/index.d.ts', { offset: 1, limit: 260 })] },
      { calls: [t.grep('combineFlagAndOptionalValue', { path: 'typings/index.d.ts', context: 12 })] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E '^# (tests|pass|fail)'`, 'Summary')] },
      { calls: [t.grep('optional', { path: 'lib/command.js', context: 2 })] },
      { calls: [t.bash(node("const {Command}=require('./');for (const c of [true,false]) {const p=new Command().combineFlagAndOptionalValue(c).option('-c, --cheese [type]').option('-d');p.parse(['-cd'],{from:'user'});console.log(c,JSON.stringify(p.opts()))}"), 'Optional value in a group, both settings')] },
      { calls: [t.read('Readme.md', { offset: 276, limit: 90 })] },
      { calls: [t.edit('test/parse-options.test.js', "  test('an unknown flag inside a group is an error', () => {", "  test('with combineFlagAndOptionalValue(false) an optional-value flag in a group stays boolean', () => {\n    const program = new Command().exitOverride().combineFlagAndOptionalValue(false).option('-c, --cheese [type]').option('-d')\n    program.parse(['-cd'], { from: 'user' })\n    assert.deepEqual(program.opts(), { cheese: true, d: true })\n  })\n  test('an unknown flag inside a group is an error', () => {")] },
      { calls: [t.bash(TEST, 'Full run with the new case')] },
      { calls: [t.read('lib/command.js', { offset: 1141, limit: 45 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().option('-v').option('-x');p.parse(['-vx'],{from:'user'});console.log(p.opts());p.parse(['-x'],{from:'user'});console.log(p.opts())"), 'Parsing twice restores state')] },
      { calls: [t.grep('slice\\(', { path: 'lib/command.js' })] },
      { calls: [t.read('lib/command.js', { offset: 1001, limit: 90 })] },
      { calls: [t.bash('for f in lib/*.js index.js; do node --check "$f" || echo "syntax error in $f"; done; echo checked', 'Syntax check')] },
      { calls: [t.read('lib/option.js', { offset: 255, limit: 126 })] },
      { calls: [t.grep('unknownOption\\(', { path: 'lib/command.js', context: 4 })] },
      { calls: [t.read('lib/help.js', { offset: 200, limit: 550 })] },
      { calls: [t.read('lib/argument.js'), t.read('lib/error.js')] },
      { calls: [t.read('lib/suggestSimilar.js')] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().exitOverride().option('--verbose');try{p.parse(['--verbos'],{from:'user'})}catch(e){console.log(e.code)}"), 'Unknown option suggestion')] },
      { calls: [t.read('test/parse-options.test.js', { offset: 80, limit: 200 })] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -c '^    ok'`, 'Count passing cases')] },
      { calls: [t.read('Readme.md', { offset: 523, limit: 100 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().option('-v').option('-x');p.command('sub').option('-s').option('-t').action((o)=>console.log('sub',o));p.parse(['-vx','sub','-st'],{from:'user'});console.log('root',p.opts())"), 'Groups on root and subcommand')] },
      { calls: [t.grep("arg\\[0\\] === '-'", { path: 'lib/command.js', context: 2 })] },
      { calls: [t.read('lib/command.js', { offset: 1740, limit: 170 })] },
      { calls: [t.write('REVIEW.md', '# Option parsing review\n\n## Fixed\n\n- **Grouped short flags** (`lib/command.js`, `parseOptions`): after the first flag of a group like `-vx` was consumed, the rest of the group was rebuilt from `arg.slice(3)` instead of `arg.slice(2)`, so the second flag was dropped silently (and a value glued to it, `-vfa.txt`, was misread). Now `arg.slice(2)`; the parse table (118 cases) passes, plus new cases: four-flag groups, a group ending in a value option, an unknown flag inside a group, and `combineFlagAndOptionalValue(false)`.\n\n## Reviewed, no change needed\n\n- **Env vs implied**: an env value wins over an implied one (implied only fills options without a custom value); the source is reported as `env`.\n- **Conflicts**: checked after env and implied values, so conflicts from env are caught too.\n- **Positional options / pass-through**: option parsing stops at the subcommand (positional) or at the first operand (pass-through) as documented.\n- **Negative numbers**: accepted as option values and operands unless a digit is used as a short flag in the command hierarchy.\n- **Variadic options**: take values until the next option.\n- **Repeated parse()**: state is saved before the first parse and restored before each later one.\n')] },
      { calls: [t.read('REVIEW.md')] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Final summary')] }
    ]
  },
  answer: 'Fixed: in lib/command.js parseOptions, the remainder of a short-flag group was rebuilt from `arg.slice(3)`, dropping the second flag; it is `arg.slice(2)` again. The 118-case parse table passes, with new cases for longer groups, a trailing value option, unknown flags and combineFlagAndOptionalValue(false). The review of env, implied, conflicts, positional and pass-through parsing found no further problems; details in REVIEW.md.'
}

const DEPRECATED_TEST = `'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { Command, Option } = require('..')

function program () {
  const errors = []
  const cmd = new Command().exitOverride().configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} })
  cmd.addOption(new Option('--old-name <v>', 'old flag').deprecated('use --name'))
  cmd.option('--name <v>', 'new flag')
  return { cmd, errors }
}

test('using a deprecated option warns on the error output', () => {
  const { cmd, errors } = program()
  cmd.parse(['--old-name', 'x'], { from: 'user' })
  assert.deepEqual(cmd.opts(), { oldName: 'x' })
  assert.deepEqual(errors, ["warning: option '--old-name <v>' is deprecated: use --name\\n"])
})

test('a deprecated option that is not used does not warn', () => {
  const { cmd, errors } = program()
  cmd.parse(['--name', 'y'], { from: 'user' })
  assert.deepEqual(errors, [])
})

test('help shows the deprecation', () => {
  const { cmd } = program()
  assert.match(cmd.helpInformation(), /--old-name <v>\\s+old flag \\(deprecated: use --name\\)/)
})

test('deprecated() without a message', () => {
  const cmd = new Command().exitOverride()
  const errors = []
  cmd.configureOutput({ writeErr: (s) => errors.push(s) })
  cmd.addOption(new Option('-x').deprecated())
  cmd.parse(['-x'], { from: 'user' })
  assert.deepEqual(errors, ["warning: option '-x' is deprecated\\n"])
  assert.match(cmd.helpInformation(), /-x\\s+\\(deprecated\\)/)
})
`

const OPTION_CTOR = { from: '    this.hidden = false;\n', to: '    this.hidden = false;\n    this.deprecatedMessage = undefined; // set by .deprecated(): the message, empty when none was given\n' }
const WARN_FIRST = {
  from: "    this.on('option:' + oname, (val) => {\n      const invalidValueMessage",
  to: "    this.on('option:' + oname, (val) => {\n      if (option.deprecatedMessage !== undefined) {\n        console.warn(`warning: option '${option.flags}' is deprecated${option.deprecatedMessage ? `: ${option.deprecatedMessage}` : ''}`);\n      }\n      const invalidValueMessage"
}
const WARN_FIXED = "        this._outputConfiguration.writeErr(\n          `warning: option '${option.flags}' is deprecated${option.deprecatedMessage ? `: ${option.deprecatedMessage}` : ''}\\n`,\n        );"

export const deprecatedOption: SessionScript = {
  id: 'commander-deprecated-option',
  snapshot: COMMANDER,
  task: 'Long multi-file feature: Option#deprecated() across option.js, command.js, help.js, the typings and the README, with a failing first attempt and repeated test runs',
  prompt: "Add `Option#deprecated(message?)` to commander: using a deprecated option on the command line writes `warning: option '<flags>' is deprecated: <message>` (no `: <message>` when none is given) to the configured error output, and the help shows `(deprecated: <message>)` after the description. Update the TypeScript typings and the README, add tests in test/deprecated.test.js, and keep test/parse-options.test.js passing.",
  seed: PARSE_TABLE,
  turns: (dir) => {
    const t = tools(dir)
    return [
      ...orient(t, 'Let me get oriented in the package.'),
      { calls: [t.read('lib/option.js')] },
      { calls: [t.grep('hideHelp|\\.hidden', { context: 2 })] },
      { calls: [t.grep('envVar', { path: 'lib', context: 3 })] },
      ...readCommand(t, 1, 1400),
      { calls: [t.read('lib/help.js')] },
      { calls: [t.bash(TEST, 'Baseline test run')] },
      { calls: [t.grep('emit\\(`option:', { path: 'lib/command.js', context: 3 })] },
      { calls: [t.read('lib/command.js', { offset: 1940, limit: 30 })] },
      { calls: [t.read('Readme.md', { offset: 177, limit: 280 })] },
      { say: 'Tests first.', calls: [t.write('test/deprecated.test.js', DEPRECATED_TEST)] },
      { calls: [t.bash(`${NODE_TEST} test/deprecated.test.js`, 'Run the new tests (expected to fail)')] },
      { calls: [t.edit('lib/option.js', OPTION_CTOR.from, OPTION_CTOR.to)] },
      { calls: [t.edit('lib/option.js', '  hideHelp(hide = true) {\n    this.hidden = !!hide;\n    return this;\n  }\n', "  hideHelp(hide = true) {\n    this.hidden = !!hide;\n    return this;\n  }\n\n  /**\n   * Mark the option as deprecated: using it warns, and the help says so.\n   *\n   * @param {string} [message] - what to use instead\n   * @return {Option}\n   */\n\n  deprecated(message = '') {\n    this.deprecatedMessage = message;\n    return this;\n  }\n")] },
      { calls: [t.edit('lib/command.js', WARN_FIRST.from, WARN_FIRST.to)] },
      { calls: [t.bash(`${NODE_TEST} test/deprecated.test.js`, 'Run the new tests')] },
      { think: 'The warning went to the console, not to the configured writeErr; commander writes errors through _outputConfiguration.', calls: [t.grep('_outputConfiguration\\.writeErr|outputError', { path: 'lib/command.js', context: 3 })] },
      { calls: [t.read('lib/command.js', { offset: 40, limit: 70 })] },
      { calls: [t.edit('lib/command.js', "        console.warn(`warning: option '${option.flags}' is deprecated${option.deprecatedMessage ? `: ${option.deprecatedMessage}` : ''}`);", WARN_FIXED)] },
      { calls: [t.bash(`${NODE_TEST} test/deprecated.test.js`, 'Run the new tests again')] },
      { calls: [t.read('lib/help.js', { offset: 318, limit: 55 })] },
      { calls: [t.edit('lib/help.js', "    if (option.envVar !== undefined) {\n      extraInfo.push(`env: ${option.envVar}`);\n    }\n", "    if (option.envVar !== undefined) {\n      extraInfo.push(`env: ${option.envVar}`);\n    }\n    if (option.deprecatedMessage !== undefined) {\n      extraInfo.push(\n        option.deprecatedMessage\n          ? `deprecated: ${option.deprecatedMessage}`\n          : 'deprecated',\n      );\n    }\n")] },
      { calls: [t.bash(`${NODE_TEST} test/deprecated.test.js`, 'Run the new tests')] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command('demo');p.addOption(new Option('--old-name <v>','old flag').deprecated('use --name'));p.addOption(new Option('-x').deprecated());p.option('--name <v>','new flag');console.log(p.helpInformation())"), 'Look at the help')] },
      { think: 'An option with no description and no message shows just "(deprecated)", which matches how env and defaults appear.', calls: [t.bash(TEST, 'Full run')] },
      { calls: [t.read('typings/index.d.ts', { offset: 1, limit: 300 })] },
      { calls: [t.grep('@deprecated', { path: 'typings/index.d.ts', context: 3 })] },
      { calls: [t.edit('typings/index.d.ts', '  /**\n   * Hide option in help.\n   */\n  hideHelp(hide?: boolean): this;\n', "  /**\n   * Hide option in help.\n   */\n  hideHelp(hide?: boolean): this;\n\n  /**\n   * Mark the option as deprecated: using it writes a warning to the error output,\n   * and the help shows `(deprecated: message)`.\n   */\n  deprecated(message?: string): this;\n")] },
      { calls: [t.grep('  hidden: boolean;', { path: 'typings/index.d.ts', context: 6 })] },
      { calls: [t.edit('typings/index.d.ts', '  hidden: boolean;\n', '  hidden: boolean;\n  deprecatedMessage?: string;\n')] },
      { calls: [t.read('typings/esm.d.mts'), t.read('esm.mjs')] },
      { calls: [t.read('Readme.md', { offset: 416, limit: 45 })] },
      { calls: [t.edit('Readme.md', "  .addOption(new Option('--free-drink', 'small drink included free ').implies({ drink: 'small' }));\n```", "  .addOption(new Option('--free-drink', 'small drink included free ').implies({ drink: 'small' }))\n  .addOption(new Option('--cup <size>', 'cup size').deprecated('use --drink'));\n```")] },
      { calls: [t.edit('Readme.md', '  --free-drink           small drink included free\n  -h, --help             display help for command\n', '  --free-drink           small drink included free\n  --cup <size>           cup size (deprecated: use --drink)\n  -h, --help             display help for command\n')] },
      { calls: [t.edit('Readme.md', 'Specify a required (mandatory) option using the `Option` method `.makeOptionMandatory()`.', "Mark an option you mean to remove with `.deprecated(message)`: using it still works, and writes\n`warning: option '--cup <size>' is deprecated: use --drink` to the error output (see `.configureOutput()`).\n\nSpecify a required (mandatory) option using the `Option` method `.makeOptionMandatory()`.")] },
      { calls: [t.grep('deprecated', { path: 'Readme.md', context: 2 })] },
      { calls: [t.read('Readme.md', { offset: 1110, limit: 50 })] },
      { think: 'Options from env go through optionEnv, not option:, so they do not warn; a subcommand option is added through the same addOption.', calls: [t.bash(`OLD=1 ${node("const {Command,Option}=require('./');const p=new Command();p.addOption(new Option('--old').env('OLD').deprecated('gone soon'));p.parse([],{from:'user'});console.log(p.opts())")}`, 'Env value of a deprecated option')] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command();p.command('sub').addOption(new Option('--legacy').deprecated('use --modern')).action((o)=>console.log(o));p.parse(['sub','--legacy'],{from:'user'})"), 'Deprecated option on a subcommand')] },
      { calls: [t.read('lib/command.js', { offset: 1550, limit: 100 })] },
      { calls: [t.edit('test/deprecated.test.js', "test('deprecated() without a message', () => {", "test('a deprecated option on a subcommand warns through the subcommand', () => {\n  const errors = []\n  const cmd = new Command().exitOverride().configureOutput({ writeErr: (s) => errors.push(s) })\n  cmd.command('sub').addOption(new Option('--legacy').deprecated('use --modern')).action(() => {})\n  cmd.parse(['sub', '--legacy'], { from: 'user' })\n  assert.deepEqual(errors, [\"warning: option '--legacy' is deprecated: use --modern\\n\"])\n})\n\ntest('a value from the environment does not warn', () => {\n  const errors = []\n  const cmd = new Command().exitOverride().configureOutput({ writeErr: (s) => errors.push(s) })\n  cmd.addOption(new Option('--old').env('LYNKR_TEST_OLD').deprecated())\n  process.env.LYNKR_TEST_OLD = '1'\n  try {\n    cmd.parse([], { from: 'user' })\n  } finally {\n    delete process.env.LYNKR_TEST_OLD\n  }\n  assert.deepEqual(cmd.opts(), { old: true })\n  assert.deepEqual(errors, [])\n})\n\ntest('deprecated() without a message', () => {")] },
      { calls: [t.bash(`${NODE_TEST} test/deprecated.test.js`, 'Run the deprecation tests')] },
      { calls: [t.read('lib/command.js', { offset: 95, limit: 30 })] },
      { think: 'copyInheritedSettings copies _outputConfiguration, so subcommands created with .command() write warnings where the parent writes errors.', calls: [t.grep('copyInheritedSettings', { path: 'lib/command.js', context: 2 })] },
      { calls: [t.bash(TEST, 'Full run')] },
      { calls: [t.read('lib/command.js', { offset: 1400, limit: 350 })] },
      { calls: [t.grep('optionEnv:', { path: 'lib/command.js', context: 4 })] },
      { calls: [t.read('typings/index.d.ts', { offset: 300, limit: 300 })] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command();p.addOption(new Option('--old-name <v>').deprecated('use --name'));p.option('--name <v>');p.parse(['--old-name','a','--name','b','--old-name','c'],{from:'user'});console.log(p.opts())"), 'Old and new flag together, old twice')] },
      { calls: [t.read('Readme.md', { offset: 754, limit: 120 })] },
      { calls: [t.grep('writeErr', { path: 'Readme.md', context: 3 })] },
      { calls: [t.read('lib/command.js', { offset: 2450, limit: 180 })] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command('demo');p.addOption(new Option('--secret').hideHelp().deprecated('x'));p.addOption(new Option('--cup <size>','cup size').deprecated('use --drink'));console.log(p.helpInformation())"), 'Hidden and deprecated options in the help')] },
      { calls: [t.read('test/parse-options.test.js', { offset: 1, limit: 40 })] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E 'not ok'; echo done`, 'Any failures')] },
      { calls: [t.read('lib/option.js', { offset: 140, limit: 50 })] },
      { calls: [t.read('lib/command.js', { offset: 700, limit: 60 })] },
      { calls: [t.grep('deprecatedMessage', { context: 2 })] },
      { calls: [t.bash('for f in lib/*.js index.js; do node --check "$f" || echo "syntax error in $f"; done; echo checked', 'Syntax check')] },
      { calls: [t.bash(node("const {Option}=require('./');const o=new Option('--a').deprecated('x');console.log(o.deprecatedMessage, new Option('--b').deprecatedMessage, new Option('--c').deprecated().deprecatedMessage === '')"), 'Option state')] },
      { calls: [t.read('typings/index.d.ts', { offset: 100, limit: 100 })] },
      { calls: [t.read('test/deprecated.test.js')] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E '^# (tests|pass|fail)'`, 'Summary')] },
      { calls: [t.read('lib/help.js', { offset: 400, limit: 140 })] },
      { calls: [t.bash(node("const {Command,Option}=require('./');const p=new Command('demo').description('A demo');p.addOption(new Option('-p, --port <n>','port').env('PORT').default(80).deprecated('use --listen'));console.log(p.helpInformation())"), 'Help with default, env and deprecation together')] },
      { calls: [t.read('Readme.md', { offset: 416, limit: 55 })] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Final summary')] }
    ]
  },
  answer: "Added `Option#deprecated(message?)`: lib/option.js stores the message, lib/command.js writes `warning: option '<flags>' is deprecated: <message>` through the configured writeErr when the option is used on the command line (not for env values), lib/help.js shows `(deprecated: …)`. Typings and README (example, help output and prose) updated; test/deprecated.test.js covers the warning, help, no message, subcommands and env values, and the parse table still passes."
}

const SOURCES_CONST = "/**\n * The sources commander itself gives option values (see Command#getOptionValueSource); authors may add their own.\n */\nconst OptionValueSources = Object.freeze({\n  cli: 'cli',\n  env: 'env',\n  config: 'config',\n  default: 'default',\n  implied: 'implied',\n});\n\n"
const EXPORTS_TEST = `'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const commander = require('..')

test('OptionValueSources lists the built-in sources, frozen', () => {
  assert.deepEqual(Object.keys(commander.OptionValueSources), ['default', 'config', 'env', 'cli', 'implied'])
  assert.ok(Object.isFrozen(commander.OptionValueSources))
})

test('getOptionValueSource reports the exported names', () => {
  const { Command, Option, OptionValueSources } = commander
  const program = new Command().addOption(new Option('--a <v>').default('x')).option('--b')
  program.parse(['--b'], { from: 'user' })
  assert.equal(program.getOptionValueSource('a'), OptionValueSources.default)
  assert.equal(program.getOptionValueSource('b'), OptionValueSources.cli)
})
`

export const valueSources: SessionScript = {
  id: 'commander-value-sources',
  snapshot: COMMANDER,
  task: 'Long refactor: replace the option value-source string literals scattered through lib/command.js with one exported frozen map, across CJS/ESM exports, typings and README, with a broken intermediate state',
  prompt: "The option value sources ('default', 'config', 'env', 'cli', 'implied') are string literals scattered through lib/command.js. Introduce one frozen `OptionValueSources` map in lib/option.js, use it everywhere in lib/, export it from index.js and esm.mjs, declare it in the typings and mention it in the README. test/value-sources.test.js and test/parse-options.test.js must keep passing; add a test for the export.",
  seed: { ...PARSE_TABLE, 'test/value-sources.test.js': sourceCasesFile('option value sources', sourceCases()) },
  turns: (dir) => {
    const t = tools(dir)
    const replaceSource = (name: string): Turn => ({ calls: [t.edit('lib/command.js', `'${name}'`, `OptionValueSources.${name}`, true)] })
    return [
      ...orient(t, 'First a look at the package.'),
      { calls: [t.grep("'(default|config|env|cli|implied)'", { context: 1 })] },
      ...readCommand(t, 1, 2777),
      { calls: [t.read('lib/option.js')] },
      { calls: [t.read('typings/index.d.ts', { offset: 340, limit: 60 })] },
      { calls: [t.read('Readme.md', { offset: 177, limit: 100 })] },
      { calls: [t.bash(TEST, 'Baseline test run')] },
      { calls: [t.read('test/value-sources.test.js', { offset: 1, limit: 60 })] },
      { calls: [t.grep('getOptionValueSource|setOptionValueWithSource', { path: 'lib', context: 4 })] },
      { calls: [t.read('lib/command.js', { offset: 920, limit: 80 })] },
      { say: 'Adding the map next to Option, then replacing the literals one source at a time.', calls: [t.edit('lib/option.js', 'exports.Option = Option;\nexports.DualOptions = DualOptions;\n', `${SOURCES_CONST}exports.Option = Option;\nexports.DualOptions = DualOptions;\nexports.OptionValueSources = OptionValueSources;\n`)] },
      replaceSource('default'),
      replaceSource('env'),
      replaceSource('cli'),
      replaceSource('implied'),
      replaceSource('config'),
      { calls: [t.bash(`${NODE_TEST} test/value-sources.test.js`, 'Run the value-source table')] },
      { think: 'OptionValueSources is not defined in command.js: the require of option.js does not take it yet.', calls: [t.read('lib/command.js', { offset: 1, limit: 15 })] },
      { calls: [t.edit('lib/command.js', "const { Option, DualOptions } = require('./option.js');", "const { Option, DualOptions, OptionValueSources } = require('./option.js');")] },
      { calls: [t.bash(`${NODE_TEST} test/value-sources.test.js`, 'Run the value-source table again')] },
      { calls: [t.bash(TEST, 'Full run')] },
      { calls: [t.grep("'(default|config|env|cli|implied)'", { path: 'lib', context: 1 })] },
      { calls: [t.read('lib/command.js', { offset: 670, limit: 70 })] },
      { calls: [t.read('lib/command.js', { offset: 1960, limit: 80 })] },
      { calls: [t.read('lib/command.js', { offset: 2085, limit: 25 })] },
      { calls: [t.edit('index.js', "const { Option } = require('./lib/option.js');", "const { Option, OptionValueSources } = require('./lib/option.js');")] },
      { calls: [t.edit('index.js', 'exports.Help = Help;\n', 'exports.Help = Help;\nexports.OptionValueSources = OptionValueSources;\n')] },
      { calls: [t.edit('esm.mjs', '  Help,\n} = commander;', '  Help,\n  OptionValueSources,\n} = commander;')] },
      { calls: [t.bash(`node --input-type=module -e "import { OptionValueSources } from './esm.mjs'; console.log(OptionValueSources)"`, 'The ESM export')] },
      { calls: [t.bash(node("const c=require('./');console.log(c.OptionValueSources, Object.isFrozen(c.OptionValueSources))"), 'The CommonJS export')] },
      { calls: [t.grep('LiteralUnion', { path: 'typings/index.d.ts', context: 3 })] },
      { calls: [t.edit('typings/index.d.ts', "export type OptionValueSource =\n  | LiteralUnion<'default' | 'config' | 'env' | 'cli' | 'implied', string>\n  | undefined;\n", "export type OptionValueSource =\n  | LiteralUnion<'default' | 'config' | 'env' | 'cli' | 'implied', string>\n  | undefined;\n\n/** The sources commander itself gives option values. */\nexport const OptionValueSources: Readonly<{\n  default: 'default';\n  config: 'config';\n  env: 'env';\n  cli: 'cli';\n  implied: 'implied';\n}>;\n")] },
      { calls: [t.read('typings/index.d.ts', { offset: 720, limit: 40 })] },
      { calls: [t.grep('setOptionValueWithSource', { path: 'Readme.md', context: 5 })] },
      { calls: [t.edit('Readme.md', '- `.getOptionValueSource()` and `.setOptionValueWithSource()` include where the option value came from\n', "- `.getOptionValueSource()` and `.setOptionValueWithSource()` include where the option value came from\n  (commander's own sources are in the exported `OptionValueSources`: `default`, `config`, `env`, `cli`, `implied`)\n")] },
      { calls: [t.write('test/exports.test.js', EXPORTS_TEST)] },
      { calls: [t.bash(`${NODE_TEST} test/exports.test.js`, 'Run the export test')] },
      { think: 'The key order in the test is not something to promise; compare as a sorted list.', calls: [t.edit('test/exports.test.js', "assert.deepEqual(Object.keys(commander.OptionValueSources), ['default', 'config', 'env', 'cli', 'implied'])", "assert.deepEqual(Object.keys(commander.OptionValueSources).sort(), ['cli', 'config', 'default', 'env', 'implied'])")] },
      { calls: [t.bash(`${NODE_TEST} test/exports.test.js`, 'Run the export test again')] },
      { calls: [t.bash(TEST, 'Full run')] },
      { calls: [t.grep('source', { path: 'lib/help.js', context: 2 })] },
      { calls: [t.read('lib/option.js', { offset: 95, limit: 40 })] },
      { calls: [t.edit('lib/option.js', "   * undefined, or the source of the current value is 'default' or 'config' or 'env'.\n", '   * undefined, or the source of the current value is OptionValueSources.default, .config or .env.\n')] },
      { calls: [t.read('lib/command.js', { offset: 1141, limit: 45 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().option('-p, --port <n>','','80');p.parse(['-p','1'],{from:'user'});console.log(p.getOptionValueSource('port'));p.parse([],{from:'user'});console.log(p.getOptionValueSource('port'))"), 'Sources reset between parses')] },
      { calls: [t.grep('_optionValueSources', { path: 'lib/command.js', context: 2 })] },
      { calls: [t.bash('for f in lib/*.js index.js; do node --check "$f" || echo "syntax error in $f"; done; node --check esm.mjs 2>/dev/null; echo checked', 'Syntax check')] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E '^# (tests|pass|fail)'`, 'Summary')] },
      { calls: [t.read('Readme.md', { offset: 1023, limit: 40 })] },
      { calls: [t.bash(node("const {Command}=require('./');const p=new Command().storeOptionsAsProperties().option('--label <l>','','x');p.parse(['--label','y'],{from:'user'});console.log(p.label, p.getOptionValueSource('label'))"), 'Sources with options stored as properties')] },
      { calls: [t.read('lib/command.js', { offset: 900, limit: 100 })] },
      { calls: [t.read('test/value-sources.test.js', { offset: 60, limit: 80 })] },
      { calls: [t.bash(`CMDR_COLOR=1 ${node("const {Command,Option}=require('./');const p=new Command().exitOverride().configureOutput({writeErr:()=>{}});p.addOption(new Option('-c, --color').env('CMDR_COLOR'));p.addOption(new Option('-q').conflicts('color'));try{p.parse(['-q'],{from:'user'})}catch(e){console.log(e.message)}")}`, 'Conflict message for an env value')] },
      { calls: [t.read('lib/command.js', { offset: 2034, limit: 90 })] },
      { calls: [t.read('Readme.md', { offset: 459, limit: 70 })] },
      { calls: [t.grep('OptionValueSources', { context: 1 })] },
      { calls: [t.read('index.js'), t.read('esm.mjs')] },
      { calls: [t.bash(TEST, 'Final full run')] },
      { calls: [t.bash('grep -c OptionValueSources lib/*.js index.js esm.mjs typings/index.d.ts Readme.md', 'Where the map is used')] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Final summary')] }
    ]
  },
  answer: "Added a frozen `OptionValueSources` map (lib/option.js) and replaced every value-source literal in lib/command.js with it; it is exported from index.js and esm.mjs, declared in typings/index.d.ts and mentioned in the README. The first test run after the replacement failed (command.js did not import the map yet); with the import the value-source table, the parse table and the new export test all pass."
}

export const longSessions: SessionScript[] = [shortFlagGroups, deprecatedOption, valueSources]
