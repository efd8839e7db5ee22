import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommandAllowList, DEFAULT_GIT_POLICY } from '@lynkr/policy'
import { detectRuntime } from '@lynkr/sandbox'
import { runTestsTool } from './run-tests.ts'
import { gitTool } from './git-tool.ts'
import { callTool } from './call-tool.ts'

const runtime = await detectRuntime('bubblewrap')
if (runtime === 'none') console.log('# workspace command tools run unsandboxed here: bubblewrap is not available (apt-get install bubblewrap)')
const root = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-cmdtools-')))
const call = callTool

describe('workspace_run_tests and workspace_git', () => {
  before(() => {
    mkdirSync(join(root, 'test'))
    writeFileSync(join(root, 'test', 'sum.test.mjs'), [
      "import { test } from 'node:test'",
      "import assert from 'node:assert/strict'",
      "test('sums', () => { assert.equal(1 + 1, 2) })",
      "test('sees no gateway secret', () => { assert.equal(process.env.LYNKR_RUN_CANARY, undefined) })",
      "test('cannot write the workspace', async () => { const fs = await import('node:fs'); assert.throws(() => fs.writeFileSync('written.txt', 'x')) })"
    ].join('\n'))
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root })
    git('init', '-q', '-b', 'main')
    git('add', '.')
    git('commit', '-qm', 'first commit')
  })
  after(() => { rmSync(root, { recursive: true, force: true }) })

  const runTests = (writable = false) => runTestsTool({ root, allowList: new CommandAllowList(['node --test *']), defaultCommand: 'node --test', runtime, writable, timeoutMs: 120_000, outputMax: 30_000 })

  // A file, not a directory: Node 22+ reads `node --test test/` as one module named test.
  test('an allow-listed command runs (sandboxed when bubblewrap is there) with its own environment', { skip: runtime === 'none' ? 'the read-only check needs the sandbox' : false }, async () => {
    process.env.LYNKR_RUN_CANARY = 'gateway-secret'
    try {
      const result = await call(runTests(), { command: 'node --test test/sum.test.mjs' })
      assert.equal(result.isError, false)
      assert.match(result.text, /^\$ node --test test\/sum\.test\.mjs {2}\(exit code 0, sandboxed\)/, result.text)
      assert.match(result.text, /[#ℹ] pass 3/) // TAP on Node 20, the spec reporter on Node 22+
      assert.equal(existsSync(join(root, 'written.txt')), false)
    } finally {
      delete process.env.LYNKR_RUN_CANARY
    }
  })

  test('a command not on the allow-list is refused, naming the policy; shell tricks too', async () => {
    for (const command of ['rm -rf /', 'node -e "require(\'fs\').writeFileSync(\'x\', \'y\')"', 'node --test; id', 'npm test']) {
      const result = await call(runTests(), { command })
      assert.equal(result.isError, true, command)
      assert.match(result.text, /^Refused by POLICY_TEST_COMMANDS: /, command)
    }
  })

  test('git reads work; push, force and history rewrites are refused by their policy', async () => {
    const git = gitTool({ root, policy: DEFAULT_GIT_POLICY, runtime, outputMax: 30_000, timeoutMs: 60_000 })
    const log = await call(git, { command: 'log --oneline' })
    assert.equal(log.isError, false, log.text)
    assert.match(log.text, /first commit/)
    assert.match((await call(git, { command: 'push origin main' })).text, /^Refused by POLICY_GIT_ALLOW_PUSH: git push is not allowed/)
    assert.match((await call(git, { command: 'git push --force' })).text, /^Refused by POLICY_GIT_ALLOW_PUSH/)
    assert.match((await call(git, { command: 'reset --hard HEAD' })).text, /^Refused by POLICY_GIT_ALLOW_REWRITE/)
    assert.match((await call(git, { command: 'commit --amend -m x' })).text, /^Refused by POLICY_GIT_ALLOW_REWRITE/)
    assert.match((await call(git, { command: '-c alias.x=!id x' })).text, /^Refused by POLICY_GIT: /)
    assert.match((await call(git, { command: 'daemon' })).text, /^Refused by POLICY_GIT: git daemon is not one of the subcommands/)
    const pushing = gitTool({ root, policy: { ...DEFAULT_GIT_POLICY, allowPush: true }, runtime, outputMax: 30_000, timeoutMs: 60_000 })
    const push = await call(pushing, { command: 'push origin main' })
    assert.doesNotMatch(push.text, /Refused by/, 'allowed, git itself runs (and fails: there is no remote)')
    assert.equal(push.isError, true)
  })
})
