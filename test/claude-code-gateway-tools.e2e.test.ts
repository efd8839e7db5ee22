import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { startGateway, openAIEnv } from './helpers/gateway.ts'
import { isRecord, type FakeReply, type RecordedRequest } from './helpers/fake-script.ts'

// The real Claude Code CLI against a gateway that runs a tool of its own: Claude Code must finish its session
// normally whether the model calls only the gateway's tool (a server-side loop it never sees) or the
// gateway's tool and Bash in one turn (the gateway's part hidden, then restored for the upstream).

type Json = Record<string, any>

const toolTexts = (request: RecordedRequest): string[] => (request.body.messages as Json[])
  .filter((message) => message.role === 'tool')
  .map((message) => typeof message.content === 'string' ? message.content : (message.content as Json[]).map((part) => String(part.text ?? '')).join(''))
const hasBash = (request: RecordedRequest): boolean => Array.isArray(request.body?.tools) && request.body.tools.some((tool: unknown) => isRecord(tool) && isRecord(tool.function) && tool.function.name === 'Bash')

async function start (t: { after: (fn: () => Promise<void>) => void }, respond: (request: RecordedRequest) => FakeReply, env: Record<string, string> = {}) {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key', maxOutputTokens: 16_384 })
  fake.respondWith((request) => hasBash(request) ? respond(request) : { text: 'ok' }) // background / title requests
  const gateway = await startGateway(openAIEnv(fake.url, env))
  t.after(async () => { await gateway.close(); await fake.close() })
  const asked: unknown[] = []
  gateway.app.lynkr.gatewayTools.register({
    name: 'lookup_weather',
    description: 'Current weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute: async (input) => {
      asked.push(input)
      return `Sunny in ${String(input.city)}`
    }
  })
  return { fake, gateway, asked }
}

for (const blocks of ['hidden', 'server']) {
test(`Claude Code finishes a session whose model calls a gateway tool and Bash in one turn (LYNKR_GATEWAY_TOOL_BLOCKS=${blocks})`, { timeout: 180_000 }, async (t) => {
  const marker = `lynkr-gw-${blocks}-${Date.now()}`
  const { fake, gateway, asked } = await start(t, (request) => {
    const texts = toolTexts(request)
    const bash = texts.find((text) => text.includes(marker))
    if (bash !== undefined) return { text: `Result: ${bash.trim()} / ${texts.find((text) => text.startsWith('Sunny')) ?? 'no weather'}` }
    return { toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Oslo' } }, { name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] }
  }, { LYNKR_GATEWAY_TOOL_BLOCKS: blocks })
  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Check the weather in Oslo and run the marker command.' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.equal(String(run.json?.result).trim(), `Result: ${marker} / Sunny in Oslo`, 'Bash ran on the client, the weather in the gateway')
  assert.deepEqual(asked, [{ city: 'Oslo' }])
  // The last upstream request carries the whole turn: both calls, each answered by a tool message.
  const last = fake.requests.filter((request) => request.method === 'POST' && hasBash(request)).at(-1)!
  const messages = last.body.messages as Json[]
  const turn = messages.findIndex((message) => message.role === 'assistant' && Array.isArray(message.tool_calls))
  assert.deepEqual(messages[turn]!.tool_calls.map((call: Json) => call.function.name), ['lookup_weather', 'Bash'])
  assert.deepEqual(messages.slice(turn + 1, turn + 3).map((message) => message.role), ['tool', 'tool'])
})
}

test('Claude Code sees one answer when the gateway runs its tool alone (server-side loop)', { timeout: 180_000 }, async (t) => {
  const { fake, gateway, asked } = await start(t, (request) => {
    const weather = toolTexts(request).find((text) => text.startsWith('Sunny'))
    if (weather !== undefined) return { text: `Weather: ${weather}` }
    return { text: 'Checking.', toolCalls: [{ name: 'lookup_weather', arguments: { city: 'Lima' } }] }
  })
  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'What is the weather in Lima?' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.match(String(run.json?.result), /Weather: Sunny in Lima/)
  assert.deepEqual(asked, [{ city: 'Lima' }])
  assert.equal(run.json?.num_turns, 1, 'one assistant turn for Claude Code: it never saw the gateway\'s call')
  const chats = fake.requests.filter((request) => request.method === 'POST' && hasBash(request))
  assert.equal(chats.length, 2, 'two model turns upstream')
})
