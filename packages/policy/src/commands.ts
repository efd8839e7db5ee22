import { parse } from 'shell-quote'
import { PolicyError } from './policy-error.ts'

/**
 * A command line as words, without a shell: quotes group words; operators (; | && > <), substitutions,
 * variables, globs and comments are refused — the command runs with execve, not a shell, and must mean
 * exactly what the allow-list says.
 */
export function splitCommandLine (line: string, policy = 'POLICY_TEST_COMMANDS'): string[] {
  if (/[`\n\r]|\$\(/.test(line)) throw new PolicyError(policy, 'command substitution and line breaks are not allowed')
  const words: string[] = []
  for (const token of parse(line, (name) => ({ variable: name }) as never)) {
    if (typeof token === 'string') { words.push(token); continue }
    if ('variable' in (token as object)) throw new PolicyError(policy, 'shell variables are not expanded (no shell runs the command)')
    if ('op' in token && token.op === 'glob') throw new PolicyError(policy, `the glob ${token.pattern} is not expanded (no shell runs the command)`)
    if ('comment' in token) throw new PolicyError(policy, 'comments are not allowed in a command')
    throw new PolicyError(policy, `the shell operator ${'op' in token ? String(token.op) : '?'} is not allowed (no shell runs the command)`)
  }
  if (words.length === 0) throw new PolicyError(policy, 'the command is empty')
  return words
}

/**
 * The allow-list of test commands (POLICY_TEST_COMMANDS, plus WORKSPACE_TEST_COMMAND): each entry is a command
 * line; the command must equal it word for word, or start with it when the entry ends in ` *` (extra
 * arguments allowed, such as a test file or a filter).
 */
export class CommandAllowList {
  private readonly entries: Array<{ words: string[], open: boolean, text: string }>
  private readonly policy: string

  constructor (entries: string[], policy = 'POLICY_TEST_COMMANDS') {
    this.policy = policy
    this.entries = entries.map((text) => text.trim()).filter((text) => text !== '').map((text) => {
      const open = /\s\*$/.test(text)
      return { words: splitCommandLine(open ? text.replace(/\s\*$/, '') : text, policy), open, text }
    })
  }

  get size (): number { return this.entries.length }

  /** The command's words when an entry allows it, else a PolicyError naming the allow-list. */
  check (line: string): string[] {
    const words = splitCommandLine(line, this.policy)
    if (this.entries.length === 0) throw new PolicyError(this.policy, 'no test commands are allowed (the allow-list is empty)')
    const allowed = this.entries.some((entry) => entry.open
      ? words.length >= entry.words.length && entry.words.every((word, i) => words[i] === word)
      : words.length === entry.words.length && entry.words.every((word, i) => words[i] === word))
    if (!allowed) throw new PolicyError(this.policy, `"${line}" is not an allowed test command (allowed: ${this.entries.map((entry) => entry.text).join(', ')})`)
    return words
  }
}
