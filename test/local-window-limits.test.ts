import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { startFakeLlamaCpp, startFakeLmStudio } from './helpers/fake-openai-dialects.ts'
import { startGateway } from './helpers/gateway.ts'
import { openAIPromptTokens } from './helpers/o200k.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

// Issue 14: the local OpenAI-compatible servers get what Ollama has: an output cap by default (Claude Code asks
// 128000 output tokens, a local model looping on its own output would run until the window is full) and, when
// the window is known, room kept for the model's chat template, so prompt + template + max_tokens fit the window.

const servers: Array<{ name: string, prefix: string, start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }> = [
  { name: 'llama.cpp', prefix: 'LLAMACPP', start: async () => await startFakeLlamaCpp(), env: (url) => ({ MODEL_PROVIDER: 'llamacpp', LLAMACPP_ENDPOINT: url, LLAMACPP_MODEL: 'qwen2.5-coder-7b' }) },
  { name: 'LM Studio', prefix: 'LMSTUDIO', start: async () => await startFakeLmStudio(), env: (url) => ({ MODEL_PROVIDER: 'lmstudio', LMSTUDIO_ENDPOINT: url, LMSTUDIO_MODEL: 'qwen2.5-coder-7b-instruct' }) }
]

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const tools = [{ name: 'Bash', description: 'Runs a shell command.', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]

async function ask (url: string, maxTokens: number, words: number): Promise<{ status: number, text: string }> {
  const body = { model: 'claude-sonnet-4-5', max_tokens: maxTokens, tools, messages: [{ role: 'user', content: 'the quick brown fox jumps over the lazy dog '.repeat(words) }] }
  const response = await request(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: response.statusCode, text: await response.body.text() }
}

const chats = (fake: FakeUpstream): any[] => fake.requests.filter((r) => r.method === 'POST' && r.body?.messages !== undefined).map((r) => r.body)

for (const server of servers) {
  test(`${server.name}: Claude Code's max_tokens 128000 is capped at ${server.prefix}_MAX_OUTPUT_TOKENS (16384 by default, or the variable)`, async (t) => {
    const fake = await server.start()
    fake.respondWith({ text: 'ok' })
    const byDefault = await startGateway(server.env(fake.url))
    const set = await startGateway({ ...server.env(fake.url), [`${server.prefix}_MAX_OUTPUT_TOKENS`]: '3000' })
    t.after(async () => { await byDefault.close(); await set.close(); await fake.close() })
    assert.equal((await ask(byDefault.url, 128_000, 5)).status, 200)
    assert.equal(chats(fake).at(-1).max_tokens, 16_384)
    assert.equal((await ask(set.url, 128_000, 5)).status, 200)
    assert.equal(chats(fake).at(-1).max_tokens, 3000)
    assert.equal((await ask(set.url, 700, 5)).status, 200)
    assert.equal(chats(fake).at(-1).max_tokens, 700, 'a smaller ask is sent as is')
  })

  test(`${server.name}: with ${server.prefix}_CONTEXT_WINDOW the prompt, the chat template's share and max_tokens together fit the window`, async (t) => {
    const fake = await server.start()
    fake.respondWith({ text: 'ok' })
    const gateway = await startGateway({ ...server.env(fake.url), [`${server.prefix}_CONTEXT_WINDOW`]: '8192' })
    t.after(async () => { await gateway.close(); await fake.close() })
    // About 4000 prompt tokens: max_tokens is lowered to what the prompt and the template leave.
    const answer = await ask(gateway.url, 32_000, 400)
    assert.equal(answer.status, 200, answer.text)
    const sent = chats(fake).at(-1)
    const prompt = openAIPromptTokens(sent)
    assert.ok(prompt > 3000, `prompt ${prompt}`)
    assert.ok(sent.max_tokens >= 1024, `max_tokens ${sent.max_tokens} leaves the answer room`)
    // The template takes 2 % of the window, at least 128 tokens: without that reserve max_tokens fills the window.
    assert.ok(prompt + sent.max_tokens <= 8192 - 128, `${prompt} prompt tokens (o200k) + max_tokens ${sent.max_tokens} leave no room for the chat template`)

    // A prompt that would fit only by eating the template's share is refused the way Claude Code compacts on.
    const long = await ask(gateway.url, 32_000, 710)
    assert.equal(long.status, 400, long.text)
    const refusal = /^prompt is too long: (\d+) tokens > 7004 maximum .*164 for the chat template/.exec(JSON.parse(long.text).error.message)
    assert.ok(refusal !== null, long.text)
    assert.ok(Number(refusal[1]) <= 8192 - 1024, `${refusal[1]} tokens would have fitted without the template's share`)
    assert.equal(chats(fake).length, 1, 'never sent')
  })
}
