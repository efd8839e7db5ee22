/**
 * Runs the real Claude Code CLI in print mode against a base URL, isolated as protocols.md A.0 says:
 * a clean environment, a throwaway HOME and working directory, stdin closed, and a hard timeout.
 */
import { fileURLToPath } from 'node:url'
import { runIsolatedCli } from './run-cli.ts'
import type { CliRun } from './run-cli.ts'

export const claudeBin = fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url))

export interface RunClaudeCodeOptions {
  baseUrl: string
  prompt: string
  model?: string
  /** Default 120 s. */
  timeoutMs?: number
  /** Extra environment, e.g. ANTHROPIC_CUSTOM_HEADERS. */
  env?: Record<string, string>
  /** Runs with the throwaway working directory before the CLI starts (seed files a responder reads). */
  prepare?: (cwd: string) => Promise<void> | void
  /** A fixed project directory (emptied before, removed after; several sessions of one project); default a throwaway one. */
  workDir?: string
}

/** `json` is the parsed `--output-format json` result; its `result` holds the final text. */
export type ClaudeCodeRun = CliRun

export async function runClaudeCode (options: RunClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const args = ['-p', options.prompt, '--output-format', 'json', '--allowedTools', 'Bash']
  if (options.model !== undefined) args.push('--model', options.model)
  return await runIsolatedCli({
    bin: claudeBin,
    args,
    tempPrefix: 'lynkr-cc',
    env: {
      ANTHROPIC_BASE_URL: options.baseUrl,
      ANTHROPIC_API_KEY: 'dummy',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ...options.env
    },
    timeoutMs: options.timeoutMs,
    prepare: options.prepare,
    workDir: options.workDir
  })
}
