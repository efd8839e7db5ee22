import type { GatewayTool } from '@lynkr/protocol'
import { PolicyError, checkGitCommand, splitCommandLine } from '@lynkr/policy'
import type { GitPolicyOptions } from '@lynkr/policy'
import type { DetectedRuntime } from '@lynkr/sandbox'
import { confinedRun } from './confined-run.ts'
import { capText } from './tool-result.ts'

/** Subcommands that only read: run with the workspace read-only. */
const READING = new Set(['status', 'diff', 'log', 'show', 'blame', 'ls-files', 'rev-parse', 'describe', 'shortlog', 'grep', 'remote', 'config', 'reflog'])
/** Subcommands that change the repository or talk to a remote. */
const WRITING = new Set(['branch', 'tag', 'stash', 'add', 'rm', 'mv', 'restore', 'commit', 'reset', 'checkout', 'switch', 'merge', 'rebase', 'cherry-pick', 'revert', 'push', 'pull', 'fetch'])
const NETWORK = new Set(['push', 'pull', 'fetch'])

/**
 * Settings every git run gets, after the policy check of the model's words: no hooks or fsmonitor (programs
 * from the repository), no pager, no configuration from outside the repository.
 */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.pager=cat', '-c', 'credential.helper=', '--no-pager']

export interface GitSettings { root: string, policy: GitPolicyOptions, runtime: DetectedRuntime, outputMax: number, timeoutMs: number }

export function gitTool (settings: GitSettings): GatewayTool {
  return {
    name: 'workspace_git',
    description: 'Run git in the workspace (status, diff, log, show, blame, add, commit, …). Push, force and history rewrites are refused unless the gateway\'s policy allows them.',
    input_schema: { type: 'object', properties: { command: { type: 'string', description: 'the words after git, e.g. "log --oneline -5"' } }, required: ['command'] },
    execute: async (input, { signal }) => {
      const words = splitCommandLine(typeof input.command === 'string' ? input.command.replace(/^\s*git\s+/, '') : '', 'POLICY_GIT')
      const subcommand = checkGitCommand(words, settings.policy)
      if (!READING.has(subcommand) && !WRITING.has(subcommand)) throw new PolicyError('POLICY_GIT', `git ${subcommand} is not one of the subcommands the gateway runs (${[...READING, ...WRITING].join(', ')})`)
      if (subcommand === 'config' && !words.some((word) => word === '--get' || word === '--list' || word === '-l' || word.startsWith('--get'))) throw new PolicyError('POLICY_GIT', 'git config may only read (--get, --list)')
      const result = await confinedRun('git', [...SAFE_CONFIG, ...words], {
        root: settings.root,
        runtime: settings.runtime,
        writable: WRITING.has(subcommand),
        network: NETWORK.has(subcommand),
        timeoutMs: settings.timeoutMs,
        signal,
        maxBuffer: settings.outputMax * 16
      })
      const output = capText(result.output, settings.outputMax)
      if (result.timedOut) return { content: `git ${subcommand} did not finish within ${settings.timeoutMs} ms.\n${output}`, isError: true }
      return { content: output === '' ? `(git ${subcommand}: no output, exit code ${String(result.exitCode)})` : output, isError: result.exitCode !== 0 }
    }
  }
}
