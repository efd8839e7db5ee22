import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { request } from 'undici'
import { readSession } from './token-corpus/corpus-format.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'

// The recorded Claude Code sessions (test/fixtures/token-corpus) replayed through lynkr to a 32K Ollama window
// with smart tool selection and the dynamic system prompt on: Claude Code's fixed ~11.5K tokens of tools and
// system prompt shrink on every request, and the model sees one tool list and one system prompt per session.
const dir = new URL('./fixtures/token-corpus/', import.meta.url).pathname
const sessions = readdirSync(dir).filter((file) => file.endsWith('.jsonl.gz')).map((file) => readSession(dir + file)).filter((session) => session.header.front === 'anthropic')
const PHASES = { SMART_TOOL_SELECTION_MODE: 'heuristic', SYSTEM_PROMPT_MODE: 'dynamic' }

async function send (url: string, headers: Record<string, string>, body: string): Promise<{ status: number, json: any }> {
  const response = await request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'x-api-key': 'k' }, body })
  return { status: response.statusCode, json: await response.body.json() }
}

test('every main request of every recorded Claude Code session: count_tokens drops by Claude Code\'s fixed overhead, the first to under 1,500 tokens', { timeout: 170_000 }, async (t) => {
  assert.ok(sessions.length >= 8, 'the corpus')
  const fake = await startFakeOllama()
  const withPhases = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '32768', ...PHASES }))
  const without = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '32768' }))
  t.after(async () => { await withPhases.close(); await without.close(); await fake.close() })
  for (const session of sessions) {
    const main = session.requests.filter((r) => r.main)
    for (const [i, recorded] of main.entries()) {
      const { stream: _s, max_tokens: _m, ...body } = JSON.parse(recorded.rawBody)
      const compact = await send(`${withPhases.url}/v1/messages/count_tokens`, recorded.headers, JSON.stringify(body))
      const whole = await send(`${without.url}/v1/messages/count_tokens`, recorded.headers, JSON.stringify(body))
      assert.ok(whole.json.input_tokens - compact.json.input_tokens >= 10_000, `${session.header.id} #${i}: ${whole.json.input_tokens} → ${compact.json.input_tokens}`)
      if (i === 0) assert.ok(compact.json.input_tokens < 1500, `${session.header.id}: first request ${compact.json.input_tokens}`)
    }
  }
})

test('replayed to Ollama, each recorded session offers one frozen tool list and one system prompt, and a prompt lynkr refuses is one that does not fit', { timeout: 170_000 }, async (t) => {
  const fake = await startFakeOllama()
  fake.respondWith({ text: 'ok' })
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '32768', ...PHASES }))
  t.after(async () => { await gateway.close(); await fake.close() })
  for (const session of sessions) {
    const before = fake.requests.length
    for (const recorded of session.requests.filter((r) => r.main)) {
      const answer = await send(`${gateway.url}/v1/messages`, recorded.headers, JSON.stringify({ ...JSON.parse(recorded.rawBody), stream: false }))
      if (answer.status !== 200) assert.match(answer.json.error.message, /^prompt is too long: \d+ tokens > \d+ maximum/, `${session.header.id}: ${JSON.stringify(answer.json)}`)
    }
    const received = fake.requests.slice(before).filter((r) => r.method === 'POST').map((r) => r.body)
    // Enough requests to compare tools and system prompts across; the long sessions read big files early and outgrow 32K by request 9.
    assert.ok(received.length >= 5, `${session.header.id}: ${received.length} requests fit 32K`)
    const tools = JSON.stringify(received[0].tools)
    // The system prompt and the environment message as the first request had them; Claude Code may append system messages later.
    const firstSystem = received[0].messages.filter((m: any) => m.role === 'system').map((m: any) => m.content)
    assert.equal(firstSystem.length, 2, 'the system prompt and the environment message')
    for (const body of received) {
      assert.equal(JSON.stringify(body.tools), tools, `${session.header.id}: the same tools on every request`)
      assert.deepEqual(body.messages.filter((m: any) => m.role === 'system').slice(0, 2).map((m: any) => m.content), firstSystem, `${session.header.id}: the same system prompt on every request`)
    }
    // Claude Code offered Agent, Bash, Edit, Glob, Grep, ListAgents, Read, ReportFindings, ScheduleWakeup, Skill, ToolSearch, Workflow, Write.
    assert.deepEqual(received[0].tools.map((tool: any) => tool.function.name), ['Bash', 'Edit', 'Glob', 'Grep', 'Read', 'ToolSearch', 'Write'])
  }
})
