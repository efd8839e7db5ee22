import { test } from 'node:test'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startFakeDeepSeek } from './helpers/fake-openai-dialects.ts'
import { agentResponder } from './helpers/agent-responder.ts'
import { runClaudeCode } from './helpers/run-claude-code.ts'
import { startGateway, ollamaEnv, openAIEnv } from './helpers/gateway.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

// The real Claude Code CLI (2.1.332) drives a full tool loop through lynkr: it must run Bash with the
// command the "model" asked for and finish with text built from that command's output.
const providers: Array<{ name: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string>, model: string }> = [
  { name: 'ollama', start: async () => await startFakeOllama({ models: ['qwen2.5-coder:7b'] }), env: (url) => ollamaEnv(url), model: 'qwen2.5-coder:7b' },
  { name: 'openai', start: async () => await startFakeOpenAI({ apiKey: 'sk-test-key', maxOutputTokens: 16_384 }), env: (url) => openAIEnv(url), model: 'gpt-4o-mini' }
]

for (const provider of providers) {
  test(`Claude Code completes a Bash tool loop through lynkr to ${provider.name}`, { timeout: 180_000 }, async (t) => {
    const fake = await provider.start()
    t.after(() => fake.close())
    const marker = `lynkr-e2e-${provider.name}-${Date.now()}`
    fake.respondWith(agentResponder(marker))
    const gateway = await startGateway(provider.env(fake.url))
    t.after(() => gateway.close())

    const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Run the marker command and tell me what it printed.' })
    assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
    assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
    assert.match(String(run.json?.result), new RegExp(`Result: ${marker}`))

    const chats = fake.requests.filter((request) => request.method === 'POST')
    assert.ok(chats.length >= 2, 'at least the tool call turn and the answer turn')
    for (const request of chats) assert.equal(request.body.model, provider.model, 'the configured model, not the Claude name')
    // Claude Code asks for up to 128000 output tokens; gpt-4o-mini answers at most 16384 (the fake refuses more).
    if (provider.name === 'openai') for (const request of chats) assert.ok(request.body.max_tokens <= 16_384, `max_tokens ${request.body.max_tokens}`)
    const last = chats.at(-1)!.body.messages as Array<{ role: string, content: unknown }>
    const toolMessage = last.find((message) => message.role === 'tool')
    assert.ok(toolMessage, 'the tool result reached the upstream as a tool message')
    assert.match(JSON.stringify(toolMessage.content), new RegExp(marker))
  })
}

test('Claude Code completes a Bash tool loop with tier routing on; the tier picks the model', { timeout: 180_000 }, async (t) => {
  const ollama = await startFakeOllama({ models: ['qwen-small', 'qwen-medium', 'qwen-large'] })
  const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  t.after(async () => { await ollama.close(); await openai.close() })
  const marker = `lynkr-e2e-tiers-${Date.now()}`
  ollama.respondWith(agentResponder(marker))
  openai.respondWith(agentResponder(marker))
  const gateway = await startGateway({
    ...ollamaEnv(ollama.url),
    TIER_SIMPLE: 'ollama:qwen-small',
    TIER_MEDIUM: 'ollama:qwen-medium',
    TIER_COMPLEX: 'ollama:qwen-large',
    TIER_REASONING: 'openai:o3',
    FALLBACK_PROVIDER: 'openai',
    OPENAI_API_KEY: 'sk-test-key',
    OPENAI_ENDPOINT: `${openai.url}/v1`
  })
  t.after(() => gateway.close())

  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Run the marker command and tell me what it printed.' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.match(String(run.json?.result), new RegExp(`Result: ${marker}`))
  const models = [...ollama.requests, ...openai.requests].filter((request) => request.method === 'POST').map((request) => request.body.model as string)
  assert.ok(models.length >= 2)
  // A one-line chore scores low: Claude Code's constant system prompt and tool list must not push it up.
  assert.ok(models.every((model) => model === 'qwen-small' || model === 'qwen-medium'), `tier models used: ${models.join(', ')}`)
})

