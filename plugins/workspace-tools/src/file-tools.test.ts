import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FilePolicy } from '@lynkr/policy'
import { readTool } from './read.ts'
import { globTool, listTool } from './list.ts'
import { grepTool } from './grep.ts'
import { refusalsAsResults } from './tool-result.ts'
import { callTool, testContext } from './call-tool.ts'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-wstools-')))
const root = join(base, 'ws')
const context = testContext()
const call = callTool

describe('workspace file tools', () => {
  let policy: FilePolicy
  before(() => {
    mkdirSync(join(root, 'src', 'lib'), { recursive: true })
    mkdirSync(join(root, 'node_modules', 'dep'), { recursive: true })
    mkdirSync(join(base, 'outside'), { recursive: true })
    writeFileSync(join(root, 'src', 'main.ts'), 'import { add } from "./lib/add"\nconsole.log(add(1, 2))\n')
    writeFileSync(join(root, 'src', 'lib', 'add.ts'), 'export function add (a: number, b: number) { return a + b }\n')
    writeFileSync(join(root, 'node_modules', 'dep', 'index.js'), 'export function add () {}\n')
    writeFileSync(join(root, '.env'), 'OPENAI_API_KEY=sk-canary\n')
    writeFileSync(join(root, 'long.txt'), Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n'))
    writeFileSync(join(root, 'slow.txt'), `${'a'.repeat(40)}!\n`)
    writeFileSync(join(base, 'outside', 'secret.txt'), 'add outside secret')
    symlinkSync('/etc/passwd', join(root, 'passwd-link'))
    symlinkSync(join(base, 'outside'), join(root, 'src', 'escape'))
    policy = new FilePolicy({ root })
  })
  after(() => { rmSync(base, { recursive: true, force: true }) })

  test('workspace_read: numbered lines, offset and limit', async () => {
    const read = await call(readTool(policy), { path: 'src/main.ts' })
    assert.equal(read.text.split('\n')[0], '1\timport { add } from "./lib/add"')
    const part = await call(readTool(policy), { path: 'long.txt', offset: 10, limit: 2 })
    assert.equal(part.text, '10\tline 10\n11\tline 11\n[39 more lines: use offset 12]')
  })

  test('workspace_read: escapes and secrets are refused results naming the policy', async () => {
    for (const path of ['../../etc/passwd', '/etc/passwd', 'passwd-link', 'src/escape/secret.txt', '../outside/secret.txt']) {
      const result = await call(readTool(policy), { path })
      assert.equal(result.isError, true, path)
      assert.match(result.text, /^Refused by WORKSPACE_ROOT: .*outside the workspace/, path)
      assert.doesNotMatch(result.text, /root:x|add outside secret/, 'no content leaks')
    }
    const env = await call(readTool(policy), { path: '.env' })
    assert.match(env.text, /^Refused by POLICY_FILE_BLOCKED_PATHS/)
    assert.doesNotMatch(env.text, /sk-canary/)
  })

  test('workspace_list and workspace_glob: no blocked files, no symlinks out, node_modules skipped', async () => {
    const list = await call(listTool(policy), { depth: 3 })
    assert.deepEqual(list.text.split('\n'), ['long.txt', 'node_modules/', 'slow.txt', 'src/', 'src/lib/', 'src/main.ts', 'src/lib/add.ts'])
    const glob = await call(globTool(policy), { pattern: '**/*.ts' })
    assert.deepEqual(glob.text.split('\n'), ['src/main.ts', 'src/lib/add.ts'])
    const outside = await call(listTool(policy), { path: 'src/escape' })
    assert.match(outside.text, /^Refused by WORKSPACE_ROOT/)
  })

  test('workspace_grep: matches inside only (not the secret beside the workspace, not .env)', async () => {
    const grep = await call(grepTool(policy), { pattern: 'add' })
    assert.deepEqual(grep.text.split('\n'), ['src/main.ts:1: import { add } from "./lib/add"', 'src/main.ts:2: console.log(add(1, 2))', 'src/lib/add.ts:1: export function add (a: number, b: number) { return a + b }'])
    const key = await call(grepTool(policy), { pattern: 'sk-canary|root:' })
    assert.match(key.text, /^No matches/)
    const glob = await call(grepTool(policy), { pattern: 'ADD', ignore_case: true, glob: 'lib/*.ts' })
    assert.deepEqual(glob.text.split('\n').length, 1)
    const invalid = await call(grepTool(policy), { pattern: '(' })
    assert.equal(invalid.isError, true)
  })

  test('workspace_grep: a pattern that backtracks for ever is stopped, and the gateway goes on', async () => {
    const started = Date.now()
    await assert.rejects(refusalsAsResults(grepTool(policy, 300)).execute({ pattern: '^(a+)+$', path: 'slow.txt' }, context), /took longer than 0.3 s/)
    assert.ok(Date.now() - started < 60_000)
    const after = await call(grepTool(policy), { pattern: 'line 7$', path: 'long.txt' })
    assert.equal(after.text, 'long.txt:7: line 7')
  })
})
