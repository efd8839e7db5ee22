/**
 * `pnpm record:tokens [session-id…]`: records the token corpus. Each session runs the pinned Claude Code
 * CLI (or Qwen Code for the OpenAI-front session) in print mode, offline, against a scripted fake upstream
 * over a fresh copy of a pinned npm package (semver@7.8.6 from the workspace's store), and writes every
 * request the client sent plus the scripted reply to test/fixtures/token-corpus/<id>.jsonl.gz.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startFakeAnthropic } from '../helpers/fake-anthropic.ts'
import { startFakeOpenAI } from '../helpers/fake-openai.ts'
import { isRecord, type FakeReply, type RecordedRequest } from '../helpers/fake-script.ts'
import { claudeBin } from '../helpers/run-claude-code.ts'
import { runIsolatedCli } from '../helpers/run-cli.ts'
import { qwenBin } from '../helpers/run-qwen-code.ts'
import { writeSession, type CorpusRequest } from './corpus-format.ts'
import { corpusDir } from './paths.ts'
import { replyFor, type SessionScript } from './script-dsl.ts'
import { overheadSession, sessions, qwenSession } from './sessions.ts'

const SNAPSHOT = { name: 'semver', version: '7.8.6' }
const CLAUDE_TOOLS = ['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep']
/** Headers that say something about the client; credentials, hop-by-hop and host-specific ones are dropped. */
const DROP_HEADERS = /^(host|content-length|connection|authorization|x-api-key|api-key|accept-encoding|x-stainless-(os|arch|runtime-version|package-version))$/i

function snapshotDir (): string {
  const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)))
  const manifest = require.resolve(`${SNAPSHOT.name}/package.json`)
  const version = (require(manifest) as { version: string }).version
  if (version !== SNAPSHOT.version) throw new Error(`snapshot ${SNAPSHOT.name} is ${version}, the corpus is pinned to ${SNAPSHOT.version}`)
  return dirname(manifest)
}

function keptHeaders (headers: RecordedRequest['headers']): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || DROP_HEADERS.test(name)) continue
    kept[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return kept
}

/** Claude Code's main loop offers Bash; Qwen Code's offers todo_write (its memory extractor does not). */
function isMain (body: unknown, front: 'anthropic' | 'openai'): boolean {
  if (!isRecord(body) || !Array.isArray(body.tools)) return false
  const names = body.tools.map((tool) => isRecord(tool) ? String(isRecord(tool.function) ? tool.function.name : tool.name) : '')
  return front === 'anthropic' ? names.includes('Bash') : names.includes('todo_write')
}

/** Tool turns the assistant already took in this conversation: the index of the next scripted turn. */
function stepOf (body: Record<string, any>, front: 'anthropic' | 'openai'): number {
  const messages = Array.isArray(body.messages) ? body.messages as Array<Record<string, any>> : []
  if (front === 'openai') return messages.filter((message) => message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0).length
  return messages.filter((message) => message.role === 'assistant' && Array.isArray(message.content) && message.content.some((block: any) => block?.type === 'tool_use')).length
}

async function record (script: SessionScript, front: 'anthropic' | 'openai'): Promise<void> {
  const workDir = join('/tmp', 'lynkr-token-corpus', script.id)
  const turns = script.turns(workDir)
  const replies = new Map<RecordedRequest, FakeReply>()
  const responder = (request: RecordedRequest): FakeReply => {
    const reply = isMain(request.body, front) ? replyFor(script, turns, stepOf(request.body, front), front === 'anthropic') : { text: 'ok' }
    replies.set(request, reply)
    return reply
  }
  const fake = front === 'anthropic' ? await startFakeAnthropic({ responder, adaptiveThinking: true }) : await startFakeOpenAI({ responder })
  try {
    const prepare = async (cwd: string): Promise<void> => {
      await cp(snapshotDir(), cwd, { recursive: true })
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
    const run = front === 'anthropic'
      ? await runIsolatedCli({
        bin: claudeBin,
        args: ['-p', script.prompt, '--output-format', 'json', '--allowedTools', CLAUDE_TOOLS.join(',')],
        tempPrefix: 'lynkr-corpus',
        workDir,
        env: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'dummy', DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' },
        timeoutMs: 600_000,
        prepare
      })
      : await runIsolatedCli({
        bin: qwenBin,
        args: ['--auth-type', 'openai', '-p', script.prompt, '--output-format', 'json', '--approval-mode', 'yolo', '--max-session-turns', '100'],
        tempPrefix: 'lynkr-corpus',
        workDir,
        env: { NO_COLOR: '1', CI: '1', OPENAI_BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'dummy', OPENAI_MODEL: 'gpt-4o-mini', QWEN_CODE_DISABLE_TELEMETRY: '1' },
        timeoutMs: 600_000,
        prepare
      })
    if (run.exitCode !== 0) throw new Error(`${script.id}: client exited ${run.exitCode}: ${run.stderr.slice(-2000)} ${run.stdout.slice(-2000)}`)
    const requests: CorpusRequest[] = fake.requests.map((request, seq) => ({
      seq,
      method: request.method,
      path: request.path,
      headers: keptHeaders(request.headers),
      rawBody: request.rawBody ?? '',
      main: isMain(request.body, front),
      reply: replies.get(request) ?? { text: '(not answered: refused by the fake before the script)' }
    }))
    const main = requests.filter((request) => request.main).length
    const errors = countToolErrors(requests.at(-1)?.rawBody ?? '')
    await mkdir(corpusDir, { recursive: true })
    writeSession(join(corpusDir, `${script.id}.jsonl.gz`), {
      header: { type: 'session', id: script.id, front, client: front === 'anthropic' ? 'claude-code 2.1.332' : 'qwen-code 0.15.10', snapshot: `${SNAPSHOT.name}@${SNAPSHOT.version}`, task: script.task, workDir },
      requests
    })
    console.log(`${script.id}: ${requests.length} requests (${main} main loop, ${turns.length} scripted turns), ${errors} tool errors, result: ${String(run.json?.result ?? run.stdout.slice(-200)).slice(0, 120)}`)
  } finally {
    await fake.close()
  }
}

function countToolErrors (rawBody: string): number {
  return (rawBody.match(/"is_error":true/g) ?? []).length
}

const wanted = process.argv.slice(2)
for (const script of sessions) if (wanted.length === 0 || wanted.includes(script.id)) await record(script, 'anthropic')
if (wanted.length === 0 || wanted.includes(qwenSession.id)) await record(qwenSession, 'openai')
if (wanted.length === 0 || wanted.includes(overheadSession.id)) await record(overheadSession, 'anthropic')