test('Claude Code runs both of two parallel calls (Read + Bash) an OpenAI-compatible server streams at one index', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key', maxOutputTokens: 16_384 })
  t.after(() => fake.close())
  const marker = `lynkr-e2e-shared-index-${Date.now()}`
  const fileText = `notes-${marker}`
  let filePath = ''
  fake.respondWith((request) => {
    const body = request.body as { tools?: Array<{ function?: { name?: string } }>, messages: Array<{ role: string, content: unknown }> }
    const names = (body.tools ?? []).map((tool) => tool.function?.name)
    if (!names.includes('Read') || !names.includes('Bash')) return { text: 'ok' }
    const results = body.messages.filter((message) => message.role === 'tool')
    if (results.length > 0) return { text: `Results: ${results.map((message) => JSON.stringify(message.content)).join(' | ')}` }
    // Ollama's /v1, vLLM and SGLang number every parallel call 0; only the new id tells them apart.
    return { toolCalls: [{ name: 'Read', arguments: { file_path: filePath } }, { name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }], sharedToolIndex: true }
  })
  const gateway = await startGateway(openAIEnv(fake.url))
  t.after(() => gateway.close())

  const run = await runClaudeCode({
    baseUrl: gateway.url,
    prompt: 'Read notes.txt and run the marker command, then tell me both results.',
    prepare: async (cwd) => {
      filePath = join(cwd, 'notes.txt')
      await writeFile(filePath, `${fileText}\n`)
    }
  })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  const last = fake.requests.filter((request) => request.method === 'POST').at(-1)!.body.messages as Array<{ role: string, content: unknown, tool_call_id?: string }>
  const calls = last.flatMap((message) => (message as { tool_calls?: Array<{ id: string, function: { name: string, arguments: string } }> }).tool_calls ?? [])
  assert.deepEqual(calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)]), [
    ['Read', { file_path: filePath }],
    ['Bash', { command: `echo ${marker}`, description: 'print marker' }]
  ])
  const results = new Map(last.filter((message) => message.role === 'tool').map((message) => [message.tool_call_id, JSON.stringify(message.content)]))
  assert.match(results.get(calls[0]!.id) ?? '', new RegExp(fileText), 'Read ran and returned the file')
  assert.match(results.get(calls[1]!.id) ?? '', new RegExp(marker), 'Bash ran and returned its output')
  assert.match(String(run.json?.result), new RegExp(fileText))
})

test('Claude Code completes a Bash tool loop through lynkr to DeepSeek in thinking mode (deepseek-reasoner via the openai provider)', { timeout: 180_000 }, async (t) => {
  // The fake refuses a tool-call turn sent back without its reasoning_content, as DeepSeek does.
  const fake = await startFakeDeepSeek({ apiKey: 'sk-deepseek' })
  t.after(() => fake.close())
  const marker = `lynkr-e2e-deepseek-${Date.now()}`
  const agent = agentResponder(marker)
  fake.respondWith((request) => ({ ...agent(request), reasoning: 'The user wants the marker printed; Bash can echo it.' }))
  const gateway = await startGateway({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-deepseek', OPENAI_ENDPOINT: fake.url, OPENAI_MODEL: 'deepseek-reasoner' })
  t.after(() => gateway.close())

  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'Run the marker command and tell me what it printed.' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.match(String(run.json?.result), new RegExp(`Result: ${marker}`))
  const last = fake.requests.filter((request) => request.method === 'POST').at(-1)!.body.messages as Array<{ role: string, tool_calls?: unknown[], reasoning_content?: unknown }>
  const toolTurn = last.find((message) => message.role === 'assistant' && message.tool_calls !== undefined)
  assert.equal(typeof toolTurn?.reasoning_content, 'string', 'the tool-call turn carries reasoning_content')
})

test('Claude Code does not show the reasoning a cloud OpenAI-compatible upstream put in <think> (vLLM/Foundry DeepSeek-R1)', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  t.after(() => fake.close())
  fake.respondWith({ text: '<think>\nThe private plan: answer forty-two.\n</think>\n\nThe answer is 42.' })
  const gateway = await startGateway(openAIEnv(fake.url, { OPENAI_MODEL: 'DeepSeek-R1-0528' }))
  t.after(() => gateway.close())
  const run = await runClaudeCode({ baseUrl: gateway.url, prompt: 'What is the answer?' })
  assert.equal(run.exitCode, 0, `claude exited ${run.exitCode}: ${run.stderr.slice(-2000)}`)
  assert.equal(run.json?.is_error, false, JSON.stringify(run.json))
  assert.equal(String(run.json?.result).trim(), 'The answer is 42.')
})
