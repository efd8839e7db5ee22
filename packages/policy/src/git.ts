import { PolicyError } from './policy-error.ts'

export interface GitPolicyOptions {
  /** POLICY_GIT_ALLOW_PUSH (default false). */
  allowPush: boolean
  /** POLICY_GIT_ALLOW_PULL (default true): pull and fetch. */
  allowPull: boolean
  /** POLICY_GIT_ALLOW_COMMIT (default true). */
  allowCommit: boolean
  /** POLICY_GIT_ALLOW_REWRITE (default false): force pushes and history rewrites. */
  allowRewrite: boolean
}

export const DEFAULT_GIT_POLICY: GitPolicyOptions = { allowPush: false, allowPull: true, allowCommit: true, allowRewrite: false }

/** Options before the subcommand that take a value as the next word. */
const GLOBAL_WITH_VALUE = new Set(['-C', '--git-dir', '--work-tree', '--namespace', '--super-prefix'])
/** Global options that run programs or change configuration: a way around every other rule. */
const GLOBAL_REFUSED = new Set(['-c', '--config-env', '--exec-path', '--config'])
/** Options of any subcommand that name a program to run (fetch/pull/clone/push/ls-remote/archive). */
const PROGRAM_OPTIONS = /^--(?:upload-pack|receive-pack|exec)(?:=|$)|^-u$/

/** Subcommands that rewrite history whatever their options. */
const ALWAYS_REWRITE = new Set(['rebase', 'filter-branch', 'filter-repo', 'replace', 'update-ref'])

function has (args: string[], ...flags: string[]): boolean {
  return args.some((arg) => flags.includes(arg) || flags.some((flag) => flag.startsWith('--') && arg.startsWith(`${flag}=`)))
}

/** A short option cluster (-fd) containing the letter. */
function hasShort (args: string[], letter: string): boolean {
  return args.some((arg) => /^-[a-zA-Z]+$/.test(arg) && arg.includes(letter))
}

/** What a git command line does that a policy governs, or undefined for ordinary commands. */
function rewriteOf (subcommand: string, args: string[]): string | undefined {
  if (ALWAYS_REWRITE.has(subcommand)) return `git ${subcommand}`
  switch (subcommand) {
    case 'push':
      if (has(args, '--force', '--force-with-lease', '--force-if-includes', '--mirror', '--delete', '--prune') || hasShort(args, 'f') || hasShort(args, 'd')) return 'a forced or deleting push'
      if (args.some((arg) => arg.startsWith('+') || arg.startsWith(':'))) return 'a forced or deleting refspec'
      return undefined
    case 'pull':
      return has(args, '--rebase', '--force') || hasShort(args, 'r') || hasShort(args, 'f') ? 'git pull --rebase or --force' : undefined
    case 'commit':
      return has(args, '--amend') ? 'git commit --amend' : undefined
    case 'reset':
      return has(args, '--hard', '--merge', '--keep') ? 'git reset --hard' : undefined
    case 'branch':
      return hasShort(args, 'D') || has(args, '--force') || (hasShort(args, 'f') && !has(args, '--list')) ? 'a forced branch change' : undefined
    case 'tag':
      return hasShort(args, 'f') || hasShort(args, 'd') || has(args, '--force', '--delete') ? 'moving or deleting a tag' : undefined
    case 'reflog':
      return args[0] === 'expire' || args[0] === 'delete' ? `git reflog ${args[0]}` : undefined
    case 'gc':
      return args.some((arg) => arg.startsWith('--prune')) ? 'git gc --prune' : undefined
    case 'checkout':
    case 'switch':
      return hasShort(args, 'B') || hasShort(args, 'C') ? 'resetting a branch' : undefined
    default:
      return undefined
  }
}

/**
 * Checks a git command line (the words after `git`) against the git policies: no push unless allowed, no
 * pull/fetch or commit when switched off, no force or history rewrite (reset --hard, rebase, filter-branch,
 * commit --amend, push -f …) unless allowed, and never options that run other programs or override config.
 * Returns the subcommand.
 */
export function checkGitCommand (argv: string[], policy: GitPolicyOptions = DEFAULT_GIT_POLICY): string {
  let i = 0
  for (; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('-')) break
    const name = arg.split('=')[0]!
    if (GLOBAL_REFUSED.has(name) || arg.startsWith('-c')) throw new PolicyError('POLICY_GIT', `git ${name} (configuration overrides and program paths) is not allowed`)
    if (GLOBAL_WITH_VALUE.has(arg)) i++
  }
  const subcommand = argv[i]
  if (subcommand === undefined) throw new PolicyError('POLICY_GIT', 'no git subcommand given')
  const args = argv.slice(i + 1)
  const program = args.find((arg) => PROGRAM_OPTIONS.test(arg) && !(subcommand === 'push' && arg === '-u') && !(subcommand === 'branch' && arg === '-u'))
  if (program !== undefined) throw new PolicyError('POLICY_GIT', `${program} names a program to run and is not allowed`)
  if (subcommand === 'push' && !policy.allowPush) throw new PolicyError('POLICY_GIT_ALLOW_PUSH', 'git push is not allowed')
  if ((subcommand === 'pull' || subcommand === 'fetch') && !policy.allowPull) throw new PolicyError('POLICY_GIT_ALLOW_PULL', `git ${subcommand} is not allowed`)
  if (subcommand === 'commit' && !policy.allowCommit) throw new PolicyError('POLICY_GIT_ALLOW_COMMIT', 'git commit is not allowed')
  const rewrite = rewriteOf(subcommand, args)
  if (rewrite !== undefined && !policy.allowRewrite) throw new PolicyError('POLICY_GIT_ALLOW_REWRITE', `${rewrite} rewrites history and is not allowed`)
  return subcommand
}
