import { parseArgs } from 'node:util'
import { LynkrConfigError } from '@lynkr/core'
import { catalog } from '../catalog.ts'
import { loadEnvFile } from './cli-env.ts'
import { renderHelp } from './help.ts'
import { version } from './version.ts'

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'env-file': { type: 'string' },
  since: { type: 'string' },
  json: { type: 'boolean' },
  project: { type: 'string' },
  limit: { type: 'string' }
} as const

const TAKES_VALUE = new Set(['--port', '-p', '--host', '--env-file', '--since', '--project', '--limit'])

/** Everything after `claude` (or `wrap claude`) belongs to Claude Code; lynkr's own options come before it. */
function splitWrapped (argv: string[]): { own: string[], wrapped?: string[] } {
  const at = argv.findIndex((arg, index) => (arg === 'claude' || arg === 'wrap') && !TAKES_VALUE.has(argv[index - 1] ?? ''))
  if (at === -1) return { own: argv }
  if (argv[at] === 'wrap' && argv[at + 1] !== 'claude') throw new LynkrConfigError(`lynkr wrap runs claude (lynkr wrap claude …), not "${argv[at + 1] ?? ''}"`)
  return { own: argv.slice(0, at), wrapped: argv.slice(at + (argv[at] === 'wrap' ? 2 : 1)) }
}

/** A mistyped option is the user's slip, not a crash: its first sentence and where to look, no stack. */
function parseOwn (args: string[]): ReturnType<typeof parseArgs<{ args: string[], allowPositionals: true, options: typeof OPTIONS }>> | string {
  try {
    return parseArgs({ args, allowPositionals: true, options: OPTIONS })
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw error
    return `lynkr: ${(error as Error).message.split('. ')[0]!.replace(/\.$/, '')}\nRun lynkr --help for the commands and options.\n`
  }
}

async function main (): Promise<number> {
  const { own, wrapped } = splitWrapped(process.argv.slice(2))
  const parsed = parseOwn(own)
  if (typeof parsed === 'string') { process.stderr.write(parsed); return 2 }
  const { values, positionals } = parsed
  if (values.help === true || positionals[0] === 'help') { process.stdout.write(renderHelp(catalog)); return 0 }
  if (values.version === true) { process.stdout.write(version() + '\n'); return 0 }
  const command = wrapped !== undefined ? 'claude' : positionals[0] ?? 'start'
  // Every variable lynkr reads, with its default: the same text as the repository's config/lynkr.env.example.
  if (command === 'env') { process.stdout.write(await (await import('../env-example.ts')).renderEnvExample(catalog)); return 0 }
  if (!['start', 'claude', 'usage', 'doctor', 'memory'].includes(command)) {
    process.stderr.write(`lynkr: unknown command "${command}"\n\n${renderHelp(catalog)}`)
    return 2
  }
  // A .env in the working directory never overrides variables already set in the environment.
  loadEnvFile(values['env-file'])
  const address = { port: values.port, host: values.host }
  // Each command is loaded only when used: `lynkr start` pays for nothing else.
  switch (command) {
    case 'claude': return await (await import('./claude-command.ts')).claudeCommand(address, wrapped ?? [])
    case 'usage': (await import('./usage-command.ts')).usageCommand({ since: values.since, json: values.json }); return 0
    case 'memory': return await (await import('./memory-command.ts')).memoryCommand(positionals.slice(1), { project: values.project, limit: values.limit, json: values.json })
    case 'doctor': return await (await import('./doctor-command.ts')).doctorCommand(address)
    default: await (await import('./start-command.ts')).startCommand(address); return -1
  }
}

main().then((code) => {
  // start keeps serving (-1); the others are done: exit now, whatever timers a plugin left behind.
  if (code >= 0) process.exit(code)
}, (error: unknown) => {
  if (error instanceof LynkrConfigError) {
    process.stderr.write(`lynkr: configuration error: ${error.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`lynkr: failed: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
