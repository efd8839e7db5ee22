import { realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname } from 'node:path'
import { execa } from 'execa'
import { wrapCommand } from '@lynkr/sandbox'
import type { DetectedRuntime } from '@lynkr/sandbox'

export interface RunOptions {
  root: string
  runtime: DetectedRuntime
  writable: boolean
  network: boolean
  timeoutMs: number
  signal: AbortSignal
  /** Output bytes kept (stdout and stderr interleaved); a process that prints more is stopped. */
  maxBuffer: number
}

export interface RunResult { exitCode: number | undefined, output: string, timedOut: boolean, cancelled: boolean, tooMuchOutput: boolean, sandboxed: boolean }

/** Where node lives, when not under /usr: the sandbox shows it read-only so npm and npx run inside. */
function toolchainDirs (): string[] {
  const dir = dirname(dirname(realpathSync(process.execPath)))
  return dir === '/usr' || dir.startsWith('/usr/') ? [] : [dir]
}

/**
 * Runs a command for a tool: inside the sandbox when one is available (the workspace read-only unless
 * `writable`, no network unless `network`), else directly in the workspace. Either way the environment is a
 * minimal one of its own — never the gateway's (provider keys, LYNKR_API_KEY).
 */
export async function confinedRun (command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const extra = toolchainDirs()
  const sandboxed = options.runtime !== 'none'
  const env: Record<string, string> = {
    PATH: sandboxed ? [...extra.map((dir) => `${dir}/bin`), '/usr/local/bin', '/usr/bin', '/bin'].join(':') : (process.env.PATH ?? '/usr/bin:/bin'),
    HOME: sandboxed ? '/tmp' : tmpdir(),
    TMPDIR: sandboxed ? '/tmp' : tmpdir(),
    CI: 'true',
    NO_COLOR: '1',
    TERM: 'dumb',
    LANG: 'C.UTF-8'
  }
  const spawn = options.runtime !== 'none'
    ? wrapCommand(command, args, { runtime: options.runtime, workspace: options.root, workspaceWritable: options.writable, network: options.network, env, cwd: options.root, readOnlyPaths: extra })
    : { command, args, env }
  const subprocess = execa(spawn.command, spawn.args, {
    env: spawn.env,
    extendEnv: false,
    cwd: options.root,
    stdin: 'ignore',
    all: true,
    reject: false,
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    maxBuffer: options.maxBuffer,
    forceKillAfterDelay: 2000,
    // Its own process group when not sandboxed, so a timeout can end the whole tree (npm test spawns children).
    detached: !sandboxed,
    stripFinalNewline: false
  })
  const result = await subprocess
  if (!sandboxed && subprocess.pid !== undefined && (result.timedOut || result.isCanceled || result.isMaxBuffer)) {
    try { process.kill(-subprocess.pid, 'SIGKILL') } catch {}
  }
  return {
    exitCode: result.exitCode,
    output: typeof result.all === 'string' ? result.all : '',
    timedOut: result.timedOut,
    cancelled: result.isCanceled,
    tooMuchOutput: result.isMaxBuffer,
    sandboxed
  }
}
