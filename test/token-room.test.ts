import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'undici'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { azureAnthropicCase } from './helpers/provider-cases.ts'
import { agentResponder } from './helpers/agent-responder.ts'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'
import { ollamaPromptTokens } from './helpers/o200k.ts'
import type { RecordedRequest } from './helpers/fake-script.ts'

// Issue 14 phases 1 and 5 on a small local window: the first request of a real Claude Code 2.1.332 session
// (recorded from the CLI) is ~11.8K tokens; with smart tool selection and the dynamic system prompt on, every
// request of the session fits an 8K Ollama window with the answer room lynkr asks for.
const firstRequest = JSON.parse(readFileSync(new URL('./fixtures/claude-code/2.1.332-print-first-request.json', import.meta.url), 'utf8')) as Record<string, any>
const PHASES = { SMART_TOOL_SELECTION_MODE: 'heuristic', SYSTEM_PROMPT_MODE: 'dynamic' }
const SESSION = 'c0ffee00-1111-4222-8333-444455556666'
const anthropicHeaders = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k', 'x-claude-code-session-id': SESSION }

async function post (url: string, body: unknown) {
  const response = await request(url, { method: 'POST', headers: anthropicHeaders, body: JSON.stringify(body) })
  const text = await response.body.text()
  return { status: response.statusCode, text, json: response.headers['content-type']?.toString().includes('json') === true ? JSON.parse(text) : undefined }
}

/** The recorded request with more turns: an assistant tool call and its result, as Claude Code sends them. */
function withTurns (...turns: Array<{ name: string, input: Record<string, unknown>, result: string }>): Record<string, any> {
  const messages = [...firstRequest.messages]
  turns.forEach((turn, i) => {
    messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_0${i}`, name: turn.name, input: turn.input }] })
    messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_0${i}`, content: turn.result }] })
  })
  return { ...firstRequest, messages }
}

const chats = (fake: { requests: RecordedRequest[] }): RecordedRequest[] => fake.requests.filter((r) => r.method === 'POST' && r.path.includes('/api/chat'))
const toolNames = (body: any): string[] => (body.tools ?? []).map((tool: any) => tool.function.name)

test('without the phases, Claude Code\'s first request does not fit an 8K Ollama window: "prompt is too long", nothing sent', async (t) => {
  const fake = await startFakeOllama()
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '8192' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const answer = await post(`${gateway.url}/v1/messages`, firstRequest)
  assert.equal(answer.status, 400, answer.text)
  assert.match(answer.json.error.message, /^prompt is too long/)
  assert.equal(chats(fake).length, 0)
})

