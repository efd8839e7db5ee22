import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { detectRuntime, wrapCommand } from './index.ts'

const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-wrap-')))

/** The value after each occurrence of a flag (pairs such as --bind src dst give their first operand). */
function after (args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => arg === flag ? [args[i + 1]!] : [])
}

describe('wrapCommand: bubblewrap arguments', () => {
  test('read-only workspace, no network, all namespaces, dies with the gateway, env not in argv', () => {
    const wrapped = wrapCommand('node', ['server.js'], { runtime: 'bubblewrap', workspace, env: { PATH: '/usr/bin', SECRET_TOKEN: 's3cret' } })
    const { args } = wrapped
    assert.match(wrapped.command, /bwrap$/)
    for (const flag of ['--unshare-all', '--die-with-parent', '--new-session']) assert.ok(args.includes(flag), flag)
    assert.ok(!args.includes('--share-net'))
    assert.deepEqual(after(args, '--ro-bind').filter((path) => path === workspace), [workspace])
    assert.ok(!after(args, '--bind').includes(workspace))
    assert.deepEqual(after(args, '--tmpfs'), ['/tmp'])
    assert.ok(!args.some((arg) => arg.includes('s3cret')), 'secrets never in argv')
    assert.deepEqual(wrapped.env, { PATH: '/usr/bin', SECRET_TOKEN: 's3cret' })
    assert.deepEqual(args.slice(args.indexOf('--') + 1), ['node', 'server.js'])
    assert.equal(after(args, '--chdir')[0], workspace)
    // The workspace is bound after the empty /tmp, or a workspace under /tmp would be hidden by it.
    assert.ok(args.indexOf(workspace) > args.indexOf('--tmpfs'))
  })

  test('writable workspace and network when allowed; network files of /etc only then', () => {
    const { args } = wrapCommand('sh', [], { runtime: 'bubblewrap', workspace, workspaceWritable: true, network: true, env: {} })
    assert.ok(args.includes('--share-net'))
    assert.ok(after(args, '--bind').includes(workspace))
    assert.ok(after(args, '--ro-bind-try').includes('/etc/resolv.conf'))
    const offline = wrapCommand('sh', [], { runtime: 'bubblewrap', env: {} }).args
    assert.ok(!after(offline, '--ro-bind-try').includes('/etc/resolv.conf'))
    assert.equal(after(offline, '--chdir')[0], '/tmp', 'no workspace: starts in the empty /tmp')
  })

  test('/etc is never bound whole', () => {
    const { args } = wrapCommand('sh', [], { runtime: 'bubblewrap', network: true, env: {} })
    assert.ok(!after(args, '--ro-bind').includes('/etc') && !after(args, '--bind').includes('/etc') && !after(args, '--ro-bind-try').includes('/etc'))
    assert.ok(!after(args, '--ro-bind').includes('/'))
  })
})

describe('wrapCommand: docker and podman arguments', () => {
  test('docker: --rm -i, no network, read-only root, workspace :ro, env by name only', () => {
    const wrapped = wrapCommand('node', ['server.js'], { runtime: 'docker', image: 'node:22-slim', workspace, env: { API_TOKEN: 'tok' } })
    assert.match(wrapped.command, /docker$/)
    const { args } = wrapped
    assert.deepEqual(args.slice(0, 3), ['run', '--rm', '-i'])
    assert.deepEqual(after(args, '--network'), ['none'])
    assert.ok(args.includes('--read-only'))
    assert.deepEqual(after(args, '--cap-drop'), ['ALL'])
    assert.deepEqual(after(args, '-v'), [`${workspace}:${workspace}:ro`])
    assert.deepEqual(after(args, '-w'), [workspace])
    assert.deepEqual(after(args, '-e'), ['API_TOKEN'])
    assert.ok(!args.some((arg) => arg.includes('tok') && arg !== 'API_TOKEN'))
    assert.equal(wrapped.env.API_TOKEN, 'tok')
    assert.deepEqual(args.slice(args.indexOf('node:22-slim')), ['node:22-slim', 'node', 'server.js'])
  })

  test('podman: writable workspace and network when allowed', () => {
    const { command, args } = wrapCommand('python3', ['-m', 'srv'], { runtime: 'podman', image: 'python:3', workspace, workspaceWritable: true, network: true, env: {} })
    assert.match(command, /podman$/)
    assert.deepEqual(after(args, '-v'), [`${workspace}:${workspace}`])
    assert.deepEqual(after(args, '--network'), ['bridge'])
  })

  test('a container runtime without an image is a clear error', () => {
    assert.throws(() => wrapCommand('node', [], { runtime: 'docker', env: {} }), /docker sandbox needs an image/)
  })
})

describe('detectRuntime', () => {
  test('an engine that is absent or has no daemon is not detected', async () => {
    // Neither podman nor a docker daemon runs on the test machines; a binary alone does not count.
    const hasDaemon = (await import('node:child_process')).spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }).status === 0
    assert.equal(await detectRuntime('docker'), hasDaemon ? 'docker' : 'none')
    const withoutPath = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      assert.equal(await detectRuntime('auto'), 'none')
      assert.equal(await detectRuntime('bubblewrap'), 'none')
    } finally {
      process.env.PATH = withoutPath
    }
  })
})
