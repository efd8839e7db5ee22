import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setupAnthropicGateway } from './helpers/anthropic-gateway.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import type { FakeReply, FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// Long-term memory through the real gateway (MEMORY_ENABLED=true) and the fake Anthropic upstream, which
// refuses a history whose tool_use blocks are unanswered.

type Json = Record<string, any>
interface MemoryDecorator { store: { count: () => Promise<number> } }

async function setup (t: { after: (fn: () => Promise<void>) => void }, extra: Record<string, string> = { MEMORY_ENABLED: 'true' }) {
  const setup = await setupAnthropicGateway(t, extra)
  return { ...setup, memory: (setup.gateway.app as unknown as { memory?: MemoryDecorator }).memory }
}

const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)
const systemFor = (cwd: string): string => `You are Claude Code.\n<env>\nPrimary working directory: ${cwd}\nPlatform: linux\n</env>`
const session = (id: string): { headers: Record<string, string> } => ({ headers: { 'x-claude-code-session-id': id } })
const firstText = (message: Json): string => typeof message.content === 'string' ? message.content : message.content[0]?.text ?? ''

async function waitFor (check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

test('without MEMORY_ENABLED there is no memory: no tools declared, requests untouched', async (t) => {
  const { fake, anthropic, memory } = await setup(t, {})
  assert.equal(memory, undefined)
  fake.respondWith({ text: 'ok' })
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/app'), messages: [{ role: 'user', content: 'In this project we use pnpm, never npm.' }] })
  const [sent] = chats(fake)
  assert.equal(sent!.body.tools, undefined)
  assert.deepEqual(sent!.body.messages[0].content, [{ type: 'text', text: 'In this project we use pnpm, never npm.' }])
})

test('a preference stated in one session reaches a later session of the same workspace, in its user turn, the same bytes on every request; never another workspace', async (t) => {
  const { fake, anthropic, memory } = await setup(t)
  fake.respondWith({ text: 'Noted.' })
  const app = '/work/app'
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [{ role: 'user', content: 'In this project we use pnpm, never npm.' }] }, session('s1'))
  await waitFor(async () => (await memory!.store.count()) > 0, 'the preference to be stored')

  const prompt = { role: 'user' as const, content: 'Install the dependencies for me' }
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [prompt] }, session('s2'))
  const first = chats(fake).at(-1)!.body
  assert.equal(JSON.stringify(first.system), JSON.stringify([{ type: 'text', text: systemFor(app) }]), 'the system prompt is not touched')
  const injected = first.messages[0].content
  assert.equal(injected.length, 2)
  assert.match(injected[0].text, /^<system-reminder>\n[\s\S]*In this project we use pnpm, never npm\.[\s\S]*<\/system-reminder>$/)
  assert.equal(injected[1].text, 'Install the dependencies for me')

  // The next request of session 2 carries the earlier turn again: the upstream sees the same prefix bytes.
  await anthropic.messages.create({
    model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app),
    messages: [prompt, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'Now run the build' }]
  }, session('s2'))
  const second = chats(fake).at(-1)!.body
  assert.equal(JSON.stringify(second.system), JSON.stringify(first.system))
  assert.equal(JSON.stringify(second.messages[0]), JSON.stringify(first.messages[0]), 'the first user turn reads the same bytes')

  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/other'), messages: [prompt] }, session('s3'))
  const other = chats(fake).at(-1)!.body
  assert.deepEqual(other.messages[0].content, [{ type: 'text', text: 'Install the dependencies for me' }], 'another workspace does not see it')
})

/** The model searches memory first, then answers with what it found. */
function searchingModel (request: RecordedRequest): FakeReply {
  const messages: Json[] = request.body.messages
  const last = messages.at(-1)!
  const result = Array.isArray(last.content) ? last.content.find((block: Json) => block.type === 'tool_result') : undefined
  if (result !== undefined) {
    const text = typeof result.content === 'string' ? result.content : result.content.map((block: Json) => block.text).join('')
    return { text: `From memory: ${text.includes('RabbitMQ') ? 'RabbitMQ' : 'nothing'}`, usage: { input: 30, output: 5 } }
  }
  return { toolCalls: [{ name: 'memory_search', arguments: { query: 'job queue' } }], usage: { input: 20, output: 5 } }
}

