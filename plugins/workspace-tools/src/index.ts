import { existsSync, statSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { GatewayTool } from '@lynkr/protocol'
import { LynkrConfigError, requireVariable } from '@lynkr/core'
import { CommandAllowList, FilePolicy, WebPolicy } from '@lynkr/policy'
import type { GitPolicyOptions } from '@lynkr/policy'
import { detectRuntime } from '@lynkr/sandbox'
import { readTool } from './read.ts'
import { globTool, listTool } from './list.ts'
import { grepTool } from './grep.ts'
import { webFetchTool } from './web-fetch.ts'
import type { Resolve } from './guarded-fetch.ts'
import { runTestsTool } from './run-tests.ts'
import { gitTool } from './git-tool.ts'
import { refusalsAsResults } from './tool-result.ts'

export type TestSandbox = 'auto' | 'always' | 'never'

export interface WorkspaceToolsOptions {
  root: string
  allowedPaths: string[]
  /** undefined = the defaults (common secret files). */
  blockedPaths: string[] | undefined
  git: GitPolicyOptions
  testCommands: string[]
  defaultTestCommand: string | undefined
  testTimeoutMs: number
  testSandbox: TestSandbox
  testWritable: boolean
  webAllowedHosts: string[]
  webBlockedHosts: string[]
  webAllowLoopback: boolean
  webTimeoutMs: number
  webPreviewMax: number
  disallowedTools: string[]
  /** Tests replace DNS. */
  resolve?: Resolve
}

const OUTPUT_MAX = 30_000
const GIT_TIMEOUT_MS = 60_000

async function workspaceToolsPlugin (app: FastifyInstance, options: WorkspaceToolsOptions): Promise<void> {
  if (!existsSync(options.root) || !statSync(options.root).isDirectory()) throw new LynkrConfigError(`WORKSPACE_ROOT="${options.root}" is not a directory`, 'WORKSPACE_ROOT')
  const files = new FilePolicy({ root: options.root, allowedPaths: options.allowedPaths, blockedPaths: options.blockedPaths })
  const root = files.root
  // The sandbox for commands (tests, git): bubblewrap, the one engine that needs no image with the project's toolchain.
  const runtime = options.testSandbox === 'never' ? 'none' : await detectRuntime('bubblewrap')
  if (runtime === 'none' && options.testSandbox === 'always') throw new LynkrConfigError('WORKSPACE_TEST_SANDBOX=always but bubblewrap cannot run here (install it: apt-get install bubblewrap; inside a container it needs user namespaces)', 'WORKSPACE_TEST_SANDBOX')
  if (runtime === 'none' && options.testSandbox === 'auto') app.log.warn('workspace tools: bubblewrap is not available, so tests and git run unsandboxed (with a minimal environment) in WORKSPACE_ROOT; WORKSPACE_TEST_SANDBOX=always makes this a boot error')
  const allowList = new CommandAllowList([...options.testCommands, ...(options.defaultTestCommand === undefined ? [] : [options.defaultTestCommand])])
  const web = new WebPolicy({ allowedHosts: options.webAllowedHosts, blockedHosts: options.webBlockedHosts, allowLoopback: options.webAllowLoopback })
  if (options.webAllowLoopback) app.log.warn('POLICY_WEB_FETCH_ALLOW_LOOPBACK=true: workspace_web_fetch may reach loopback addresses of the hosts named in POLICY_WEB_FETCH_ALLOWED_HOSTS (meant for tests)')

  const tools: GatewayTool[] = [
    readTool(files),
    listTool(files),
    globTool(files),
    grepTool(files),
    gitTool({ root, policy: options.git, runtime, outputMax: OUTPUT_MAX, timeoutMs: GIT_TIMEOUT_MS }),
    webFetchTool({ policy: web, timeoutMs: options.webTimeoutMs, previewMax: options.webPreviewMax, resolve: options.resolve })
  ]
  if (allowList.size > 0) tools.push(runTestsTool({ root, allowList, defaultCommand: options.defaultTestCommand, runtime, writable: options.testWritable, timeoutMs: options.testTimeoutMs, outputMax: OUTPUT_MAX }))
  for (const tool of tools) {
    if (options.disallowedTools.includes(tool.name)) continue
    app.lynkr.gatewayTools.register(refusalsAsResults(tool))
  }
  app.log.info({ root, sandbox: runtime, tools: tools.map((tool) => tool.name).filter((name) => !options.disallowedTools.includes(name)) }, 'workspace tools registered')
}

export default fp(workspaceToolsPlugin, { name: '@lynkr/workspace-tools', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

const list = (text: string | undefined): string[] => (text ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '')

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['WORKSPACE_TOOLS_ENABLED'],
  env: Type.Object({
    WORKSPACE_TOOLS_ENABLED: Type.Boolean({ default: false, description: 'offer the model gateway-run tools over WORKSPACE_ROOT: workspace_read, _list, _glob, _grep, _git, _web_fetch, _run_tests (confined by the POLICY_* settings)' }),
    WORKSPACE_ROOT: Type.Optional(Type.String({ description: 'the directory the workspace tools may see (required with WORKSPACE_TOOLS_ENABLED); nothing outside it is reachable, symlinks included' })),
    POLICY_FILE_ALLOWED_PATHS: Type.Optional(Type.String({ description: 'comma list of globs inside the workspace (src/**, docs): when set, only these paths are readable' })),
    POLICY_FILE_BLOCKED_PATHS: Type.Optional(Type.String({ description: 'comma list of globs never readable (a name without / matches anywhere); default .env, .env.*, .ssh, .aws, .netrc, .npmrc, .pypirc, .git-credentials, *.pem, *.key, id_rsa, id_ecdsa, id_ed25519' })),
    POLICY_GIT_ALLOW_PUSH: Type.Boolean({ default: false, description: 'workspace_git may push' }),
    POLICY_GIT_ALLOW_PULL: Type.Boolean({ default: true, description: 'workspace_git may pull and fetch' }),
    POLICY_GIT_ALLOW_COMMIT: Type.Boolean({ default: true, description: 'workspace_git may commit' }),
    POLICY_GIT_ALLOW_REWRITE: Type.Boolean({ default: false, description: 'workspace_git may force-push and rewrite history (reset --hard, rebase, commit --amend, filter-branch, branch -D)' }),
    POLICY_TEST_COMMANDS: Type.Optional(Type.String({ description: 'comma list of test commands workspace_run_tests may run, word for word; an entry ending in " *" allows extra arguments (npx vitest run *)' })),
    WORKSPACE_TEST_COMMAND: Type.Optional(Type.String({ description: 'the default test command (always allowed), e.g. npm test' })),
    WORKSPACE_TEST_ARGS: Type.Optional(Type.String({ description: 'comma list of arguments added to WORKSPACE_TEST_COMMAND' })),
    WORKSPACE_TEST_TIMEOUT_MS: Type.Integer({ default: 600000, minimum: 1000, description: 'a test run is stopped after this many ms' }),
    WORKSPACE_TEST_SANDBOX: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], { default: 'auto', description: 'run tests and git inside bubblewrap: auto (when available), always (boot error without it), never' }),
    WORKSPACE_TEST_WRITABLE: Type.Boolean({ default: false, description: 'sandboxed test runs may write to the workspace (coverage, caches); /tmp is always writable and empty' }),
    POLICY_WEB_FETCH_ALLOWED_HOSTS: Type.Optional(Type.String({ description: 'comma list of hosts workspace_web_fetch may fetch (example.com, *.example.com); empty = any public host' })),
    POLICY_WEB_FETCH_BLOCKED_HOSTS: Type.Optional(Type.String({ description: 'comma list of hosts never fetched' })),
    POLICY_WEB_FETCH_ALLOW_LOOPBACK: Type.Boolean({ default: false, description: 'DANGEROUS, for tests: loopback addresses become reachable for hosts named exactly in POLICY_WEB_FETCH_ALLOWED_HOSTS (private and metadata addresses never are)' }),
    WEB_FETCH_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, description: 'a fetch (with its redirects) is stopped after this many ms' }),
    WEB_FETCH_BODY_PREVIEW_MAX: Type.Integer({ default: 10000, minimum: 100, description: 'characters of a fetched page shown to the model' }),
    POLICY_DISALLOWED_TOOLS: Type.Optional(Type.String({ description: 'comma list of workspace tools not to offer (workspace_git, workspace_web_fetch, …)' }))
  }),
  toOptions: (env): WorkspaceToolsOptions => {
    const root = requireVariable(env.WORKSPACE_ROOT, 'WORKSPACE_ROOT', 'the workspace tools need the directory they may see')
    const testCommand = env.WORKSPACE_TEST_COMMAND?.trim()
    const testArgs = list(env.WORKSPACE_TEST_ARGS)
    return {
      root,
      allowedPaths: list(env.POLICY_FILE_ALLOWED_PATHS),
      blockedPaths: env.POLICY_FILE_BLOCKED_PATHS === undefined ? undefined : list(env.POLICY_FILE_BLOCKED_PATHS),
      git: { allowPush: env.POLICY_GIT_ALLOW_PUSH, allowPull: env.POLICY_GIT_ALLOW_PULL, allowCommit: env.POLICY_GIT_ALLOW_COMMIT, allowRewrite: env.POLICY_GIT_ALLOW_REWRITE },
      testCommands: list(env.POLICY_TEST_COMMANDS),
      defaultTestCommand: testCommand === undefined || testCommand === '' ? undefined : [testCommand, ...testArgs].join(' '),
      testTimeoutMs: env.WORKSPACE_TEST_TIMEOUT_MS,
      testSandbox: env.WORKSPACE_TEST_SANDBOX,
      testWritable: env.WORKSPACE_TEST_WRITABLE,
      webAllowedHosts: list(env.POLICY_WEB_FETCH_ALLOWED_HOSTS),
      webBlockedHosts: list(env.POLICY_WEB_FETCH_BLOCKED_HOSTS),
      webAllowLoopback: env.POLICY_WEB_FETCH_ALLOW_LOOPBACK,
      webTimeoutMs: env.WEB_FETCH_TIMEOUT_MS,
      webPreviewMax: env.WEB_FETCH_BODY_PREVIEW_MAX,
      disallowedTools: list(env.POLICY_DISALLOWED_TOOLS)
    }
  }
})

export { guardedFetch, guardedAgent } from './guarded-fetch.ts'
