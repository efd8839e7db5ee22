import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dirname } from 'node:path'
import { launchCommand, prepareSandbox } from './launch.ts'
import { childEnv } from './child-env.ts'
import type { ServerSpec } from './server-spec.ts'

const server: ServerSpec = { id: 's', name: 's', transport: 'stdio', command: 'node', args: ['server.js'], env: { GRANTED: 'yes' }, headers: {}, source: 'm.json' }
const host = { PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', OPENAI_API_KEY: 'sk-secret', LYNKR_API_KEY: 'lk-secret', AWS_SECRET_ACCESS_KEY: 'aws', MCP_MANIFEST_DIRS: '/x' }

test('a child gets the minimal base and its manifest\'s variables, nothing else', () => {
  assert.deepEqual(childEnv({ GRANTED: 'yes' }, host), { PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', GRANTED: 'yes' })
  assert.deepEqual(childEnv({ PATH: '/opt/bin' }, host).PATH, '/opt/bin', 'a manifest may set the base ones')
  assert.deepEqual(launchCommand(server, undefined, host), { command: 'node', args: ['server.js'], env: { PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', GRANTED: 'yes' } })
})

test('the sandbox: off by default; when on, every stdio launch goes through wrapCommand with the runtime found at boot', async () => {
  assert.equal(await prepareSandbox({ enabled: false, runtime: 'auto', workspaceWritable: false, network: false, readOnlyPaths: [] }, async () => { throw new Error('not loaded') }), undefined)
  const seen: unknown[] = []
  const fakeSandbox = {
    detectRuntime: async (preferred: string) => { seen.push(['detect', preferred]); return 'bubblewrap' as const },
    wrapCommand: (command: string, args: string[], options: Record<string, unknown>) => { seen.push(['wrap', command, args, options]); return { command: 'bwrap', args: ['--ro-bind', '/', '/', command, ...args], env: options.env as Record<string, string> } }
  }
  const wrap = await prepareSandbox({ enabled: true, runtime: 'auto', workspace: '/work', workspaceWritable: false, network: false, readOnlyPaths: [] }, async () => fakeSandbox)
  const launch = launchCommand({ ...server, cwd: '/work' }, wrap, host)
  assert.deepEqual(launch, { command: 'bwrap', args: ['--ro-bind', '/', '/', 'node', 'server.js'], env: { PATH: '/usr/bin', HOME: '/home/u', LANG: 'C.UTF-8', GRANTED: 'yes' }, cwd: '/work' })
  assert.deepEqual(seen[1], ['wrap', 'node', ['server.js'], { runtime: 'bubblewrap', workspace: '/work', workspaceWritable: false, network: false, readOnlyPaths: [dirname(process.execPath)], env: launch.env, cwd: '/work' }])
})

test('a required sandbox without its package or an engine is a boot error naming the variable', async () => {
  await assert.rejects(prepareSandbox({ enabled: true, runtime: 'auto', workspaceWritable: false, network: false, readOnlyPaths: [] }, async () => { throw new Error('Cannot find package') }), /MCP_SANDBOX_ENABLED=true needs the @lynkr\/sandbox package/)
  const none = { detectRuntime: async () => 'none' as const, wrapCommand: () => { throw new Error('unused') } }
  await assert.rejects(prepareSandbox({ enabled: true, runtime: 'docker', workspaceWritable: false, network: false, readOnlyPaths: [] }, async () => none), /no sandbox engine was found \(MCP_SANDBOX_RUNTIME=docker/)
  const docker = { detectRuntime: async () => 'docker' as const, wrapCommand: () => { throw new Error('unused') } }
  await assert.rejects(prepareSandbox({ enabled: true, runtime: 'auto', workspaceWritable: false, network: false, readOnlyPaths: [] }, async () => docker), /resolved to docker, which needs MCP_SANDBOX_IMAGE/)
})
