/**
 * The corpus sessions: realistic coding tasks on a copy of semver@7.8.6, each a fixed script of tool
 * turns (explore, read, grep, run tests, edit, re-run). Some inject a bug into their copy first so test
 * runs fail for real before the scripted fix.
 */
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { casesFile, product } from './test-files.ts'
import { tools, type SessionScript, type Turn } from './script-dsl.ts'

/**
 * The test run: the shell expands the glob, so Node 20, 22 and 24 all get files (22+ read a bare `test/` as a
 * module path), and the tap reporter is named because 22+ default to spec even when not on a terminal.
 */
export const NODE_TEST = 'node --test --test-reporter=tap'
export const TEST = `${NODE_TEST} test/*.test.js`

const incCases = product(['1.2.3', '1.2.3-alpha.1', '0.0.1', '2.0.0-rc.0', '1.2.3-beta', '4.5.6-0'], ['major', 'minor', 'patch', 'premajor', 'preminor', 'prepatch', 'prerelease', 'release'])
  .map(([version, release]): unknown[] => [version, release])
  .concat([['1.2.3', 'prerelease', 'beta'], ['1.2.3-beta.1', 'prerelease', 'beta'], ['1.2.3-alpha.1', 'prerelease', 'beta'], ['1.2.3', 'prerelease', 'rc', false]])

const coerceCases: unknown[][] = ['v2', '1.2.3.4', 'x 3.4 y', '42.6.7.9.3-alpha', 'version 1.2', '1.2.3-rc.1+build', 'no digits', '2.3', '10.20', '7', ' 8.9 ', 'a1.2b'].flatMap((input) => [[input], [input, { rtl: true }], [input, { includePrerelease: true }]])

const satisfiesCases: unknown[][] = product(['1.2.3', '1.3.0', '2.0.0', '0.9.9', '1.2.3-beta.1', '1.2.4-0'], ['>=1.2.3', '^1.2.0', '~1.2.3', '1.x || >=2.5.0', '>=1.2.3 <1.3.0', '<=1.2.3', '*', '>1.2.3-alpha'])

const diffCases: unknown[][] = [['1.2.3', '1.2.4'], ['1.2.3', '1.3.0'], ['1.2.3', '2.0.0'], ['1.0.0-1', '1.0.0'], ['1.1.0-1', '1.1.0'], ['1.1.1-1', '1.1.1'], ['1.2.3-beta.1', '1.2.3-beta.2'], ['1.2.3', '1.2.3'], ['0.0.1', '0.0.2-0'], ['2.0.0-rc.1', '3.0.0']]

/** A look around the package a session starts with. */
function survey (t: ReturnType<typeof tools>, focus: string): Turn[] {
  return [
    { say: 'I will start by looking at how the package is laid out.', calls: [t.bash('ls -la && cat package.json', 'List the package root and manifest')] },
    { calls: [t.glob('**/*.js')] },
    { calls: [t.read('index.js')] },
    { calls: [t.grep(focus, { mode: 'files_with_matches' })] }
  ]
}