test('a model-initiated memory_search runs in the gateway; the client sees only the final answer, through both front doors', async (t) => {
  const { fake, anthropic, openai, memory } = await setup(t)
  fake.respondWith({ text: 'Noted.' })
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/api'), messages: [{ role: 'user', content: 'The job queue runs on RabbitMQ 3.13.' }] }, session('a1'))
  await waitFor(async () => (await memory!.store.count()) > 0, 'the fact to be stored')
  fake.respondWith(searchingModel)
  const ask = { model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/api'), messages: [{ role: 'user' as const, content: 'What broker do we use?' }] }

  const whole = await anthropic.messages.create(ask, session('a2'))
  assert.deepEqual(whole.content, [{ type: 'text', text: 'From memory: RabbitMQ' }])
  const turns = chats(fake).slice(-2)
  assert.ok(turns[0]!.body.tools.some((tool: Json) => tool.name === 'memory_search'), 'the memory tools are declared to the model')
  assert.ok(turns[1]!.body.messages.at(-1).content.some((block: Json) => block.type === 'tool_result'), 'the result went back to the model')

  const stream = anthropic.messages.stream(ask, session('a3'))
  const message = await stream.finalMessage()
  assert.deepEqual(message.content.map((block) => block.type === 'text' ? block.text : block.type), ['From memory: RabbitMQ'])

  const openaiAsk = { model: 'claude-opus-5-5', messages: [{ role: 'system' as const, content: systemFor('/work/api') }, { role: 'user' as const, content: 'What broker do we use?' }] }
  const completion = await openai.chat.completions.create(openaiAsk, session('o1'))
  assert.equal(completion.choices[0]!.message.content, 'From memory: RabbitMQ')
  assert.equal(completion.choices[0]!.message.tool_calls, undefined)
  let text = ''
  for await (const chunk of await openai.chat.completions.create({ ...openaiAsk, stream: true }, session('o2'))) {
    assert.equal(chunk.choices[0]?.delta.tool_calls, undefined)
    text += chunk.choices[0]?.delta.content ?? ''
  }
  assert.equal(text, 'From memory: RabbitMQ')
})

test('management API: add, list, search and forget per workspace, behind LYNKR_API_KEY', async (t) => {
  const { gateway } = await setup(t, { MEMORY_ENABLED: 'true', LYNKR_API_KEY: 'secret' })
  const call = async (method: string, path: string, body?: unknown, key = 'secret'): Promise<{ status: number, json: Json }> => {
    const response = await fetch(`${gateway.url}${path}`, { method, headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: response.status, json: await response.json() as Json }
  }
  assert.equal((await call('GET', '/v1/memories?workspace=/work/app', undefined, 'wrong')).status, 401)
  const missing = await call('GET', '/v1/memories')
  assert.equal(missing.status, 400)
  assert.match(JSON.stringify(missing.json), /workspace is required/)

  const added = await call('POST', '/v1/memories', { workspace: '/work/app', content: 'Deploys go through the staging cluster first', kind: 'decision' })
  assert.equal(added.status, 201)
  await call('POST', '/v1/memories', { workspace: '/work/other', content: 'Deploys go straight to production' })
  const again = await call('POST', '/v1/memories', { workspace: '/work/app', content: 'Deploys go through the staging cluster first' })
  assert.deepEqual(again.json, { id: added.json.id, duplicate: true })

  const listed = await call('GET', '/v1/memories?workspace=/work/app')
  assert.deepEqual(listed.json.data.map((memory: Json) => [memory.kind, memory.content]), [['decision', 'Deploys go through the staging cluster first']])
  const found = await call('GET', '/v1/memories?workspace=/work/other&q=deploying')
  assert.deepEqual(found.json.data.map((memory: Json) => memory.content), ['Deploys go straight to production'])

  assert.equal((await call('DELETE', `/v1/memories/${String(added.json.id)}?workspace=/work/other`)).status, 404, 'another workspace cannot delete it')
  assert.equal((await call('DELETE', `/v1/memories/${String(added.json.id)}?workspace=/work/app`)).status, 200)
  assert.deepEqual((await call('GET', '/v1/memories?workspace=/work/app')).json.data, [])
})

test('the store outlives a restart: pruning caps each project at boot, and a session\'s injection reads the same bytes after the restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-memory-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const first = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', LYNKR_DATA_DIR: dir })
  first.fake.respondWith({ text: 'Noted.' })
  const ask = async (anthropic: typeof first.anthropic, content: string, id: string): Promise<void> => {
    await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/app'), messages: [{ role: 'user', content }] }, session(id))
  }
  const memory = (first.gateway.app as unknown as { memory: MemoryDecorator }).memory
  for (const [i, fact] of ['The API listens on port 8080.', 'Invoices are stored in PostgreSQL 15.', 'Tests use Vitest 2 with jsdom.'].entries()) {
    await ask(first.anthropic, fact, `learn-${i}`)
    await waitFor(async () => (await memory.store.count()) === i + 1, `fact ${i + 1} to be stored`)
  }
  await ask(first.anthropic, 'Which port does the API use and where are invoices stored?', 'resume')
  const before = chats(first.fake).at(-1)!.body.messages[0]
  assert.match(before.content[0].text, /port 8080/)
  await first.gateway.close()

  const second = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', LYNKR_DATA_DIR: dir, MEMORY_MAX_COUNT: '2' })
  second.fake.respondWith({ text: 'Sure.' })
  const pruned = (second.gateway.app as unknown as { memory: MemoryDecorator }).memory
  await waitFor(async () => (await pruned.store.count()) === 2, 'boot pruning to keep 2 memories')
  await second.anthropic.messages.create({
    model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/app'),
    messages: [{ role: 'user', content: 'Which port does the API use and where are invoices stored?' }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'Thanks' }]
  }, session('resume'))
  assert.equal(JSON.stringify(chats(second.fake).at(-1)!.body.messages[0]), JSON.stringify(before), 'the resumed session\'s first turn reads the same bytes')
})

