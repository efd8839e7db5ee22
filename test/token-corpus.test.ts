import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { decodeSession, encodeSession, readSession, type CorpusSession } from './token-corpus/corpus-format.ts'
import { wireToolTurn } from './helpers/wire-tool-pairs.ts'
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'
import { anthropicBlocks, isLong, totals } from './bench/token-cost-model.ts'

const dir = fileURLToPath(new URL('./fixtures/token-corpus/', import.meta.url))
const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl.gz'))

test('the splice encoding rebuilds bodies byte for byte, including a split inside a surrogate pair', () => {
  const session: CorpusSession = {
    header: { type: 'session', id: 't', front: 'anthropic', client: 'c', snapshot: 's', task: 't', workDir: '/w' },
    requests: ['{"a":"😀 x"}', '{"a":"😁 x","b":1}', '', '{"a":"😁 x","b":1}'].map((rawBody, seq) => ({ seq, method: 'POST', path: '/v1/messages', headers: {}, rawBody, main: true, reply: { text: 'ok' } }))
  }
  assert.deepEqual(decodeSession(encodeSession(session)), session)
})

test('a corpus file whose body does not rebuild is refused', () => {
  const session: CorpusSession = { header: { type: 'session', id: 't', front: 'openai', client: 'c', snapshot: 's', task: 't', workDir: '/w' }, requests: [{ seq: 0, method: 'POST', path: '/', headers: {}, rawBody: '{"x":1}', main: true, reply: {} }] }
  const text = gunzipSync(encodeSession(session)).toString().replace('{\\"x\\":1}', '{\\"x\\":2}')
  assert.throws(() => decodeSession(gzipSync(text)), /sha256 mismatch/)
})

test('the corpus holds at least 8 Claude Code sessions of 20–80 requests and one OpenAI-front session', () => {
  const sessions = files.map((name) => readSession(join(dir, name)))
  const claude = sessions.filter((session) => session.header.front === 'anthropic' && session.header.id !== 'overhead-100')
  assert.ok(claude.length >= 8, `${claude.length} Claude Code sessions`)
  for (const session of claude) assert.ok(session.requests.length >= 20 && session.requests.length <= 80, `${session.header.id}: ${session.requests.length} requests`)
  assert.ok(sessions.some((session) => session.header.front === 'openai' && session.requests.length >= 10))
})

test('the corpus holds long Claude Code sessions for the targets: largest prompt past the bench\'s long threshold, 60–80 requests', () => {
  const counted = new Map<string, number>()
  const count = (text: string): number => counted.get(text) ?? counted.set(text, countTokens(text)).get(text)!
  const long = files.map((name) => readSession(join(dir, name))).filter((session) => session.header.front === 'anthropic' && session.header.id !== 'overhead-100').filter((session) => {
    // The prompt sizes the bench's passthrough sees: lynkr sends Claude Code's requests on unchanged.
    const prompts = session.requests.map((request, seq) => ({ seq, input: anthropicBlocks(JSON.parse(request.rawBody), count).reduce((sum, block) => sum + block.tokens, 0), cacheRead: 0, cacheWrite: 0, uncached: 0, cost: 0, broke: false }))
    return isLong(totals(prompts))
  })
  assert.ok(long.length >= 2, `long sessions: ${long.map((session) => session.header.id).join(', ')}`)
  for (const session of long) assert.ok(session.requests.length >= 60 && session.requests.length <= 80, `${session.header.id}: ${session.requests.length} requests`)
})

for (const name of files) {
  test(`${name}: every request is valid JSON, and every tool call it carries is answered`, () => {
    const session = readSession(join(dir, name))
    const used = new Set<string>()
    for (const request of session.requests) {
      const body = JSON.parse(request.rawBody)
      const turn = wireToolTurn(body)
      for (const call of turn.calls) assert.ok(turn.results.some((result) => result.id === call.id), `${session.header.id} #${request.seq}: ${call.name} ${call.id} unanswered`)
      for (const call of request.reply.toolCalls ?? []) used.add(call.name)
    }
    if (session.header.front === 'anthropic' && session.header.id !== 'overhead-100') for (const tool of ['Read', 'Grep', 'Bash']) assert.ok(used.has(tool), `${session.header.id} never used ${tool}`)
  })
}