export const sessions: SessionScript[] = [
  {
    id: 'fix-inc-prerelease',
    task: 'Find and fix a regression in SemVer#inc for prerelease bumps, with a full test table',
    prompt: 'The inc tests in test/inc.test.js fail. Find the cause in the library, fix it, and make sure the whole table passes. Then add a couple of cases for identifierBase.',
    patch: [{ file: 'classes/semver.js', from: "case 'prerelease':\n        if (this.prerelease.length === 0) {", to: "case 'prerelease':\n        if (this.prerelease.length !== 0) {" }],
    seed: { 'test/inc.test.js': casesFile('inc', 'inc', incCases) },
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'inc'),
        { say: 'Let me run the failing tests first.', calls: [t.bash(TEST, 'Run the test suite')] },
        { calls: [t.read('test/inc.test.js')] },
        { calls: [t.read('functions/inc.js')] },
        { calls: [t.grep('inc \\(', { path: 'classes', context: 3 })] },
        { calls: [t.read('classes/semver.js')] },
        { think: 'The prerelease branch bumps patch only when there is no prerelease; here the condition is inverted.', calls: [t.grep("case 'pre", { path: 'classes/semver.js', context: 6 })] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.inc('1.2.3','prerelease'), s.inc('1.2.3-alpha.1','prerelease'))\"", 'Reproduce the wrong bump')] },
        { calls: [t.read('internal/identifiers.js'), t.read('internal/constants.js')] },
        { calls: [t.grep('identifierBase', { context: 2 })] },
        { calls: [t.read('classes/semver.js', { offset: 255, limit: 70 })] },
        { say: 'The condition in the prerelease case is inverted. Fixing it.', calls: [t.edit('classes/semver.js', "case 'prerelease':\n        if (this.prerelease.length !== 0) {", "case 'prerelease':\n        if (this.prerelease.length === 0) {")] },
        { calls: [t.bash(TEST, 'Run the test suite')] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.inc('1.2.3','prerelease'), s.inc('1.2.3-alpha.1','prerelease'))\"", 'Check the bump again')] },
        { calls: [t.grep('prerelease', { path: 'README.md', context: 2 })] },
        { calls: [t.read('README.md', { offset: 416, limit: 80 })] },
        { say: 'Now the identifierBase cases.', calls: [t.edit('test/inc.test.js', "describe(\"inc\", () => {", "describe(\"inc\", () => {\n  test('identifierBase 1', () => {\n    assert.equal(semver.inc('1.2.3', 'prerelease', 'beta', '1'), '1.2.4-beta.1')\n  })\n  test('identifierBase false', () => {\n    assert.equal(semver.inc('1.2.3', 'prerelease', 'beta', false), '1.2.4-beta')\n  })")] },
        { calls: [t.bash(`${TEST} 2>&1 | tail -40`, 'Run the tests, show the summary')] },
        { calls: [t.bash(`${NODE_TEST} --test-name-pattern='identifierBase' test/*.test.js`, 'Run only the new cases')] },
        { calls: [t.read('test/inc.test.js', { offset: 1, limit: 40 })] },
        { calls: [t.grep('identifierBase', { path: 'bin/semver.js', context: 3 })] },
        { calls: [t.bash('node bin/semver.js -i prerelease --preid beta -n 1 1.2.3; node bin/semver.js -i prerelease --preid beta -n false 1.2.3', 'Try the CLI with identifierBase')] },
        { calls: [t.read('bin/semver.js')] },
        { calls: [t.bash("node -e \"const s=require('./');for (const r of ['major','minor','patch','premajor','preminor','prepatch','prerelease']) console.log(r, s.inc('1.2.3-alpha.1', r))\"", 'Print every bump of a prerelease')] },
        { calls: [t.grep('inc\\(', { glob: '**/*.js', mode: 'count' })] },
        { calls: [t.read('functions/diff.js')] },
        { calls: [t.bash(`${TEST} 2>&1 | grep -E '^# (tests|pass|fail)'`, 'Summarise the run')] },
        { calls: [t.edit('classes/semver.js', "      // If the input is a non-prerelease version, this acts the same as\n      // prepatch.", "      // If the input is a non-prerelease version, this acts the same as\n      // prepatch; a prerelease only gets its prerelease number bumped.")] },
        { calls: [t.bash(TEST, 'Final full run')] }
      ]
    },
    answer: 'Fixed: the `prerelease` case in classes/semver.js bumped the patch when the version already had a prerelease (the condition was inverted). All inc cases pass, plus two new identifierBase cases.'
  },
  {
    id: 'coerce-rtl',
    task: 'Debug coerce returning the wrong minor version, left-to-right and right-to-left',
    prompt: 'semver.coerce gives wrong minor versions. test/coerce.test.js shows it. Please fix and explain.',
    patch: [{ file: 'functions/coerce.js', from: "const minor = match[3] || '0'", to: "const minor = match[4] || '0'" }],
    seed: { 'test/coerce.test.js': casesFile('coerce', 'coerce', coerceCases, '(value) => value === null ? null : value.version') },
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'coerce'),
        { calls: [t.bash(TEST, 'Run the tests')] },
        { calls: [t.read('functions/coerce.js')] },
        { calls: [t.grep('COERCE', { path: 'internal/re.js', context: 4 })] },
        { calls: [t.read('internal/re.js')] },
        { calls: [t.bash("node -e \"const {src,t}=require('./internal/re');console.log(src[t.COERCE]);console.log(src[t.COERCEFULL])\"", 'Print the coerce regexes')] },
        { calls: [t.bash("node -e \"const {re,t}=require('./internal/re');console.log('x 3.4 y'.match(re[t.COERCE]))\"", 'Show the match groups')] },
        { think: 'Group 3 is the minor, group 4 the patch: the code reads group 4 for the minor.', calls: [t.edit('functions/coerce.js', "const minor = match[4] || '0'", "const minor = match[3] || '0'")] },
        { calls: [t.bash(TEST, 'Run the tests again')] },
        { calls: [t.grep('rtl', { context: 2 })] },
        { calls: [t.read('README.md', { offset: 545, limit: 30 })] },
        { calls: [t.bash("node -e \"const s=require('./');for (const v of ['1.2.3.4','42.6.7.9.3-alpha']) console.log(v, s.coerce(v,{rtl:true})?.version, s.coerce(v,{rtl:true,includePrerelease:true})?.version)\"", 'Check rtl coercion')] },
        { calls: [t.read('classes/semver.js', { offset: 1, limit: 60 })] },
        { calls: [t.grep('coerce', { path: 'bin/semver.js', context: 2 })] },
        { calls: [t.bash('node bin/semver.js -c "version 1.2" "x 3.4 y"; node bin/semver.js -c --rtl 1.2.3.4', 'Coerce through the CLI')] },
        { calls: [t.edit('test/coerce.test.js', "describe(\"coerce\", () => {", "describe(\"coerce\", () => {\n  test('minor comes from the second group', () => {\n    assert.equal(semver.coerce('3.4').version, '3.4.0')\n  })")] },
        { calls: [t.bash(TEST, 'Run the tests')] },
        { calls: [t.grep('match\\[', { path: 'functions', context: 1 })] },
        { calls: [t.bash(`${TEST} 2>&1 | tail -12`, 'Summary')] }
      ]
    },
    answer: 'coerce read the patch group (match[4]) for the minor; it now reads match[3]. All coerce cases pass, including rtl and includePrerelease.'
  },
  {
    id: 'range-subset-review',
    task: 'Read-heavy review of the range and subset code with notes written at the end',
    prompt: 'Explain how semver decides whether one range is a subset of another, with the edge cases around prereleases. Write your notes to NOTES.md.',
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'subset'),
        { calls: [t.read('ranges/subset.js')] },
        { calls: [t.read('classes/range.js')] },
        { calls: [t.read('classes/comparator.js')] },
        { calls: [t.grep('includePrerelease', { context: 2 })] },
        { calls: [t.read('ranges/intersects.js'), t.read('ranges/simplify.js')] },
        { calls: [t.read('README.md', { offset: 149, limit: 140 })] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.subset('^1.2.3','>=1.0.0'), s.subset('>=1.0.0','^1.2.3'), s.subset('1.2.3-pre','^1.2.3'), s.subset('1.2.3-pre','^1.2.3',{includePrerelease:true}))\"", 'Try a few subset calls')] },
        { calls: [t.grep('0\\.0\\.0-0', { context: 2 })] },
        { calls: [t.read('ranges/outside.js')] },
        { calls: [t.read('internal/constants.js')] },
        { calls: [t.grep('isAny|isNullSet', { path: 'classes/range.js', context: 3 })] },
        { calls: [t.read('range.bnf')] },
        { calls: [t.bash("node -e \"const s=require('./');for (const [a,b] of [['*','>=0.0.0'],['>=0.0.0','*'],['<1.0.0','<2.0.0'],['1.x','^1.0.0'],['>1 <2','1.x']]) console.log(a,'⊆',b,s.subset(a,b))\"", 'More subset checks')] },
        { calls: [t.grep('higherGT|lowerLT', { path: 'ranges/subset.js', context: 4 })] },
        { calls: [t.read('ranges/min-version.js')] },
        { calls: [t.read('internal/trim-comparator-whitespace.js', { offset: 1, limit: 120 })] },
        { calls: [t.write('NOTES.md', '# How `subset` works\n\n- Both ranges are split into comparator sets; `sub` is a subset when every set of `sub` is a subset of some set of `dom`.\n- `*` and `>=0.0.0` are handled first: with includePrerelease, `*` means `>=0.0.0-0`.\n- Each set is reduced to at most one lower bound (the higher `>`/`>=`) and one upper bound (the lower `<`/`<=`); equality comparators must satisfy both.\n- Prereleases: a prerelease in `sub` only counts if `dom` has a comparator with the same [major, minor, patch] tuple and a prerelease (see `needDomLTPre`/`needDomGTPre`).\n')] }
      ]
    },
    answer: 'Notes are in NOTES.md: subset reduces each comparator set to a lower and upper bound, handles `*` and prereleases specially, and requires every set of the sub range to fit some set of the dom range.'
  },
  {
    id: 'add-stable-function',
    task: 'Add a new exported function (isStable) with tests and docs, fixing a failing test on the way',
    prompt: 'Add a semver.isStable(version) function: true for versions >= 1.0.0 without a prerelease. Export it, document it in the README, and add tests.',
    seed: { 'test/diff.test.js': casesFile('diff', 'diff', diffCases) },
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'prerelease'),
        { calls: [t.read('functions/prerelease.js'), t.read('functions/major.js')] },
        { calls: [t.read('functions/parse.js')] },
        { calls: [t.grep('module.exports', { path: 'index.js', context: 40 })] },
        { calls: [t.write('functions/is-stable.js', "'use strict'\n\nconst parse = require('./parse')\n\n// A stable release: a valid version at or above 1.0.0 with no prerelease tag.\nconst isStable = (version, options) => {\n  const parsed = parse(version, options)\n  return parsed !== null && parsed.major >= 1 && parsed.prerelease.length === 0\n}\nmodule.exports = isStable\n")] },
        { calls: [t.edit('index.js', "const prerelease = require('./functions/prerelease')", "const prerelease = require('./functions/prerelease')\nconst isStable = require('./functions/is-stable')")] },
        { calls: [t.edit('index.js', '  prerelease,', '  prerelease,\n  isStable,')] },
        { calls: [t.write('test/is-stable.test.js', "'use strict'\nconst { test } = require('node:test')\nconst assert = require('node:assert/strict')\nconst semver = require('..')\n\nfor (const [version, stable] of [['1.0.0', true], ['0.9.0', false], ['1.0.0-rc.1', false], ['2.3.4+build', true], ['not a version', false], ['v3.0.0', true]]) {\n  test(`isStable(${version})`, () => {\n    assert.equal(semver.isStable(version), stable)\n  })\n}\n")] },
        { calls: [t.bash(TEST, 'Run all tests')] },
        { think: 'Parse of "v3.0.0" is fine; check why one case fails.', calls: [t.bash("node -e \"console.log(require('./').isStable('v3.0.0'), require('./').parse('v3.0.0'))\"", 'Inspect one case')] },
        { calls: [t.read('classes/semver.js', { offset: 1, limit: 80 })] },
        { calls: [t.grep('prerelease', { path: 'README.md', context: 1 })] },
        { calls: [t.read('README.md', { offset: 416, limit: 60 })] },
        { calls: [t.edit('README.md', '* `prerelease(v)`', '* `isStable(v)`: True if the version is at least 1.0.0 and has no\n  prerelease tag.\n* `prerelease(v)`')] },
        { calls: [t.bash(`${TEST} 2>&1 | tail -15`, 'Summary of the run')] },
        { calls: [t.grep('Exported Modules', { path: 'README.md', context: 30 })] },
        { calls: [t.edit('README.md', "const semverPrerelease = require('semver/functions/prerelease')", "const semverPrerelease = require('semver/functions/prerelease')\nconst semverIsStable = require('semver/functions/is-stable')")] },
        { calls: [t.bash("node -e \"console.log(require('./functions/is-stable')('1.2.3'))\"", 'Deep import works')] },
        { calls: [t.read('package.json')] },
        { calls: [t.grep('"files"', { path: 'package.json', context: 12 })] },
        { calls: [t.bash(TEST, 'Final run')] }
      ]
    },
    answer: 'Added functions/is-stable.js, exported as semver.isStable, documented in the README (functions list and deep imports), with tests in test/is-stable.test.js.'
  },
  {
    id: 'refactor-parse-options',
    task: 'Refactor: rename parseOptions to normalizeOptions across the code base, with greps and multi-file edits',
    prompt: 'Rename the internal helper parseOptions to normalizeOptions everywhere (keep internal/parse-options.js as the file name), and make sure everything still works.',
    seed: { 'test/satisfies.test.js': casesFile('satisfies', 'satisfies', satisfiesCases.slice(0, 24)) },
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'parseOptions'),
        { calls: [t.grep('parseOptions', { context: 1 })] },
        { calls: [t.read('internal/parse-options.js')] },
        { calls: [t.bash(TEST, 'Baseline test run')] },
        { calls: [t.edit('internal/parse-options.js', 'parseOptions', 'normalizeOptions', true)] },
        { calls: [t.read('classes/semver.js', { offset: 1, limit: 40 })] },
        { calls: [t.edit('classes/semver.js', 'parseOptions', 'normalizeOptions', true)] },
        { calls: [t.read('classes/range.js', { offset: 1, limit: 30 }), t.read('classes/range.js', { offset: 215, limit: 15 })] },
        { calls: [t.edit('classes/range.js', 'parseOptions', 'normalizeOptions', true)] },
        { calls: [t.read('classes/comparator.js')] },
        { calls: [t.edit('classes/comparator.js', 'parseOptions', 'normalizeOptions', true)] },
        { calls: [t.read('bin/semver.js', { offset: 25, limit: 80 })] },
        { calls: [t.edit('bin/semver.js', 'parseOptions', 'normalizeOptions', true)] },
        { calls: [t.grep('parseOptions')] },
        { calls: [t.bash(TEST, 'Test run after the rename')] },
        { calls: [t.bash('node bin/semver.js -r "^1.2.0" 1.2.3 1.3.0 2.0.0 && node bin/semver.js --loose =1.2.3', 'Exercise the CLI paths')] },
        { calls: [t.grep('normalizeOptions', { mode: 'count' })] },
        { calls: [t.bash('for f in classes/*.js internal/*.js bin/semver.js; do node --check "$f" || echo "syntax error in $f"; done; echo checked', 'Syntax check every touched file')] },
        { calls: [t.read('internal/parse-options.js')] },
        { calls: [t.edit('internal/parse-options.js', '// parse out just the options we care about', '// normalise the options argument: falsy → {}, a non-object (legacy `loose` boolean) → { loose: true }')] },
        { calls: [t.bash(TEST, 'Final run')] }
      ]
    },
    answer: 'Renamed parseOptions to normalizeOptions in internal/parse-options.js, classes/semver.js, classes/range.js, classes/comparator.js and bin/semver.js; tests and the CLI still pass.'
  },
  {
    id: 'cli-flags',
    task: 'Exercise the semver CLI heavily through Bash and add a --json output flag',
    prompt: 'Add a --json flag to bin/semver.js that prints the matching versions as a JSON array. Test it by running the CLI.',
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'argv'),
        { calls: [t.read('bin/semver.js')] },
        { calls: [t.bash('node bin/semver.js --help', 'Show the CLI help')] },
        { calls: [t.bash('node bin/semver.js 1.2.3 1.0.0 2.0.0-rc.1 0.1.0 10.0.0 3.3.3', 'Sort versions')] },
        { calls: [t.bash('node bin/semver.js -r ">=1.0.0 <3" 1.2.3 1.0.0 2.0.0-rc.1 0.1.0 10.0.0 3.3.3; echo "exit $?"', 'Filter by range')] },
        { calls: [t.grep('console.log', { path: 'bin/semver.js', context: 2 })] },
        { calls: [t.grep("case '--", { path: 'bin/semver.js' })] },
        { calls: [t.edit('bin/semver.js', 'let reverse = false', 'let reverse = false\n\nlet json = false')] },
        { calls: [t.read('bin/semver.js', { offset: 40, limit: 80 })] },
        { calls: [t.edit('bin/semver.js', "      case '--rtl':", "      case '--json':\n        json = true\n        break\n      case '--rtl':")] },
        { calls: [t.grep('forEach', { path: 'bin/semver.js', context: 3 })] },
        { calls: [t.read('bin/semver.js', { offset: 100, limit: 50 })] },
        { calls: [t.bash("node bin/semver.js --json 1.2.3 1.0.0; sed -n '95,135p' bin/semver.js", 'Try the flag and show the printing code')] },
        { calls: [t.edit('bin/semver.js', '  versions\n    .sort(', "  if (json) {\n    const out = versions\n      .sort((a, b) => semver[reverse ? 'rcompare' : 'compare'](a, b, options))\n      .map(v => semver.clean(v, options))\n      .map(v => inc ? semver.inc(v, inc.value, options, identifier, identifierBase) : v)\n    console.log(JSON.stringify(out))\n    return\n  }\n  versions\n    .sort(")] },
        { calls: [t.bash('node bin/semver.js --json 1.2.3 1.0.0 2.0.0-rc.1', 'Try --json')] },
        { calls: [t.bash('node bin/semver.js --json -r "^1" 1.2.3 1.0.0 2.0.0-rc.1; node bin/semver.js --json -i minor 1.2.3', 'Combine --json with a range and inc')] },
        { calls: [t.grep('Options:', { path: 'bin/semver.js', context: 40 })] },
        { calls: [t.edit('bin/semver.js', '-c --coerce', '--json\n        Print the resulting versions as a JSON array.\n\n-c --coerce')] },
        { calls: [t.bash('node bin/semver.js --help | head -60', 'Check the help text')] },
        { calls: [t.bash('node bin/semver.js --json; echo "exit $?"; node bin/semver.js --json not-a-version; echo "exit $?"', 'Edge cases')] },
        { calls: [t.grep('semver -', { path: 'README.md', context: 2 })] },
        { calls: [t.read('README.md', { offset: 60, limit: 80 })] }
      ]
    },
    answer: 'bin/semver.js now has --json: it prints the resulting versions (after range filtering and -i) as one JSON array; the help text documents it.'
  },
  {
    id: 'debug-satisfies',
    task: 'Long debugging session: satisfies fails on >= ranges because of an injected bug in cmp; many test runs and greps',
    prompt: 'A lot of satisfies tests fail (test/satisfies.test.js, test/diff.test.js, test/inc.test.js). Track down the root cause, fix it, and harden the tests so this cannot regress silently.',
    patch: [{ file: 'functions/cmp.js', from: "case '>=':\n      return gte(a, b, loose)", to: "case '>=':\n      return gt(a, b, loose)" }],
    seed: {
      'test/satisfies.test.js': casesFile('satisfies', 'satisfies', satisfiesCases),
      'test/diff.test.js': casesFile('diff', 'diff', diffCases),
      'test/inc.test.js': casesFile('inc', 'inc', incCases.slice(0, 20))
    },
    turns: (dir) => {
      const t = tools(dir)
      return [
        ...survey(t, 'satisfies'),
        { calls: [t.bash(TEST, 'Run all tests')] },
        { calls: [t.bash("node --test --test-reporter=tap test/satisfies.test.js 2>&1 | grep -E '^not ok|^# (pass|fail)'", 'List the failing satisfies cases')] },
        { calls: [t.read('test/satisfies.test.js', { offset: 1, limit: 60 })] },
        { calls: [t.read('functions/satisfies.js')] },
        { calls: [t.read('classes/range.js')] },
        { calls: [t.grep('testSet', { path: 'classes/range.js', context: 10 })] },
        { calls: [t.read('classes/comparator.js')] },
        { calls: [t.bash("node -e \"const C=require('./classes/comparator');const c=new C('>=1.2.3');console.log(c.operator, c.semver.version, c.test('1.2.3'), c.test('1.2.4'))\"", 'Test one comparator')] },
        { think: 'A >= comparator rejects the equal version: look at cmp.', calls: [t.read('functions/cmp.js')] },
        { calls: [t.read('functions/gte.js'), t.read('functions/gt.js')] },
        { calls: [t.grep("'>='", { context: 2 })] },
        { calls: [t.bash("node -e \"const cmp=require('./functions/cmp');console.log(cmp('1.2.3','>=','1.2.3'), cmp('1.2.3','<=','1.2.3'), cmp('1.2.3','>','1.2.3'))\"", 'Check cmp directly')] },
        { say: 'Found it: cmp maps >= to gt.', calls: [t.edit('functions/cmp.js', "case '>=':\n      return gt(a, b, loose)", "case '>=':\n      return gte(a, b, loose)")] },
        { calls: [t.bash(TEST, 'Run all tests')] },
        { calls: [t.bash("node --test --test-reporter=tap test/satisfies.test.js 2>&1 | grep -E '^# (pass|fail)'", 'Satisfies summary')] },
        { calls: [t.glob('test/*.test.js')] },
        { calls: [t.write('test/cmp.test.js', "'use strict'\nconst { test } = require('node:test')\nconst assert = require('node:assert/strict')\nconst cmp = require('../functions/cmp')\n\nconst table = [\n  ['1.2.3', '>=', '1.2.3', true], ['1.2.3', '>', '1.2.3', false], ['1.2.4', '>=', '1.2.3', true],\n  ['1.2.3', '<=', '1.2.3', true], ['1.2.3', '<', '1.2.3', false], ['1.2.2', '<=', '1.2.3', true],\n  ['1.2.3', '==', '1.2.3', true], ['1.2.3', '!=', '1.2.3', false], ['1.2.3', '', '1.2.3', true],\n  ['1.2.3', '===', '1.2.3', true], ['1.2.3', '!==', '1.2.4', true]\n]\nfor (const [a, op, b, expected] of table) {\n  test(`${a} ${op} ${b}`, () => assert.equal(cmp(a, op, b), expected))\n}\ntest('unknown operator throws', () => assert.throws(() => cmp('1.2.3', '~', '1.2.3'), /Invalid operator/))\n")] },
        { calls: [t.bash('node --test --test-reporter=tap test/cmp.test.js', 'Run the new cmp table')] },
        { calls: [t.grep('cmp\\(', { context: 1 })] },
        { calls: [t.read('ranges/outside.js')] },
        { calls: [t.read('functions/compare.js'), t.read('functions/compare-loose.js'), t.read('functions/compare-build.js')] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.gtr('2.0.0','^1.2.3'), s.ltr('1.0.0','^1.2.3'), s.outside('1.2.3','>=1.2.3','<'))\"", 'Check the outside helpers')] },
        { calls: [t.read('ranges/max-satisfying.js'), t.read('ranges/min-satisfying.js')] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.maxSatisfying(['1.2.3','1.2.4','1.3.0'],'>=1.2.3 <1.3.0'), s.minSatisfying(['1.2.3','1.2.4'],'>=1.2.3'))\"", 'Max/min satisfying')] },
        { calls: [t.read('test/diff.test.js', { offset: 1, limit: 40 })] },
        { calls: [t.bash('node --test --test-reporter=tap test/diff.test.js', 'Diff tests')] },
        { calls: [t.grep('loose', { path: 'functions', context: 1 })] },
        { calls: [t.write('test/satisfies-edges.test.js', "'use strict'\nconst { test } = require('node:test')\nconst assert = require('node:assert/strict')\nconst semver = require('..')\n\ntest('>= includes the bound', () => assert.ok(semver.satisfies('1.2.3', '>=1.2.3')))\ntest('<= includes the bound', () => assert.ok(semver.satisfies('1.2.3', '<=1.2.3')))\ntest('> excludes the bound', () => assert.ok(!semver.satisfies('1.2.3', '>1.2.3')))\ntest('< excludes the bound', () => assert.ok(!semver.satisfies('1.2.3', '<1.2.3')))\ntest('prerelease needs includePrerelease', () => {\n  assert.ok(!semver.satisfies('1.2.4-0', '>=1.2.3'))\n  assert.ok(semver.satisfies('1.2.4-0', '>=1.2.3', { includePrerelease: true }))\n})\n")] },
        { calls: [t.bash(TEST, 'Full run')] },
        { calls: [t.bash(`${TEST} 2>&1 | grep -cE '^ *ok '`, 'Count passing tests')] },
        { calls: [t.read('classes/range.js', { offset: 480, limit: 97 })] },
        { calls: [t.grep('includePrerelease', { path: 'classes/range.js', context: 3 })] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.validRange('>=1.2.3 || <1.0.0'), s.toComparators('^1.2.3 || ~2.0.0'))\"", 'Range normalisation')] },
        { calls: [t.read('ranges/to-comparators.js'), t.read('ranges/valid.js')] },
        { calls: [t.read('functions/cmp.js')] },
        { calls: [t.edit('functions/cmp.js', "    case '>=':\n      return gte(a, b, loose)", "    // >= and <= include the bound: gte/lte, not gt/lt (a swap here breaks every caret and tilde range).\n    case '>=':\n      return gte(a, b, loose)")] },
        { calls: [t.bash(TEST, 'Run everything once more')] },
        { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Summary')] },
        // Second half: audit every range helper that goes through cmp, so the fix is known to cover them.
        ...['gtr', 'ltr', 'intersects', 'simplify', 'subset', 'min-version', 'max-satisfying', 'outside'].flatMap((name): Turn[] => [
          { calls: [t.read(`ranges/${name}.js`)] },
          { calls: [t.grep(name === 'min-version' ? 'minVersion' : name === 'max-satisfying' ? 'maxSatisfying' : name, { path: 'README.md', context: 4 })] }
        ]),
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.minVersion('>=1.2.3'), s.intersects('>=1.2.3','<=1.2.3'), s.simplifyRange(['1.2.3','1.2.4','1.3.0'],'>=1.2.3 <1.3.0 || 1.3.0'))\"", 'Helpers on the bound')] },
        { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Final summary')] }
      ]
    },
    answer: 'Root cause: functions/cmp.js mapped `>=` to `gt`, so every lower bound excluded itself (carets, tildes, >= ranges). Fixed, with a cmp operator table and satisfies edge-case tests so it cannot regress silently.'
  },
  {
    id: 'docs-update',
    task: 'Documentation pass over a long README with greps and several edits',
    prompt: 'Review the README section on ranges and prerelease tags: fix unclear wording, add an example for includePrerelease, and make sure every function in index.js is documented.',
    turns: (dir) => {
      const t = tools(dir)
      return [
        { calls: [t.read('README.md')] },
        { calls: [t.read('index.js')] },
        { calls: [t.grep('^\\* `', { path: 'README.md' })] },
        { calls: [t.bash("node -e \"console.log(Object.keys(require('./')).join('\\n'))\"", 'List the exports')] },
        { calls: [t.bash("for f in $(node -e \"console.log(Object.keys(require('./')).join(' '))\"); do grep -q \"$f\" README.md || echo \"undocumented: $f\"; done", 'Exports missing from the README')] },
        { calls: [t.grep('includePrerelease', { path: 'README.md', context: 3 })] },
        { calls: [t.read('README.md', { offset: 185, limit: 100 })] },
        { calls: [t.edit('README.md', 'The purpose of this behavior is twofold.', 'This behavior has two purposes.')] },
        { calls: [t.bash("node -e \"const s=require('./');console.log(s.satisfies('3.4.5-alpha.9','>1.2.3'), s.satisfies('3.4.5-alpha.9','>1.2.3',{includePrerelease:true}))\"", 'Verify the example before documenting it')] },
        { calls: [t.grep('#### Prerelease Identifiers', { path: 'README.md', context: 5 })] },
        { calls: [t.edit('README.md', '#### Prerelease Identifiers', "For example, `semver.satisfies('3.4.5-alpha.9', '>1.2.3')` is `false`,\nbut `semver.satisfies('3.4.5-alpha.9', '>1.2.3', { includePrerelease: true })`\nis `true`.\n\n#### Prerelease Identifiers")] },
        { calls: [t.read('README.md', { offset: 280, limit: 110 })] },
        { calls: [t.grep('Caret Ranges', { path: 'README.md', context: 20 })] },
        { calls: [t.edit('README.md', 'Many authors treat a `0.x` version', 'Many package authors treat a `0.x` version')] },
        { calls: [t.read('ranges/min-version.js')] },
        { calls: [t.grep('minVersion', { path: 'README.md', context: 2 })] },
        { calls: [t.read('README.md', { offset: 500, limit: 50 })] },
        { calls: [t.grep('simplifyRange|subset', { path: 'README.md', context: 2 })] },
        { calls: [t.read('README.md', { offset: 590, limit: 91 })] },
        { calls: [t.bash('wc -l README.md && grep -c "^#" README.md', 'README size and heading count')] }
      ]
    },
    answer: 'README: reworded the prerelease rationale, added a concrete includePrerelease example, and checked that every export of index.js is documented.'
  }
]