test('extraction runs after the answer, from the user\'s prompt and the assistant\'s final answer (conservatively), once per client call', async (t) => {
  const { fake, anthropic, memory, gateway } = await setup(t)
  const store = (gateway.app as unknown as { memory: { store: { list: (scopes: string[]) => Promise<Array<{ content: string }>> }, scopes: (workspace: string) => string[] } }).memory
  const contents = async (): Promise<string[]> => (await store.store.list(store.scopes('/work/app'))).map((row) => row.content).sort()
  fake.respondWith({ text: 'Noted. This repository uses Turborepo 2.1 for builds. I\'ll keep that in mind.' })
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/app'), messages: [{ role: 'user', content: 'In this project we use pnpm, never npm.' }] }, session('x1'))
  await waitFor(async () => (await memory!.store.count()) >= 2, 'the prompt\'s and the answer\'s memories')
  assert.deepEqual(await contents(), ['In this project we use pnpm, never npm.', 'This repository uses Turborepo 2.1 for builds.'])

  // An answer that stops for the client's tools is work in progress: nothing is learned from it.
  fake.respondWith({ text: 'The worker uses BullMQ 5.', toolCalls: [{ name: 'read_file', arguments: { path: 'worker.ts' } }] })
  const readFile = { name: 'read_file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } } }
  await anthropic.messages.stream({ model: 'claude-opus-5-5', max_tokens: 64, tools: [readFile], system: systemFor('/work/app'), messages: [{ role: 'user', content: 'Read worker.ts' }] }, session('x2')).finalMessage()
  // The next call's memories arrive after this one's: once they are in, the tool-use answer was passed over.
  fake.respondWith({ text: 'Understood.' })
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/app'), messages: [{ role: 'user', content: 'The API listens on port 8080.' }] }, session('x3'))
  await waitFor(async () => (await contents()).includes('The API listens on port 8080.'), 'the third call\'s memory')
  assert.ok(!(await contents()).some((content) => content.includes('BullMQ')))
})

const EXTRACTOR_SYSTEM = /You extract long-term memories/
const isExtraction = (request: RecordedRequest): boolean => EXTRACTOR_SYSTEM.test(JSON.stringify(request.body.system ?? ''))

test('MEMORY_EXTRACTOR=model: an internal call extracts the memories as JSON after the answer; when it fails, the built-in extractor does', async (t) => {
  const { fake, anthropic, gateway } = await setup(t, { MEMORY_ENABLED: 'true', MEMORY_EXTRACTOR: 'model' })
  const memory = (gateway.app as unknown as { memory: { store: { list: (scopes: string[]) => Promise<Array<{ content: string, kind: string }>> }, scopes: (workspace: string) => string[] } }).memory
  const contents = async (workspace: string): Promise<string[]> => (await memory.store.list(memory.scopes(workspace))).map((row) => `${row.kind}:${row.content}`).sort()
  let extractorReply: FakeReply = { text: '```json\n' + JSON.stringify({
    memories: [
      { kind: 'preference', content: 'Use pnpm as the package manager, never npm', scope: 'project', from: 'user' },
      { kind: 'fact', content: 'Builds run through Turborepo 2.1', scope: 'project', from: 'assistant' },
      { kind: 'preference', content: 'Spaces over tabs', scope: 'global', from: 'assistant' }
    ]
  }) + '\n```', delayMs: 1500 }
  let clientReply: FakeReply = { text: 'Noted, I see turbo.json: builds use Turborepo 2.1.' }
  fake.respondWith((request) => isExtraction(request) ? extractorReply : clientReply)
  const prompt = 'ugh, npm again. In this project we use pnpm, never npm.'
  const answer = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/model'), messages: [{ role: 'user', content: prompt }] }, session('m1'))
  assert.deepEqual(answer.content, [{ type: 'text', text: 'Noted, I see turbo.json: builds use Turborepo 2.1.' }])
  assert.deepEqual(await contents('/work/model'), [], 'the client had its answer before the extractor\'s (held) reply')
  await waitFor(async () => (await contents('/work/model')).length === 2, 'the extracted memories')
  assert.deepEqual(await contents('/work/model'), ['fact:Builds run through Turborepo 2.1', 'preference:Use pnpm as the package manager, never npm'], 'the model\'s words; the assistant\'s preference is not kept')
  const call = chats(fake).find(isExtraction)!
  const sent = JSON.stringify(call.body.messages)
  assert.ok(sent.includes(prompt) && sent.includes('builds use Turborepo 2.1'), 'the extractor saw the user\'s prompt and the final answer')
  assert.equal(call.body.tools, undefined, 'no client step or gateway tool on an internal call')
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  assert.match(metrics, /purpose="internal:memory-extract"/, 'labelled apart from client traffic')

  // The extractor fails (an error status, then an answer that is not the JSON asked for): the heuristic learns the turn.
  for (const [i, reply] of ([{ status: 400, error: 'model not found' }, { text: 'Sure! The user likes pnpm.' }] as FakeReply[]).entries()) {
    extractorReply = reply
    clientReply = { text: 'Understood.' }
    const workspace = `/work/fallback-${i}`
    await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(workspace), messages: [{ role: 'user', content: 'The API listens on port 8080.' }] }, session(`f${i}`))
    await waitFor(async () => (await contents(workspace)).length > 0, 'the fallback\'s memory')
    assert.deepEqual(await contents(workspace), ['fact:The API listens on port 8080.'])
  }
})

