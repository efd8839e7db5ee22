import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setupAnthropicGateway } from './helpers/anthropic-gateway.ts'
import type { FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'

// Claude Code's own summary requests (/compact, auto-compaction, its title/topic request) through the gateway
// with memory and its deduplication on: what the fake Anthropic upstream RECEIVED.

type Json = Record<string, any>

const APP = '/work/compact'
const SYSTEM = `You are Claude Code, Anthropic's official CLI for Claude.\n<env>\nPrimary working directory: ${APP}\nPlatform: linux\n</env>`
const COMPACT = 'Your task is to create a detailed summary of the conversation so far, paying close attention to the user\'s explicit requests and your previous actions. This summary should be thorough in capturing technical details, code patterns, and architectural decisions.'
const TITLE_SYSTEM = 'Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that captures the new topic. Format your response as a JSON object with two fields: \'isNewTopic\' (boolean) and \'title\' (string, or null if isNewTopic is false).'
const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)
const options = { headers: { 'x-claude-code-session-id': 'session-compact' } }

test('Claude Code\'s compaction and title requests get no memory recalled for them; earlier turns keep the block the model saw', async (t) => {
  const { fake, gateway, anthropic } = await setupAnthropicGateway(t, { MEMORY_ENABLED: 'true', MEMORY_DEDUP_ENABLED: 'true', MEMORY_EXTRACTION_ENABLED: 'false' })
  fake.respondWith({ text: 'Done.' })
  for (const content of ['Code patterns and architectural decisions are recorded in docs/adr', 'A summary of the technical details of each release goes in NOTES.md']) {
    const added = await fetch(`${gateway.url}/v1/memories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspace: APP, content, kind: 'decision' }) })
    assert.equal(added.status, 201)
  }

  const turn1 = { role: 'user' as const, content: 'Where are the architectural decisions and code patterns recorded?' }
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, system: SYSTEM, messages: [turn1] }, options)
  const first = chats(fake).at(-1)!.body
  assert.match(first.messages[0].content[0].text, /docs\/adr/, 'a normal prompt gets the memory')
  assert.doesNotMatch(first.messages[0].content[0].text, /NOTES\.md/)

  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, system: SYSTEM, messages: [turn1, { role: 'assistant', content: 'In docs/adr.' }, { role: 'user', content: COMPACT }] }, options)
  const compaction = chats(fake).at(-1)!.body
  assert.equal(JSON.stringify(compaction.messages[0]), JSON.stringify(first.messages[0]), 'the earlier turn as the model saw it')
  assert.deepEqual(compaction.messages[2].content, [{ type: 'text', text: COMPACT }], 'nothing recalled into the compaction instruction')

  const ask = 'Which code patterns and architectural decisions should new modules follow?'
  // Claude Code asks for a title as a session starts: a session shown nothing yet.
  await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, system: TITLE_SYSTEM, messages: [{ role: 'user', content: ask }] }, { headers: { 'x-claude-code-session-id': 'session-title' } })
  const title = chats(fake).at(-1)!.body as Json
  assert.deepEqual(title.messages, [{ role: 'user', content: [{ type: 'text', text: ask }] }], 'the title request goes as the client sent it')
})
