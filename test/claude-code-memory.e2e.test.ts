import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startGateway } from './helpers/gateway.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { isRecord, type FakeReply, type RecordedRequest } from './helpers/fake-script.ts'

// Long-term memory with the real Claude Code: a preference stated in one session of a project reaches the
// upstream in a later session (another session id) of the same project, not in another project, and the
// recalled block leaves the prompt prefix byte-identical from one request of that session to the next.

type Json = Record<string, any>
const PREFERENCE = 'In this project we always use pnpm, never npm.'

const hasBash = (request: RecordedRequest): boolean => Array.isArray(request.body?.tools) && request.body.tools.some((tool: unknown) => isRecord(tool) && tool.name === 'Bash')
const answered = (request: RecordedRequest): boolean => (request.body.messages as Json[]).some((message) => Array.isArray(message.content) && message.content.some((block: Json) => block.type === 'tool_result'))
const firstUser = (request: RecordedRequest): Json => (request.body.messages as Json[]).find((message) => message.role === 'user')!
const mainTurns = (fake: { requests: RecordedRequest[] }, from: number): RecordedRequest[] => fake.requests.slice(from).filter((request) => request.method === 'POST' && hasBash(request))

test('Claude Code: a preference from session 1 is recalled in session 2 of the same project (prefix byte-identical), not in another project', { timeout: 400_000 }, async (t) => {
  const projectA = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-mem-a-')))
  const projectB = realpathSync(mkdtempSync(join(tmpdir(), 'lynkr-mem-b-')))
  const dataDir = mkdtempSync(join(tmpdir(), 'lynkr-mem-data-'))
  t.after(() => { for (const dir of [projectA, projectB, dataDir]) rmSync(dir, { recursive: true, force: true }) })
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  const marker = `lynkr-mem-${Date.now()}`
  // The main loop: one Bash call, then the answer (two requests per session); anything else (titles) a short text.
  fake.respondWith((request): FakeReply => !hasBash(request) ? { text: 'ok' } : answered(request) ? { text: `Done: ${marker}` } : { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] })
  const gateway = await startGateway(anthropicEnv(fake.url, { MEMORY_ENABLED: 'true', LYNKR_DATA_DIR: dataDir }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const workspaces: unknown[] = []
  gateway.app.lynkr.events.on('turn-completed', (turn) => { workspaces.push([turn.workspace, turn.session]) })
  const memory = (gateway.app as unknown as { memory: { store: { count: () => Promise<number> } } }).memory

  const session1 = await runClaudeCode({ baseUrl: gateway.url, workDir: projectA, prompt: `${PREFERENCE} Run the marker command.` })
  assert.equal(session1.exitCode, 0, session1.stderr.slice(-2000))
  const deadline = Date.now() + 30_000
  while ((await memory.store.count()) === 0) {
    if (Date.now() > deadline) throw new Error(`the preference was not stored: ${JSON.stringify(mainTurns(fake, 0).map((request) => [request.headers['x-claude-code-session-id'], (request.body.messages as Json[]).at(-1)]))}`.slice(0, 3000))
    await sleep(50)
  }

  const before = fake.requests.length
  const session2 = await runClaudeCode({ baseUrl: gateway.url, workDir: projectA, prompt: 'Install the dependencies for me, then run the marker command.' })
  assert.equal(session2.exitCode, 0, session2.stderr.slice(-2000))
  assert.match(String(session2.json?.result), new RegExp(`Done: ${marker}`))
  const turns = mainTurns(fake, before)
  assert.equal(turns.length, 2, 'the Bash turn and the answer')
  const recalled = firstUser(turns[0]!).content[0]
  assert.equal(recalled.type, 'text')
  assert.match(recalled.text, /^<system-reminder>\nMemories from earlier sessions[\s\S]*In this project we always use pnpm, never npm\.[\s\S]*<\/system-reminder>$/)
  assert.equal(JSON.stringify(turns[1]!.body.system), JSON.stringify(turns[0]!.body.system), 'the system prompt is untouched')
  // Claude Code moves its cache_control marker between requests; the content, with our block, reads the same.
  const strip = (message: Json): string => JSON.stringify(message.content.map(({ cache_control: _c, ...block }: Json) => block))
  assert.equal(strip(firstUser(turns[1]!)), strip(firstUser(turns[0]!)), 'the first user turn reads the same bytes on the next request')

  const other = fake.requests.length
  const sessionB = await runClaudeCode({ baseUrl: gateway.url, workDir: projectB, prompt: 'Install the dependencies for me, then run the marker command.' })
  assert.equal(sessionB.exitCode, 0, sessionB.stderr.slice(-2000))
  assert.ok(workspaces.every((entry) => Array.isArray(entry) && (entry[0] as { id?: string } | undefined)?.id !== undefined), `every turn has its project: ${JSON.stringify(workspaces).slice(0, 500)}`)
  for (const request of mainTurns(fake, other)) assert.doesNotMatch(JSON.stringify(request.body.messages), /pnpm, never npm/, 'another project does not see it')
})
