// Claude Code-shaped tool outputs for tests (here and in the gateway tests): real shapes, generated sizes.

/** `node --test` (spec reporter) with 300 passing tests and 2 failures, as Claude Code's Bash returns it. */
export function failingNodeTestRun (): string {
  const lines: string[] = []
  for (let i = 0; i < 300; i++) {
    lines.push(`✔ parses case ${i} of the grammar (0.${(i * 37) % 1000}ms)`)
    if (i === 120) {
      lines.push('✖ rejects trailing commas (1.234ms)', '  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:', '', '  1 !== 2', '',
        '      at TestContext.<anonymous> (file:///repo/test/parse.test.js:42:10)', '      at Test.runInAsyncScope (node:async_hooks:206:9)',
        '    generatedMessage: true,', "    code: 'ERR_ASSERTION',", '    actual: 1,', '    expected: 2,', "    operator: 'strictEqual'", '  }', '')
    }
    if (i === 250) lines.push('✖ keeps unicode escapes (0.9ms)', "  TypeError: Cannot read properties of undefined (reading 'codePointAt')", '      at escape (file:///repo/src/escape.js:17:22)', '')
  }
  lines.push('ℹ tests 302', 'ℹ suites 0', 'ℹ pass 300', 'ℹ fail 2', 'ℹ cancelled 0', 'ℹ skipped 0', 'ℹ todo 0', 'ℹ duration_ms 812.4', '',
    '✖ failing tests:', '', 'test at test/parse.test.js:40:1', '✖ rejects trailing commas (1.234ms)', '  AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:')
  return lines.join('\n')
}

/** `grep -rn` over a code base: 3,000 matches. */
export function grepOutput (count = 3000): string {
  return Array.from({ length: count }, (_, i) => `src/module${i % 97}/file${i}.ts:${(i * 13) % 400 + 1}:  const value${i} = await client.request({ id: ${i} })`).join('\n')
}

export function gitLog (commits: number): string {
  return Array.from({ length: commits }, (_, i) => [
    `commit ${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}${'a1b2c3d4'.repeat(4)}`,
    `Author: Dev ${i % 7} <dev${i % 7}@example.com>`, `Date:   Mon Nov ${(i % 28) + 1} 10:${String(i % 60).padStart(2, '0')}:00 2026 +0000`, '',
    `    Change ${i}: adjust the parser for case ${i}`, ''
  ].join('\n')).join('\n')
}

/** `node --test` with the TAP reporter (what it prints when not on a terminal): `passing` tests in a suite and one failure. */
export function nodeTapRun (passing: number): string {
  const lines = ['TAP version 13', '# Subtest: satisfies']
  for (let i = 1; i <= passing; i++) lines.push(`    # Subtest: satisfies("1.${i}.0", "^1.0.0")`, `    ok ${i} - satisfies("1.${i}.0", "^1.0.0")`, '      ---', `      duration_ms: 0.${(i * 7919) % 100000}`, '      ...')
  lines.push('    # Subtest: satisfies("2.0.0-rc.1", ">=1.2.3")', `    not ok ${passing + 1} - satisfies("2.0.0-rc.1", ">=1.2.3")`, '      ---', '      duration_ms: 0.4411', "      location: '/repo/test/satisfies.test.js:12:5'", "      failureType: 'testCodeFailure'",
    '      error: |-', '        Expected values to be strictly equal:', '        ', '        false !== true', '        ', "      code: 'ERR_ASSERTION'", '      ...')
  lines.push('    1..' + String(passing + 1), `not ok 1 - satisfies`, '  ---', '  duration_ms: 9.12', "  type: 'suite'", "  location: '/repo/test/satisfies.test.js:1:1'", "  failureType: 'subtestsFailed'", `  error: '1 subtest failed'`, "  code: 'ERR_TEST_FAILURE'", '  ...',
    '1..1', `# tests ${passing + 1}`, '# suites 1', `# pass ${passing}`, '# fail 1', '# cancelled 0', '# skipped 0', '# todo 0', '# duration_ms 140.2')
  return lines.join('\n')
}
