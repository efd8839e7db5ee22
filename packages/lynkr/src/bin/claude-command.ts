import { spawn } from 'node:child_process'
import { accessSync, constants, mkdirSync } from 'node:fs'
import { delimiter, join, resolve } from 'node:path'
import { tmpdir } from 'node:os'
import pino from 'pino'
import { LynkrConfigError } from '@lynkr/core'
import { buildServer } from '../server.ts'
import { dialUrl, listenAddress, listenError, whoListens } from './cli-env.ts'
import { collectWhenQuiet } from './idle-collector.ts'
import { boundPort } from './start-command.ts'

/** Claude Code's executable: CLAUDE_CODE_BIN, else `claude` on PATH. */
export function findClaudeCode (env: Record<string, string | undefined>): string {
  const configured = env.CLAUDE_CODE_BIN?.trim()
  if (configured) return configured
  const names = process.platform === 'win32' ? ['claude.cmd', 'claude.exe', 'claude'] : ['claude']
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = join(dir, name)
      try { accessSync(candidate, constants.X_OK); return candidate } catch {}
    }
  }
  throw new LynkrConfigError('Claude Code was not found on PATH: install it (npm install -g @anthropic-ai/claude-code) or set CLAUDE_CODE_BIN to its executable', 'CLAUDE_CODE_BIN')
}

/** The gateway's log, off the terminal Claude Code draws on: next to the store, or in the temp dir. */
function logFile (env: Record<string, string | undefined>): string {
  const dataDir = env.LYNKR_DATA_DIR?.trim() || './data'
  if (dataDir === ':memory:') return join(tmpdir(), `lynkr-${process.pid}.log`)
  mkdirSync(resolve(dataDir), { recursive: true })
  return join(resolve(dataDir), 'lynkr.log')
}

/**
 * `lynkr claude [args]`: runs Claude Code against the lynkr on PORT, starting one in this process when none
 * is running there (and closing it when Claude Code exits). Resolves with Claude Code's exit code.
 */
export async function claudeCommand (options: { port?: string, host?: string }, args: string[]): Promise<number> {
  const address = listenAddress(options, process.env)
  const bin = findClaudeCode(process.env)
  let url = dialUrl(address)
  let stop = async (): Promise<void> => {}

  const listening = address.port === 0 ? 'nothing' : await whoListens(url)
  if (listening === 'other') throw new LynkrConfigError(`port ${address.port} is taken by something that is not lynkr: set PORT to a free port`, 'PORT')
  if (listening === 'lynkr') {
    process.stderr.write(`lynkr: using the lynkr already running at ${url}\n`)
  } else {
    const log = logFile(process.env)
    const app = await buildServer({ env: process.env, logger: { level: process.env.LOG_LEVEL ?? 'info', stream: pino.destination({ dest: log, append: true, sync: true }) } })
    collectWhenQuiet(app)
    try {
      await app.listen({ port: address.port, host: address.host })
    } catch (error) {
      await app.close().catch(() => {})
      throw listenError(error, address)
    }
    url = dialUrl({ ...address, port: boundPort(app) })
    process.stderr.write(`lynkr: started at ${url} for this Claude Code session (log: ${log})\n`)
    stop = async () => { await app.close() }
  }

  const env: Record<string, string | undefined> = { ...process.env, ANTHROPIC_BASE_URL: url }
  // lynkr answers for the provider's key; Claude Code still wants one. LYNKR_API_KEY, when set, is the one lynkr checks.
  if (process.env.LYNKR_API_KEY?.trim()) env.ANTHROPIC_API_KEY = process.env.LYNKR_API_KEY.trim()
  else if (!env.ANTHROPIC_API_KEY?.trim() && !env.ANTHROPIC_AUTH_TOKEN?.trim()) env.ANTHROPIC_API_KEY = 'lynkr-local'

  // Windows installs Claude Code as claude.cmd, which Node runs only through a shell.
  const child = spawn(bin, args, { stdio: 'inherit', env, shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(bin) })
  // Ctrl-C reaches Claude Code too (same process group): it decides when to exit, and we follow it.
  const ignore = (): void => {}
  const forward = (signal: NodeJS.Signals) => () => { child.kill(signal) }
  process.on('SIGINT', ignore)
  const onTerm = forward('SIGTERM')
  const onHup = forward('SIGHUP')
  process.on('SIGTERM', onTerm)
  process.on('SIGHUP', onHup)
  try {
    return await new Promise<number>((resolveCode, reject) => {
      child.once('error', (error) => { reject(new LynkrConfigError(`could not run Claude Code (${bin}): ${error.message}; set CLAUDE_CODE_BIN`, 'CLAUDE_CODE_BIN')) })
      child.once('exit', (code, signal) => { resolveCode(code ?? 128 + signalNumber(signal)) })
    })
  } finally {
    process.off('SIGINT', ignore)
    process.off('SIGTERM', onTerm)
    process.off('SIGHUP', onHup)
    await stop()
  }
}

function signalNumber (signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }
  return signal === null ? 0 : numbers[signal] ?? 1
}
