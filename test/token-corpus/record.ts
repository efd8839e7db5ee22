/**
 * `pnpm record:tokens [session-id…]`: records the token corpus. Each session runs the pinned Claude Code
 * CLI (or Qwen Code for the OpenAI-front session) in print mode, offline, against a scripted fake upstream
 * over a fresh copy of a pinned npm package (semver@7.8.6, or commander@14.0.3 for the long sessions; pinned in
 * test/package.json), and writes every
 * request the client sent plus the scripted reply to test/fixtures/token-corpus/<id>.jsonl.gz.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { startFakeAnthropic } from '../helpers/fake-anthropic.ts'
import { startFakeOpenAI } from '../helpers/fake-openai.ts'
import type { FakeReply, RecordedRequest } from '../helpers/fake-script.ts'
import { writeSession, type CorpusRequest } from './corpus-format.ts'
import { corpusDir } from './paths.ts'
import { isMain, runScriptedClient, scriptedResponder, snapshotOf, workDirOf, type Front } from './run-session.ts'
import { longSessions } from './long-sessions.ts'
import type { SessionScript } from './script-dsl.ts'
import { auditSession, overheadSession, qwenSession, sessions } from './sessions.ts'

/** Headers that say something about the client; credentials, hop-by-hop and host-specific ones are dropped. */
const DROP_HEADERS = /^(host|content-length|connection|authorization|x-api-key|api-key|accept-encoding|x-stainless-(os|arch|runtime-version|package-version))$/i

function keptHeaders (headers: RecordedRequest['headers']): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined || DROP_HEADERS.test(name)) continue
    kept[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return kept
}

async function record (script: SessionScript, front: Front): Promise<void> {
  const replies = new Map<RecordedRequest, FakeReply>()
  const responder = scriptedResponder(script, front, (request, reply) => { replies.set(request, reply); return reply })
  const fake = front === 'anthropic' ? await startFakeAnthropic({ responder, adaptiveThinking: true }) : await startFakeOpenAI({ responder })
  try {
    const run = await runScriptedClient(script, front, front === 'anthropic' ? fake.url : `${fake.url}/v1`)
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
    await mkdir(corpusDir, { recursive: true })
    writeSession(join(corpusDir, `${script.id}.jsonl.gz`), {
      header: { type: 'session', id: script.id, front, client: front === 'anthropic' ? 'claude-code 2.1.332' : 'qwen-code 0.15.10', snapshot: `${snapshotOf(script).name}@${snapshotOf(script).version}`, task: script.task, workDir: workDirOf(script) },
      requests
    })
    const errors = (requests.at(-1)?.rawBody.match(/"is_error":true/g) ?? []).length
    console.log(`${script.id}: ${requests.length} requests (${requests.filter((request) => request.main).length} main loop), ${errors} tool results flagged as errors`)
  } finally {
    await fake.close()
  }
}

const wanted = process.argv.slice(2)
for (const script of [...sessions, auditSession, ...longSessions, overheadSession]) if (wanted.length === 0 || wanted.includes(script.id)) await record(script, 'anthropic')
if (wanted.length === 0 || wanted.includes(qwenSession.id)) await record(qwenSession, 'openai')
