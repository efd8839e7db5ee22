/**
 * Runs the real Qwen Code CLI headless against an OpenAI base URL (protocols.md A.2), isolated like the
 * Claude Code runner: a clean environment, a throwaway HOME, a working directory the caller may seed with
 * files, stdin closed, and a hard timeout.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'

export const qwenBin = fileURLToPath(new URL('../node_modules/.bin/qwen', import.meta.url))

export interface RunQwenCodeOptions {
  /** The gateway's OpenAI base URL, ending in /v1. */
  baseUrl: string
  prompt: string
  model?: string
  /** Files to create in the session's working directory before the run (name → content). */
  files?: Record<string, string>
  /** Called with the working directory before the CLI starts (to script a responder with its paths). */
  onCwd?: (cwd: string) => void
  /** Default 120 s. */
  timeoutMs?: number
  env?: Record<string, string>
}

export interface QwenCodeRun {
  /** -1 when the process was killed (timeout) without an exit code. */
  exitCode: number
  timedOut: boolean
  stdout: string
  stderr: string
  /** The parsed `--output-format json` output (an array of events, or one result object). */
  json?: any // any on purpose: the CLI's output is not ours to type
  /** The final answer text, from the `result` event. */
  result?: string
}

export async function runQwenCode (options: RunQwenCodeOptions): Promise<QwenCodeRun> {
  const home = await mkdtemp(join(tmpdir(), 'lynkr-qwen-home-'))
  const cwd = await mkdtemp(join(tmpdir(), 'lynkr-qwen-cwd-'))
  try {
    for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(cwd, name), content)
    options.onCwd?.(cwd)
    const args = ['--auth-type', 'openai', '-p', options.prompt, '--output-format', 'json', '--approval-mode', 'yolo', '--max-session-turns', '8']
    const result = await execa(qwenBin, args, {
      cwd,
      extendEnv: false, // the host's variables (real keys, proxies) must not leak in
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        TERM: 'dumb',
        NO_COLOR: '1',
        CI: '1',
        OPENAI_BASE_URL: options.baseUrl,
        OPENAI_API_KEY: 'dummy',
        OPENAI_MODEL: options.model ?? 'gpt-4o-mini',
        QWEN_CODE_DISABLE_TELEMETRY: '1',
        ...options.env
      },
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 120_000,
      forceKillAfterDelay: 5_000,
      reject: false,
      stripFinalNewline: false
    })
    const stdout = String(result.stdout ?? '')
    const json = parseJson(stdout)
    return {
      exitCode: result.exitCode ?? -1,
      timedOut: result.timedOut,
      stdout,
      stderr: String(result.stderr ?? ''),
      json,
      result: resultText(json)
    }
  } finally {
    await Promise.all([home, cwd].map(async (dir) => await rm(dir, { recursive: true, force: true })))
  }
}

function parseJson (stdout: string): unknown {
  try {
    return JSON.parse(stdout) as unknown
  } catch {
    // Warnings may precede the JSON; it is the last line.
    const last = stdout.trim().split('\n').at(-1)
    try {
      return last === undefined ? undefined : JSON.parse(last) as unknown
    } catch {
      return undefined
    }
  }
}

function resultText (json: unknown): string | undefined {
  const events = Array.isArray(json) ? json : [json]
  for (const event of events.toReversed()) {
    const record = event as { type?: unknown, result?: unknown } | null
    if (record !== null && typeof record === 'object' && typeof record.result === 'string') return record.result
  }
  return undefined
}