test('with tool selection and the system prompt profile, every request of a Claude Code session fits 8K; the tool list is frozen; a removed tool the model calls comes back for good', async (t) => {
  const fake = await startFakeOllama()
  fake.respondWith(agentResponder('marker'))
  const gateway = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '8192', ...PHASES }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const url = `${gateway.url}/v1/messages`

  const bash = { name: 'Bash', input: { command: 'echo marker', description: 'print marker' }, result: 'marker' }
  const skill = { name: 'Skill', input: { skill: 'simplify' }, result: 'Launching skill: simplify' }
  const sent = [firstRequest, withTurns(bash), withTurns(bash, skill), withTurns(bash, skill, bash)]
  // After Claude Code compacts, the conversation restarts from a summary: the restored tool stays.
  sent.push({ ...firstRequest, messages: [firstRequest.messages[0], firstRequest.messages[1], { role: 'user', content: 'Summary of the earlier conversation: the marker was printed. Continue.' }] })
  // Then ToolSearch loads the deferred WebFetch: Claude Code sends it with its schema, still deferred (a new tool list).
  const webFetch = { name: 'WebFetch', description: 'Fetches a URL and answers a prompt about its content.\n\n- The URL must be a fully-formed valid URL.', input_schema: { type: 'object', properties: { url: { type: 'string', format: 'uri', description: 'The URL to fetch' }, prompt: { type: 'string', description: 'What to extract' } }, required: ['url', 'prompt'], additionalProperties: false }, defer_loading: true }
  const loaded = withTurns(bash, { name: 'ToolSearch', input: { query: 'select:WebFetch' }, result: '' })
  loaded.messages.at(-1).content[0].content = [{ type: 'tool_reference', tool_name: 'WebFetch' }]
  sent.push({ ...loaded, messages: [...loaded.messages.slice(0, 2), ...loaded.messages.slice(4)], tools: [...firstRequest.tools, webFetch] })
  for (const body of sent) {
    const answer = await post(url, body)
    assert.equal(answer.status, 200, answer.text)
  }
  const received = chats(fake).map((r) => r.body)
  assert.equal(received.length, sent.length)

  for (const [i, body] of received.entries()) {
    assert.equal(body.options.num_ctx, 8192)
    const prompt = ollamaPromptTokens(body)
    assert.ok(body.options.num_predict >= 1024, `request ${i}: num_predict ${body.options.num_predict} leaves the answer room`)
    assert.ok(prompt + body.options.num_predict <= 8192, `request ${i}: ${prompt} prompt tokens (o200k) + num_predict ${body.options.num_predict} > 8192`)
  }
  // Decided once, then the same bytes on every request: the agent loop's tools with short descriptions.
  assert.deepEqual(toolNames(received[0]), ['Bash', 'Edit', 'Read', 'ToolSearch', 'Write'])
  assert.equal(JSON.stringify(received[1].tools), JSON.stringify(received[0].tools))
  const bashTool = received[0].tools[0].function
  assert.deepEqual(bashTool.parameters.required, ['command'])
  assert.equal(bashTool.parameters.properties.command.type, 'string')
  // The model called Skill, which had been removed: it is offered from then on, the others unchanged.
  assert.deepEqual(toolNames(received[2]), ['Bash', 'Edit', 'Read', 'Skill', 'ToolSearch', 'Write'])
  assert.equal(JSON.stringify(received[3].tools), JSON.stringify(received[2].tools))
  assert.equal(JSON.stringify(received[4].tools), JSON.stringify(received[2].tools), 'still there after the history lost the call')
  // A new tool list (a tool search loaded WebFetch): the loaded tool is offered, and so is the restored one.
  assert.deepEqual(toolNames(received[5]), ['Bash', 'Edit', 'Read', 'Skill', 'ToolSearch', 'Write', 'WebFetch'])
  assert.deepEqual(received[5].tools.at(-1).function.parameters.required, ['url', 'prompt'])

  // The system prompt profile: static for the session, the environment facts kept, the long guidance gone.
  const systemOf = (body: any): string => body.messages.filter((m: any) => m.role === 'system').map((m: any) => m.content).join('\n---\n')
  for (const body of received.slice(1)) assert.equal(systemOf(body), systemOf(received[0]))
  assert.match(systemOf(received[0]), /Primary working directory: \/tmp\/lynkr-cc-cwd-/)
  assert.match(systemOf(received[0]), /Today's date is 2026-12-06/)
  assert.doesNotMatch(systemOf(received[0]), /# Memory|x-anthropic-billing-header/)
  assert.ok(ollamaPromptTokens(received[0]) < 3000, `first request: ${ollamaPromptTokens(received[0])} tokens`)
})

test('count_tokens counts what will be sent: the compact request on an 8K window, the whole one without the phases', async (t) => {
  const fake = await startFakeOllama()
  const withPhases = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '8192', ...PHASES }))
  const without = await startGateway(ollamaEnv(fake.url, { OLLAMA_NUM_CTX: '8192' }))
  t.after(async () => { await withPhases.close(); await without.close(); await fake.close() })
  const { stream: _stream, max_tokens: _max, ...countBody } = firstRequest
  const compact = await post(`${withPhases.url}/v1/messages/count_tokens`, countBody)
  const whole = await post(`${without.url}/v1/messages/count_tokens`, countBody)
  assert.equal(compact.status, 200, compact.text)
  assert.ok(whole.json.input_tokens > 10_000, `whole: ${whole.json.input_tokens}`)
  assert.ok(compact.json.input_tokens < 8192 - 1024, `compact: ${compact.json.input_tokens}`)
  assert.equal(chats(fake).length, 0, 'counting calls no model')
})

test('a cloud provider with a prompt cache gets Claude Code\'s tools and system prompt untouched, even in aggressive mode', async (t) => {
  const bodies: any[] = []
  for (const phases of [{}, { SMART_TOOL_SELECTION_MODE: 'aggressive', SYSTEM_PROMPT_MODE: 'aggressive' }]) {
    const fake = await startFakeAnthropic({ apiKey: 'azure-key', adaptiveThinking: true })
    const gateway = await startGateway({ ...azureAnthropicCase.env(fake.url), ...phases })
    t.after(async () => { await gateway.close(); await fake.close() })
    const answer = await post(`${gateway.url}/v1/messages`, firstRequest)
    assert.equal(answer.status, 200, answer.text)
    bodies.push(fake.requests.filter((r) => r.method === 'POST').at(-1)!.body)
  }
  // The prompt cache makes the full, stable prefix cheaper than a rewritten one: byte for byte what the phases-off gateway sends.
  assert.equal(JSON.stringify(bodies[1].tools), JSON.stringify(bodies[0].tools))
  assert.equal(JSON.stringify(bodies[1].system), JSON.stringify(bodies[0].system))
  assert.equal(JSON.stringify(bodies[1].messages), JSON.stringify(bodies[0].messages))
  // (Foundry has no tool search: the deferred placeholder goes, as it does without the phases.)
  assert.deepEqual(bodies[1].tools.map((tool: any) => tool.name), firstRequest.tools.filter((tool: any) => tool.defer_loading !== true).map((tool: any) => tool.name))
  assert.equal(bodies[1].tools.find((tool: any) => tool.name === 'Bash').description, firstRequest.tools.find((tool: any) => tool.name === 'Bash').description)
})
