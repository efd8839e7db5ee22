/**
 * Runs the real Claude Code CLI in print mode against a base URL, isolated as protocols.md A.0 says:
 * a clean environment, a throwaway HOME and working directory, stdin closed, and a hard timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'

export const claudeBin = fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url))

export interface RunClaudeCodeOptions {
  baseUrl: string
  prompt: string
  model?: string
  /** Default 120 s. */
  timeoutMs?: number
  /** Extra environment, e.g. ANTHROPIC_CUSTOM_HEADERS. */
  env?: Record<string, string>
}

export interface ClaudeCodeRun {
  /** -1 when the process was killed (timeout) without an exit code. */
  exitCode: number
  timedOut: boolean
  stdout: string
  stderr: string
  /** The parsed `--output-format json` result; `result` holds the final text. */
  json?: any // any on purpose: the CLI's result object is not ours to type
}

export async function runClaudeCode (options: RunClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const home = await mkdtemp(join(tmpdir(), 'lynkr-cc-home-'))
  const cwd = await mkdtemp(join(tmpdir(), 'lynkr-cc-cwd-'))
  try {
    const args = ['-p', options.prompt, '--output-format', 'json', '--allowedTools', 'Bash']
    if (options.model !== undefined) args.push('--model', options.model)
    const result = await execa(claudeBin, args, {
      cwd,
      extendEnv: false, // the host's variables (a real ANTHROPIC_API_KEY, proxies) must not leak in
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        TERM: 'dumb',
        ANTHROPIC_BASE_URL: options.baseUrl,
        ANTHROPIC_API_KEY: 'dummy',
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        ...options.env
      },
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 120_000,
      forceKillAfterDelay: 5_000,
      reject: false,
      stripFinalNewline: false
    })
    const stdout = String(result.stdout ?? '')
    return {
      exitCode: result.exitCode ?? -1,
      timedOut: result.timedOut,
      stdout,
      stderr: String(result.stderr ?? ''),
      json: parseJson(stdout)
    }
  } finally {
    await Promise.all([home, cwd].map(async (dir) => await rm(dir, { recursive: true, force: true })))
  }
}

function parseJson (stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown
  } catch {
    // Print mode can emit warnings before the result; the result is the last JSON line.
    const last = stdout.trim().split('\n').at(-1)
    try {
      return last === undefined ? undefined : JSON.parse(last) as unknown
    } catch {
      return undefined
    }
  }
}
