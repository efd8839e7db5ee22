import { test } from 'node:test'
import assert from 'node:assert/strict'
import { condensePassingTap } from './condense-test-run.ts'
import { nodeTapRun } from './sample-outputs.ts'

test('node --test TAP: a passing test keeps its ok line, not its header and timing; failures, suites and the summary stay as printed', () => {
  const run = nodeTapRun(40)
  const condensed = condensePassingTap(run)
  assert.ok(condensed.length < run.length * 0.45, `${condensed.length} of ${run.length}`)
  for (let i = 1; i <= 40; i++) assert.ok(condensed.includes(`    ok ${i} - satisfies("1.${i}.0", "^1.0.0")\n`), `test ${i} is still named`)
  assert.doesNotMatch(condensed, /# Subtest: satisfies\("1\.\d+\.0"/)
  assert.equal(condensed.match(/duration_ms/g)?.length, 3, 'only the failure, the failed suite and the summary keep a duration')
  // The failure's whole block, then the suite's and the summary, byte for byte.
  const failure = run.slice(run.indexOf('    # Subtest: satisfies("2.0.0-rc.1"'))
  assert.ok(condensed.includes(failure), 'everything from the failing test on is unchanged')
  assert.ok(condensed.startsWith('TAP version 13\n# Subtest: satisfies\n'), 'a suite keeps its header')
  assert.match(condensed, /\[lynkr: the timing blocks \(duration only\) of 40 passing tests omitted; run the tests again to see them\]$/, 'the notice says how to get them back')
})

test('what carries more than timing is kept: a skip, a todo, a passing test with diagnostics; other output is returned as is', () => {
  const text = ['TAP version 13', '# Subtest: a', 'ok 1 - a # SKIP no network', '  ---', '  duration_ms: 0.1', '  ...', '# Subtest: b', 'ok 2 - b', '  ---', '  duration_ms: 0.2', "  warning: 'deprecated API'", '  ...', '1..2'].join('\n')
  assert.equal(condensePassingTap(text), text)
  const spec = '✔ parses (0.1ms)\n✔ formats (0.2ms)\nℹ tests 2'
  assert.equal(condensePassingTap(spec), spec)
})
