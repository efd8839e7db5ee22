/**
 * Runs a scripted corpus session: the real client CLI (Claude Code, or Qwen Code for the OpenAI front) on a
 * fresh copy of the pinned snapshot, pointed at `baseUrl` (a fake upstream when recording, lynkr in the
 * end-to-end test), and the responder that plays the session's script on whichever fake serves it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isRecord, type FakeReply, type FakeResponder, type RecordedRequest } from '../helpers/fake-script.ts'
import { claudeBin } from '../helpers/run-claude-code.ts'
import { runIsolatedCli, type CliRun } from '../helpers/run-cli.ts'
import { qwenBin } from '../helpers/run-qwen-code.ts'
import { replyFor, type SessionScript, type Snapshot } from './script-dsl.ts'

export type Front = 'anthropic' | 'openai'

export const SEMVER: Snapshot = { name: 'semver', version: '7.8.6' }
/** The larger code base of the long sessions (lib/command.js alone is 2,777 lines). */
export const COMMANDER: Snapshot = { name: 'commander', version: '14.0.3' }
export const snapshotOf = (script: SessionScript): Snapshot => script.snapshot ?? SEMVER
const CLAUDE_TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep']

export function snapshotDir (snapshot: Snapshot = SEMVER): string {
  const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)))
  // The package root above its main file (commander's `exports` do not let package.json be resolved).
  let root = dirname(require.resolve(snapshot.name))
  while (!existsSync(join(root, 'package.json'))) root = dirname(root)
  const manifest = join(root, 'package.json')
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
  if (version !== snapshot.version) throw new Error(`snapshot ${snapshot.name} is ${version}, the corpus is pinned to ${snapshot.version}`)
  return dirname(manifest)
}

export const workDirOf = (script: SessionScript): string => join('/tmp', 'lynkr-token-corpus', script.id)

/** Claude Code's main loop offers Bash; Qwen Code's offers todo_write (its memory extractor does not). */
export function isMain (body: unknown, front: Front): boolean {
  if (!isRecord(body) || !Array.isArray(body.tools)) return false
  const names = body.tools.map((tool) => isRecord(tool) ? String(isRecord(tool.function) ? tool.function.name : tool.name) : '')
  return front === 'anthropic' ? names.includes('Bash') : names.includes('todo_write')
}

/**
 * The next scripted turn: one past the highest turn whose fixed tool id (`toolu_<session>_<turn>_<n>`) the
 * conversation carries. Read from the ids, not by counting turns, so a gateway that compressed or cleared
 * old history still gets the right next step.
 */
export function stepOf (script: SessionScript, rawBody: string): number {
  const prefix = `toolu_${script.id.replace(/[^a-z0-9]/gi, '')}_`
  let step = -1
  for (const match of rawBody.matchAll(new RegExp(`${prefix}(\\d+)_`, 'g'))) step = Math.max(step, Number(match[1]))
  return step + 1
}

/** Plays the script to main-loop requests; background requests get a short text. `seen` gets each request and its reply. */
export function scriptedResponder (script: SessionScript, front: Front, seen?: (request: RecordedRequest, reply: FakeReply) => FakeReply): FakeResponder {
  const turns = script.turns(workDirOf(script))
  return (request) => {
    const reply = isMain(request.body, front) ? replyFor(script, turns, stepOf(script, request.rawBody ?? ''), front === 'anthropic') : { text: 'ok' }
    return seen === undefined ? reply : seen(request, reply)
  }
}

/** Runs the client on the session's task against `baseUrl` (Anthropic base URL, or OpenAI base URL ending in /v1). */
export async function runScriptedClient (script: SessionScript, front: Front, baseUrl: string): Promise<CliRun> {
  const prepare = async (cwd: string): Promise<void> => {
    await cp(snapshotDir(snapshotOf(script)), cwd, { recursive: true })
    for (const [name, content] of Object.entries(script.seed ?? {})) {
      await mkdir(dirname(join(cwd, name)), { recursive: true })
      await writeFile(join(cwd, name), content)
    }
    for (const { file, from, to } of script.patch ?? []) {
      const text = await readFile(join(cwd, file), 'utf8')
      if (text.split(from).length !== 2) throw new Error(`${script.id}: patch text not found exactly once in ${file}`)
      await writeFile(join(cwd, file), text.replace(from, to))
    }
  }
  const workDir = workDirOf(script)
  if (front === 'anthropic') {
    return await runIsolatedCli({
      bin: claudeBin,
      args: ['-p', script.prompt, '--output-format', 'json', '--allowedTools', CLAUDE_TOOLS.join(',')],
      tempPrefix: 'lynkr-corpus',
      workDir,
      env: { ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_API_KEY: 'dummy', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
      timeoutMs: 600_000,
      prepare
    })
  }
  return await runIsolatedCli({
    bin: qwenBin,
    args: ['--auth-type', 'openai', '-p', script.prompt, '--output-format', 'json', '--approval-mode', 'yolo', '--max-session-turns', '100'],
    tempPrefix: 'lynkr-corpus',
    workDir,
    env: { NO_COLOR: '1', CI: '1', OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: 'dummy', OPENAI_MODEL: 'gpt-4o-mini', QWEN_CODE_DISABLE_TELEMETRY: '1' },
    timeoutMs: 600_000,
    prepare
  })
}
