import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkGitCommand, DEFAULT_GIT_POLICY } from './git.ts'
import { PolicyError } from './policy-error.ts'

function refusedBy (argv: string[], policy: string, options = DEFAULT_GIT_POLICY): void {
  assert.throws(() => checkGitCommand(argv, options), (error: unknown) => error instanceof PolicyError && error.policy === policy, `git ${argv.join(' ')} should be refused by ${policy}`)
}

describe('git policy', () => {
  test('ordinary commands pass and name their subcommand', () => {
    assert.equal(checkGitCommand(['status']), 'status')
    assert.equal(checkGitCommand(['-C', 'sub', 'log', '--oneline']), 'log')
    assert.equal(checkGitCommand(['commit', '-m', 'msg']), 'commit')
    assert.equal(checkGitCommand(['reset', 'HEAD', 'file']), 'reset')
    assert.equal(checkGitCommand(['branch', '-d', 'merged']), 'branch')
  })

  test('push is refused by default; allowed, a forced push still is not', () => {
    refusedBy(['push'], 'POLICY_GIT_ALLOW_PUSH')
    refusedBy(['push', 'origin', 'main'], 'POLICY_GIT_ALLOW_PUSH')
    const pushing = { ...DEFAULT_GIT_POLICY, allowPush: true }
    assert.equal(checkGitCommand(['push', '-u', 'origin', 'main'], pushing), 'push')
    for (const argv of [['push', '-f'], ['push', '--force'], ['push', '--force-with-lease'], ['push', 'origin', '+main'], ['push', '-fu', 'origin'], ['push', '--delete', 'origin', 'x'], ['push', 'origin', ':x'], ['push', '--mirror']]) refusedBy(argv, 'POLICY_GIT_ALLOW_REWRITE', pushing)
    assert.equal(checkGitCommand(['push', '--force'], { ...pushing, allowRewrite: true }), 'push')
  })

  test('history rewrites are refused unless allowed', () => {
    for (const argv of [['reset', '--hard'], ['reset', '--hard', 'HEAD~3'], ['rebase', '-i', 'main'], ['filter-branch', '--tree-filter', 'x'], ['commit', '--amend', '-m', 'x'], ['branch', '-D', 'x'], ['tag', '-f', 'v1'], ['reflog', 'expire', '--all'], ['update-ref', '-d', 'refs/heads/x'], ['pull', '--rebase'], ['checkout', '-B', 'main']]) refusedBy(argv, 'POLICY_GIT_ALLOW_REWRITE')
    assert.equal(checkGitCommand(['rebase', 'main'], { ...DEFAULT_GIT_POLICY, allowRewrite: true }), 'rebase')
  })

  test('pull and commit switches', () => {
    refusedBy(['pull'], 'POLICY_GIT_ALLOW_PULL', { ...DEFAULT_GIT_POLICY, allowPull: false })
    refusedBy(['fetch', 'origin'], 'POLICY_GIT_ALLOW_PULL', { ...DEFAULT_GIT_POLICY, allowPull: false })
    refusedBy(['commit', '-m', 'x'], 'POLICY_GIT_ALLOW_COMMIT', { ...DEFAULT_GIT_POLICY, allowCommit: false })
  })

  test('configuration overrides and program options, which would get around every rule, are refused', () => {
    refusedBy(['-c', 'alias.st=!sh -c id', 'st'], 'POLICY_GIT')
    refusedBy(['-ccore.sshCommand=sh', 'fetch'], 'POLICY_GIT')
    refusedBy(['--exec-path=/tmp', 'status'], 'POLICY_GIT')
    refusedBy(['fetch', '--upload-pack=touch /tmp/x', 'origin'], 'POLICY_GIT')
    refusedBy([], 'POLICY_GIT')
  })
})