/** The embedding model the fake OpenAI serves here: one dimension per topic, so a question and a memory about one topic are similar without sharing a word. */
const TOPICS = [/broker|rabbitmq|queue|messages/gi, /postgres|database|invoices/gi, /pnpm|npm|dependencies/gi]
const topicEmbedding = (text: string): number[] => [...TOPICS.map((topic) => (text.match(topic) ?? []).length), 0.05]

test('MEMORY_VECTOR_ENABLED: hybrid recall through the embeddings provider finds a memory without a shared word, in its own workspace only; full-text when embedding fails', async (t) => {
  const embeddings = await startFakeOpenAI({ apiKey: 'sk-embed', embedding: topicEmbedding })
  t.after(async () => { await embeddings.close() })
  const { fake, anthropic, gateway } = await setup(t, { MEMORY_ENABLED: 'true', MEMORY_VECTOR_ENABLED: 'true', EMBEDDINGS_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-embed', OPENAI_ENDPOINT: `${embeddings.url}/v1` })
  fake.respondWith({ text: 'Noted.' })
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/vec'), messages: [{ role: 'user', content: 'The job queue runs on RabbitMQ 3.13.' }] }, session('v1'))
  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/vec'), messages: [{ role: 'user', content: 'Invoices live in PostgreSQL 15.' }] }, session('v2'))
  const question = 'Which broker carries the messages?'
  const api = async (workspace: string): Promise<string[]> => ((await (await fetch(`${gateway.url}/v1/memories?workspace=${workspace}&q=${encodeURIComponent(question)}`)).json()) as { data: Array<{ content: string }> }).data.map((memory) => memory.content)
  await waitFor(async () => (await api('/work/vec')).length > 0, 'the memory\'s vector')
  assert.deepEqual(await api('/work/vec'), ['The job queue runs on RabbitMQ 3.13.'], 'the invoice memory is not similar enough')

  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/vec'), messages: [{ role: 'user', content: question }] }, session('v3'))
  const injected = chats(fake).at(-1)!.body.messages[0].content
  assert.match(injected[0].text, /^<system-reminder>[\s\S]*The job queue runs on RabbitMQ 3\.13\.[\s\S]*<\/system-reminder>$/)
  assert.doesNotMatch(injected[0].text, /PostgreSQL/)
  assert.ok(embeddings.requests.some((request) => String(JSON.stringify(request.body?.input)).includes(question)), 'the prompt was embedded')

  await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/other-vec'), messages: [{ role: 'user', content: question }] }, session('v4'))
  assert.deepEqual(chats(fake).at(-1)!.body.messages[0].content, [{ type: 'text', text: question }], 'another workspace does not see it')

  embeddings.respondWith({ status: 400, error: 'embedding model unavailable' })
  const answer = await anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor('/work/vec'), messages: [{ role: 'user', content: 'Which RabbitMQ version do we run?' }] }, session('v5'))
  assert.deepEqual(answer.content, [{ type: 'text', text: 'Noted.' }])
  assert.match(chats(fake).at(-1)!.body.messages[0].content[0].text, /RabbitMQ 3\.13/, 'full-text recall still works')
})

