import { test } from 'node:test'
import assert from 'node:assert/strict'
import OpenAI from 'openai'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { startGateway, openAIEnv } from './helpers/gateway.ts'
import { isRecord, type FakeReply, type RecordedRequest } from './helpers/fake-script.ts'
import { TEST_SERVER, manifestDir } from './helpers/mcp-servers.ts'

// The real Claude Code CLI and the openai client against a gateway that runs an MCP server's tool itself
// (TOOL_EXECUTION_MODE=server): the model's answer is built from the real tool output, and in the same Claude
// Code session the model's Bash call still goes back to the CLI, which runs it.

type Json = Record<string, any>

const toolTexts = (request: RecordedRequest): string[] => (request.body.messages as Json[])
  .filter((message) => message.role === 'tool')
  .map((message) => typeof message.content === 'string' ? message.content : (message.content as Json[]).map((part) => String(part.text ?? '')).join(''))
const offers = (request: RecordedRequest, name: string): boolean => Array.isArray(request.body?.tools) && request.body.tools.some((tool: unknown) => isRecord(tool) && isRecord(tool.function) && tool.function.name === name)

async function start (t: { after: (fn: () => Promise<void>) => void }, respond: (request: RecordedRequest) => FakeReply) {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key', maxOutputTokens: 16_384 })
  // Claude Code's background requests (titles, summaries) offer no tools of ours worth scripting.
  fake.respondWith((request) => offers(request, 'Bash') ? respond(request) : { text: 'ok' })
  const dir = manifestDir({ 'calc.json': { mcpServers: { calc: { command: 'node', args: [TEST_SERVER] } } } })
  const gateway = await startGateway(openAIEnv(fake.url, { MCP_MANIFEST_DIRS: dir, TOOL_EXECUTION_MODE: 'server' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  return { fake, gateway }
}

test('Claude Code: the gateway runs the MCP tool, the model\'s Bash call built from its output runs in the CLI, and the final answer carries both', { timeout: 240_000 }, async (t) => {
  const marker = `lynkr-mcp-${Date.now()}`
  const { fake, gateway } = await start(t, (request) => {
    const texts = toolTexts(request)
    const bash = texts.find((text) => text.includes(marker))
    if (bash !== undefined) return { text: `Final: ${bash.trim()}` }
    const sum = texts.find((text) => /^\d+$/.test(text.trim()))
    if (sum !== undefined) return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}-${sum.trim()}`, description: 'print the sum' } }] }
    return { toolCalls: [{ name: 'mcp__calc__add', arguments: { a: 19, b: 23 } }] }
  })
  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Compute the sum of 19 and 23 with the calculator, then print it with Bash.' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.equal(String(run.json?.result).trim(), `Final: ${marker}-42`, '42 came from the MCP server; the echo ran in the CLI')
  // The upstream saw the MCP call answered by the gateway, then Bash's result from the client.
  const last = fake.requests.filter((request) => request.method === 'POST' && offers(request, 'Bash')).at(-1)!
  const calls = (last.body.messages as Json[]).filter((message) => message.role === 'assistant' && Array.isArray(message.tool_calls)).flatMap((message) => message.tool_calls.map((call: Json) => call.function.name))
  assert.deepEqual(calls, ['mcp__calc__add', 'Bash'])
})

test('the openai client gets the answer built from the MCP tool\'s output, streamed and whole', { timeout: 120_000 }, async (t) => {
  const { gateway: lynkr, fake } = await start(t, (request) => {
    const sum = toolTexts(request).find((text) => /^\d+$/.test(text.trim()))
    if (sum !== undefined) return { text: `The sum is ${sum.trim()}.` }
    return { text: 'Adding. ', toolCalls: [{ name: 'mcp__calc__add', arguments: { a: 100, b: 23 } }] }
  })
  const openai = new OpenAI({ baseURL: `${lynkr.url}/v1`, apiKey: 'client-key', maxRetries: 0 })
  const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'What is the sum of 100 and 23?' }], tools: [{ type: 'function' as const, function: { name: 'Bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }] }
  const whole = await openai.chat.completions.create(params)
  assert.match(whole.choices[0]!.message.content ?? '', /The sum is 123\./)
  assert.equal(whole.choices[0]!.finish_reason, 'stop')
  assert.equal(whole.choices[0]!.message.tool_calls, undefined, 'the client never sees the gateway\'s call')
  let text = ''
  let finish: string | null | undefined
  for await (const chunk of await openai.chat.completions.create({ ...params, stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? ''
    finish = chunk.choices[0]?.finish_reason ?? finish
    assert.equal(chunk.choices[0]?.delta?.tool_calls, undefined)
  }
  assert.match(text, /The sum is 123\./)
  assert.equal(finish, 'stop')
  assert.ok(fake.requests.some((request) => offers(request, 'mcp__calc__add')), 'the MCP tool was offered upstream')
})
