/**
 * node:test files the corpus sessions seed into the snapshot. Expected values come from the pristine
 * pinned semver, so a session that injects a bug into its copy gets real failures, and its fix real passes.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)))
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as Record<string, (...args: any[]) => any>

/** One `test()` per case: `fn(...args)` must deep-equal what the pristine semver returns. */
export function casesFile (title: string, fn: string, cases: unknown[][], mapResult = '(value) => value'): string {
  const lines = [
    "'use strict'",
    "const { test, describe } = require('node:test')",
    "const assert = require('node:assert/strict')",
    "const semver = require('..')",
    `const view = ${mapResult}`,
    '',
    `describe(${JSON.stringify(title)}, () => {`
  ]
  for (const args of cases) {
    let expected: unknown
    try {
      expected = (0, eval)(`(${mapResult})`)(semver[fn]!(...args))
    } catch (error) {
      expected = { throws: String((error as Error).message) }
    }
    const call = `semver.${fn}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`
    lines.push(`  test(${JSON.stringify(`${fn}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`)}, () => {`)
    if (isThrow(expected)) lines.push(`    assert.throws(() => ${call}, { message: ${JSON.stringify(expected.throws)} })`)
    else lines.push(`    assert.deepEqual(view(${call}), ${JSON.stringify(expected)})`)
    lines.push('  })')
  }
  lines.push('})', '')
  return lines.join('\n')
}

function isThrow (value: unknown): value is { throws: string } {
  return typeof value === 'object' && value !== null && 'throws' in value
}

/** Cartesian product helper for case tables. */
export function product<A, B> (as: A[], bs: B[]): Array<[A, B]> {
  return as.flatMap((a) => bs.map((b) => [a, b] as [A, B]))
}