/** Large-output session: test tables of a few hundred cases, repo-wide greps, whole-file reads. */
const compareVersions = ['0.0.0', '0.1.2', '1.0.0', '1.2.3', '1.2.3-alpha.1', '2.0.0-rc.0', '3.4.5-beta', '10.20.30']
const compareCases: unknown[][] = product(compareVersions, compareVersions).flatMap(([a, b]) => [[a, b], [b, a], [a, b, true]])
const sortCases: unknown[][] = [[['1.2.3', '0.1.0', '1.2.3-rc.1', '10.0.0', '2.0.0']], [['v1.0.0', '1.0.0-0', '0.0.1']], [['3.0.0', '3.0.0+build', '3.0.0-pre']]]

export const auditSession: SessionScript = {
  id: 'audit-compare-tables',
  task: 'Large outputs: audit the comparison functions with big generated test tables, repo-wide greps and whole-file reads; one injected bug in compareBuild ordering',
  prompt: 'Audit semver\'s comparison functions (compare, rcompare, compareLoose, compareBuild, sort, rsort) against the tables in test/, fix whatever is wrong and tell me what the tables cover.',
  patch: [{ file: 'classes/semver.js', from: "      } else if (b === undefined) {\n        return 1\n      } else if (a === undefined) {\n        return -1\n      } else if (a === b) {\n        continue\n      } else {\n        return compareIdentifiers(a, b)\n      }\n    } while (++i)\n  }\n\n  // preminor", to: "      } else if (b === undefined) {\n        return -1\n      } else if (a === undefined) {\n        return 1\n      } else if (a === b) {\n        continue\n      } else {\n        return compareIdentifiers(a, b)\n      }\n    } while (++i)\n  }\n\n  // preminor" }],
  seed: {
    'test/compare.test.js': casesFile('compare', 'compare', compareCases),
    'test/rcompare.test.js': casesFile('rcompare', 'rcompare', compareCases.slice(0, 120)),
    'test/compare-build.test.js': casesFile('compareBuild', 'compareBuild', [['1.0.0+a', '1.0.0'], ['1.0.0', '1.0.0+a'], ['1.0.0+a', '1.0.0+b'], ['1.0.0+a.1', '1.0.0+a'], ...compareCases.slice(0, 40)]),
    'test/sort.test.js': casesFile('sort', 'sort', sortCases),
    'test/rsort.test.js': casesFile('rsort', 'rsort', sortCases)
  },
  turns: (dir) => {
    const t = tools(dir)
    return [
      ...survey(t, 'compare'),
      { calls: [t.bash(TEST, 'Run every table')] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E '^# (tests|pass|fail)'`, 'Summary')] },
      { calls: [t.grep('compare', { context: 2 })] },
      { calls: [t.read('classes/semver.js')] },
      { calls: [t.read('functions/compare.js'), t.read('functions/rcompare.js'), t.read('functions/compare-loose.js'), t.read('functions/compare-build.js')] },
      { calls: [t.read('functions/sort.js'), t.read('functions/rsort.js')] },
      { calls: [t.bash('node --test --test-reporter=tap test/compare-build.test.js', 'Run the compareBuild table')] },
      { calls: [t.bash("node -e \"const s=require('./');console.log(s.compareBuild('1.0.0+a','1.0.0'), s.compareBuild('1.0.0','1.0.0+a'), s.sort(['3.0.0','3.0.0+build']))\"", 'Reproduce')] },
      { calls: [t.grep('compareBuild', { path: 'classes/semver.js', context: 25 })] },
      { think: 'With build metadata only on one side the sign is flipped: the side that has build metadata sorts higher.', calls: [t.edit('classes/semver.js', "      } else if (b === undefined) {\n        return -1\n      } else if (a === undefined) {\n        return 1\n      } else if (a === b) {\n        continue\n      } else {\n        return compareIdentifiers(a, b)\n      }\n    } while (++i)\n  }\n\n  // preminor", "      } else if (b === undefined) {\n        return 1\n      } else if (a === undefined) {\n        return -1\n      } else if (a === b) {\n        continue\n      } else {\n        return compareIdentifiers(a, b)\n      }\n    } while (++i)\n  }\n\n  // preminor")] },
      { calls: [t.bash(TEST, 'Run every table again')] },
      { calls: [t.grep('prerelease', { path: 'classes', context: 3 })] },
      { calls: [t.read('internal/identifiers.js')] },
      { calls: [t.grep('loose', { context: 1 })] },
      { calls: [t.read('README.md', { offset: 467, limit: 60 })] },
      { calls: [t.bash("node --test --test-reporter=tap test/compare.test.js 2>&1 | grep -c '^    ok'", 'Count passing compare cases')] },
      { calls: [t.bash(`${TEST} 2>&1 | grep -E 'not ok' | head -20; echo done`, 'Any failures left')] },
      { calls: [t.read('test/compare.test.js', { offset: 1, limit: 120 })] },
      { calls: [t.grep('includePrerelease|loose', { path: 'classes/semver.js', context: 4 })] },
      { calls: [t.read('classes/comparator.js')] },
      { calls: [t.read('classes/range.js')] },
      { calls: [t.bash("node -e \"const s=require('./');const v=['1.0.0','1.0.0-alpha','1.0.0-alpha.1','1.0.0-alpha.beta','1.0.0-beta','1.0.0-beta.2','1.0.0-beta.11','1.0.0-rc.1'];console.log(s.sort([...v].reverse()).join(' < '))\"", 'Check the semver.org precedence example')] },
      { calls: [t.edit('test/sort.test.js', "describe(\"sort\", () => {", "describe(\"sort\", () => {\n  test('semver.org precedence example', () => {\n    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']\n    assert.deepEqual(semver.sort([...order].reverse()), order)\n  })")] },
      { calls: [t.bash(TEST, 'Full run with the new case')] },
      { calls: [t.grep('compareMain|comparePre', { context: 6 })] },
      { calls: [t.bash(`${TEST} 2>&1 | tail -9`, 'Final summary')] }
    ]
  },
  answer: 'compareBuild had its sign flipped when only one side carried build metadata (classes/semver.js); fixed. The tables cover compare/rcompare/compareLoose over 8 versions pairwise (192 cases), compareBuild with build metadata, and sort/rsort including the semver.org precedence example.'
}

export const qwenSession: SessionScript = {
  id: 'qwen-fix-coerce',
  task: 'OpenAI-front session (Qwen Code): fix the coerce minor-version bug with read_file, grep, shell test runs and edits',
  prompt: 'semver.coerce gives wrong minor versions; test/coerce.test.js shows it. Find the bug, fix it and run the tests.',
  patch: [{ file: 'functions/coerce.js', from: "const minor = match[3] || '0'", to: "const minor = match[4] || '0'" }],
  seed: { 'test/coerce.test.js': casesFile('coerce', 'coerce', coerceCases, '(value) => value === null ? null : value.version') },
  turns: (dir) => {
    const at = (path: string): string => `${dir}/${path}`
    const shell = (command: string, description: string) => ({ name: 'run_shell_command', arguments: { command, description, is_background: false } })
    return [
      { calls: [{ name: 'list_directory', arguments: { path: dir } }] },
      { calls: [{ name: 'read_file', arguments: { file_path: at('package.json') } }] },
      { calls: [shell(TEST, 'Run the tests')] },
      { calls: [{ name: 'read_file', arguments: { file_path: at('functions/coerce.js') } }] },
      { calls: [{ name: 'grep_search', arguments: { pattern: 'COERCE', path: at('internal') } }] },
      { calls: [{ name: 'read_file', arguments: { file_path: at('internal/re.js') } }] },
      { calls: [shell("node -e \"const {re,t}=require('./internal/re');console.log('x 3.4 y'.match(re[t.COERCE]))\"", 'Show the match groups')] },
      { calls: [{ name: 'edit', arguments: { file_path: at('functions/coerce.js'), old_string: "const minor = match[4] || '0'", new_string: "const minor = match[3] || '0'" } }] },
      { calls: [shell(TEST, 'Run the tests again')] },
      { calls: [{ name: 'read_file', arguments: { file_path: at('test/coerce.test.js') } }] },
      { calls: [{ name: 'glob', arguments: { pattern: 'functions/*.js' } }] },
      { calls: [{ name: 'read_file', arguments: { file_path: at('functions/parse.js') } }] },
      { calls: [shell("node -e \"const s=require('./');console.log(s.coerce('1.2.3.4',{rtl:true}).version, s.coerce('x 3.4 y').version)\"", 'Spot check')] },
      { calls: [{ name: 'grep_search', arguments: { pattern: 'match\\[', path: at('functions') } }] },
      { calls: [shell(`${TEST} 2>&1 | tail -12`, 'Summary')] }
    ]
  },
  answer: 'coerce read match[4] (the patch) as the minor; it now reads match[3] and all coerce tests pass.'
}

/**
 * Not part of the corpus proper: a 100-request session (every source file read, then searched for in the
 * README) for the per-request overhead benchmark.
 */
export const overheadSession: SessionScript = {
  id: 'overhead-100',
  task: 'Benchmark only: a 100-request read-and-search walk over the package, for the per-request overhead',
  prompt: 'Walk through every source file of this package and tell me where each is documented.',
  turns: (dir) => {
    const t = tools(dir)
    return sourceFiles().flatMap((file): Turn[] => [
      { calls: [t.read(file)] },
      { calls: [t.grep(basename(file, '.js'), { path: 'README.md', mode: 'count' })] }
    ]).concat([1, 150, 300, 450, 600].map((offset): Turn => ({ calls: [t.read('README.md', { offset, limit: 150 })] }))).slice(0, 99)
  },
  answer: 'Every source file is listed above with where the README documents it.'
}

function sourceFiles (): string[] {
  const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)))
  const root = dirname(require.resolve('semver/package.json'))
  return ['classes', 'functions', 'internal', 'ranges', 'bin'].flatMap((folder) => readdirSync(join(root, folder)).sort().map((name) => `${folder}/${name}`))
}