test('MEMORY_DEDUP_ENABLED: a recalled memory the conversation already has is left out, decided once per prompt (the prefix keeps its bytes), tracked by id across a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lynkr-memory-dedup-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const app = '/work/dedup'
  const seed = async (url: string): Promise<void> => {
    for (const [content, kind] of [['In this project we use pnpm, never npm', 'preference'], ['The API listens on port 8080', 'fact']]) {
      const response = await fetch(`${url}/v1/memories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace: app, content, kind }) })
      assert.equal(response.status, 201)
    }
  }
  const turn1 = { role: 'user' as const, content: 'In this project we use pnpm, never npm. Install the dependencies and tell me which port the API uses.' }
  const blockOf = (body: Json, index: number): string => body.messages[index].content.length > 1 ? body.messages[index].content[0].text : ''

  // Without dedup, recall repeats what the user just said.
  const plain = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', LYNKR_DATA_DIR: join(dir, 'plain') })
  plain.fake.respondWith({ text: 'Done.' })
  await seed(plain.gateway.url)
  await plain.anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [turn1] }, session('p1'))
  assert.match(blockOf(chats(plain.fake).at(-1)!.body, 0), /pnpm, never npm[\s\S]*port 8080|port 8080[\s\S]*pnpm, never npm/)
  await plain.gateway.close()

  const first = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', MEMORY_DEDUP_ENABLED: 'true', MEMORY_EXTRACTION_ENABLED: 'false', LYNKR_DATA_DIR: join(dir, 'dedup') })
  first.fake.respondWith({ text: 'Done.' })
  await seed(first.gateway.url)
  await first.anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [turn1] }, session('d1'))
  const sent1 = chats(first.fake).at(-1)!.body
  const block1 = blockOf(sent1, 0)
  assert.match(block1, /port 8080/)
  assert.doesNotMatch(block1, /pnpm/, 'the user said it in this very prompt')

  const history = [turn1, { role: 'assistant' as const, content: 'Done.' }]
  const turn2 = { role: 'user' as const, content: 'Run the build, and remind me of the API port.' }
  await first.anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [...history, turn2] }, session('d1'))
  const sent2 = chats(first.fake).at(-1)!.body
  assert.equal(JSON.stringify(sent2.messages[0]), JSON.stringify(sent1.messages[0]), 'the first turn reads the same bytes')
  assert.deepEqual(sent2.messages[2].content, [{ type: 'text', text: turn2.content }], 'the port memory was injected in turn 1, pnpm was stated: nothing to add')
  // A retried request decides nothing anew.
  await first.anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [...history, turn2] }, session('d1'))
  assert.equal(JSON.stringify(chats(first.fake).at(-1)!.body.messages), JSON.stringify(sent2.messages))
  const metrics = await (await fetch(`${first.gateway.url}/metrics`)).text()
  assert.match(metrics, /lynkr_tokens_saved_total\{[^}]*stage="memory-dedup"[^}]*\} [1-9]/, 'the dedup stage reports what it saved')
  await first.gateway.close()

  // After a restart the session still knows which memories it was shown.
  const second = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', MEMORY_DEDUP_ENABLED: 'true', MEMORY_EXTRACTION_ENABLED: 'false', LYNKR_DATA_DIR: join(dir, 'dedup') })
  second.fake.respondWith({ text: 'Sure.' })
  const turn3 = { role: 'user' as const, content: 'Which port again for the API?' }
  await second.anthropic.messages.create({ model: 'claude-opus-5-5', max_tokens: 64, system: systemFor(app), messages: [...history, turn2, { role: 'assistant', content: 'Built.' }, turn3] }, session('d1'))
  const sent3 = chats(second.fake).at(-1)!.body
  assert.equal(JSON.stringify(sent3.messages[0]), JSON.stringify(sent1.messages[0]))
  assert.deepEqual(sent3.messages[4].content, [{ type: 'text', text: turn3.content }], 'not repeated after the restart')
})
