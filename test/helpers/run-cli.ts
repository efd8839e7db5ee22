/**
 * Runs a real agent CLI as protocols.md A.0 says: a clean environment (nothing of the host's leaks in), a
 * throwaway HOME and working directory, stdin closed, and a hard timeout. Shared by the Claude Code and
 * Qwen Code runners.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'

export interface IsolatedCliOptions {
  bin: string
  args: string[]
  /** Prefix of the temporary HOME (`<prefix>-home-`) and working directory (`<prefix>-cwd-`). */
  tempPrefix: string
  /** The CLI's own variables, over PATH, HOME and TERM. */
  env: Record<string, string>
  /** Default 120 s. */
  timeoutMs?: number
  /** Runs with the working directory before the CLI starts (seed files, script a responder with its paths). */
  prepare?: (cwd: string) => Promise<void> | void
  /** A fixed working directory instead of a fresh temporary one (recordings whose tool output names paths); emptied before and removed after. */
  workDir?: string
}

export interface CliRun {
  /** -1 when the process was killed (timeout) without an exit code. */
  exitCode: number
  timedOut: boolean
  stdout: string
  stderr: string
  /** The parsed `--output-format json` output. */
  json?: any // any on purpose: the CLI's output is not ours to type
}

export async function runIsolatedCli (options: IsolatedCliOptions): Promise<CliRun> {
  const home = await mkdtemp(join(tmpdir(), `${options.tempPrefix}-home-`))
  const cwd = options.workDir ?? await mkdtemp(join(tmpdir(), `${options.tempPrefix}-cwd-`))
  if (options.workDir !== undefined) {
    await rm(cwd, { recursive: true, force: true })
    await mkdir(cwd, { recursive: true })
  }
  try {
    await options.prepare?.(cwd)
    const result = await execa(options.bin, options.args, {
      cwd,
      extendEnv: false, // the host's variables (real keys, proxies) must not leak in
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        TERM: 'dumb',
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
    // Print mode can emit warnings before the result: the result is the last line.
    const last = stdout.trim().split('\n').at(-1)
    try {
      return last === undefined ? undefined : JSON.parse(last) as unknown
    } catch {
      return undefined
    }
  }
}
