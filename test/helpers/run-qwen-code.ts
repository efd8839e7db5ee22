/**
 * Runs the real Qwen Code CLI headless against an OpenAI base URL (protocols.md A.2), isolated like the
 * Claude Code runner: a clean environment, a throwaway HOME, a working directory the caller may seed with
 * files, stdin closed, and a hard timeout.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runIsolatedCli } from './run-cli.ts'
import type { CliRun } from './run-cli.ts'

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

/** `json` is the parsed `--output-format json` output (an array of events, or one result object). */
export interface QwenCodeRun extends CliRun {
  /** The final answer text, from the `result` event. */
  result?: string
}

export async function runQwenCode (options: RunQwenCodeOptions): Promise<QwenCodeRun> {
  const run = await runIsolatedCli({
    bin: qwenBin,
    args: ['--auth-type', 'openai', '-p', options.prompt, '--output-format', 'json', '--approval-mode', 'yolo', '--max-session-turns', '8'],
    tempPrefix: 'lynkr-qwen',
    env: {
      NO_COLOR: '1',
      CI: '1',
      OPENAI_BASE_URL: options.baseUrl,
      OPENAI_API_KEY: 'dummy',
      OPENAI_MODEL: options.model ?? 'gpt-4o-mini',
      QWEN_CODE_DISABLE_TELEMETRY: '1',
      ...options.env
    },
    timeoutMs: options.timeoutMs,
    prepare: async (cwd) => {
      for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(join(cwd, name), content)
      options.onCwd?.(cwd)
    }
  })
  return { ...run, result: resultText(run.json) }
}

function resultText (json: unknown): string | undefined {
  const events = Array.isArray(json) ? json : [json]
  for (const event of events.toReversed()) {
    const record = event as { type?: unknown, result?: unknown } | null
    if (record !== null && typeof record === 'object' && typeof record.result === 'string') return record.result
  }
  return undefined
}
