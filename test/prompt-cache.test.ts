/**
 * The prompt-cache plugin through the real gateway with the official SDKs, asserting what the upstream fakes
 * received: breakpoints for clients that send none (and none added to Claude Code's own), Bedrock cache
 * points, a per-session prompt_cache_key, Ollama keep_alive and llama.cpp cache_prompt; the response cache
 * (hits streamed and whole on both front doors, misses after the TTL, never for tool calls, per session) and
 * the semantic cache.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { startGateway } from './helpers/gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeOpenAI } from './helpers/fake-openai.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import { startFakeLlamaCpp, startFakeOpenRouter } from './helpers/fake-openai-dialects.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'

const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const ON = { PROMPT_CACHE_ENABLED: 'true', ...NO_RETRIES }
const long = (label: string, tokens: number): string => `${label}: ${'lorem ipsum '.repeat(Math.ceil(tokens * 4 / 12))}`
/** Chat calls the upstream got (not the gateway's boot-time probe of the model). */
const chats = (fake: FakeUpstream): number => fake.requests.filter((request) => Array.isArray(request.body?.messages)).length
const markers = (body: unknown): number => JSON.stringify(body).match(/"cache_control"/g)?.length ?? 0

async function azureAnthropic (t: { after: (fn: () => Promise<void>) => void }, env: Record<string, string> = ON, promptCache = false) {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key', promptCache })
  const gateway = await startGateway({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${fake.url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5', ...env })
  t.after(async () => { await gateway.close(); await fake.close() })
  return { fake, gateway }
}

test('an OpenAI client on azure-anthropic: breakpoints on tools, system and the conversation; the next turn reads the cache', { timeout: 90_000 }, async (t) => {
  const { fake, gateway } = await azureAnthropic(t, ON, true)
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'In src/router.ts.' })
  const tools: OpenAI.Chat.ChatCompletionTool[] = [{ type: 'function', function: { name: 'grep', description: long('grep', 1200), parameters: { type: 'object', properties: { pattern: { type: 'string' } } } } }]
  const turn1: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: long('You are Cursor', 1500) }, { role: 'user', content: 'Where is the router defined?' }]
  const first = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: turn1, tools })
  const sent1 = fake.requests.at(-1)!.body
  assert.deepEqual(sent1.tools.at(-1).cache_control, { type: 'ephemeral' }, 'end of the tools')
  assert.deepEqual(sent1.system.at(-1).cache_control, { type: 'ephemeral' }, 'end of the system prompt')
  assert.deepEqual(sent1.messages.at(-1).content.at(-1).cache_control, { type: 'ephemeral' }, 'the newest turn')
  assert.equal(markers(sent1), 3)
  assert.equal(first.usage?.prompt_tokens_details?.cached_tokens ?? 0, 0, 'the first request writes the cache')

  const turn2: OpenAI.Chat.ChatCompletionMessageParam[] = [...turn1, { role: 'assistant', content: 'In src/router.ts.' }, { role: 'user', content: 'And where is it tested?' }]
  const second = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages: turn2, tools, stream: true, stream_options: { include_usage: true } })
  let usage: OpenAI.CompletionUsage | undefined
  for await (const chunk of second) if (chunk.usage != null) usage = chunk.usage
  const sent2 = fake.requests.at(-1)!.body
  assert.equal(markers(sent2), 4, 'never more than four')
  assert.deepEqual(sent2.messages[0].content.at(-1).cache_control, { type: 'ephemeral' }, 'the turn the previous request ended with')
  assert.ok((usage?.prompt_tokens_details?.cached_tokens ?? 0) > 1500, `the second request reads the cached prefix (cached_tokens ${usage?.prompt_tokens_details?.cached_tokens})`)
})

test('an OpenAI client on OpenRouter anthropic/*: breakpoints reach Claude, and the next turn reads its cache', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeOpenRouter({ apiKey: 'sk-or-test' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'openrouter', OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_ENDPOINT: `${fake.url}/api/v1`, OPENROUTER_MODEL: 'anthropic/claude-sonnet-4.5', ...ON })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'Sure.' })
  const turn1: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: long('You are Cursor', 1500) }, { role: 'user', content: 'Rename the variable.' }]
  await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4.5', messages: turn1 })
  const second = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4.5', messages: [...turn1, { role: 'assistant', content: 'Sure.' }, { role: 'user', content: 'Now run the tests.' }] })
  const sent = fake.requests.at(-1)!.body
  assert.equal(markers(sent), 3, 'system, the previous turn and the newest (OpenAI tools carry none)')
  assert.ok((second.usage?.prompt_tokens_details?.cached_tokens ?? 0) > 1500, `cached_tokens ${second.usage?.prompt_tokens_details?.cached_tokens}`)
})

test('Claude Code\'s own breakpoints go through as they are: none added', { timeout: 60_000 }, async (t) => {
  const { fake, gateway } = await azureAnthropic(t, ON, true)
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'Done.' })
  const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1' }, { type: 'text', text: long('You are Claude Code', 1500), cache_control: { type: 'ephemeral' } }]
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: long('context', 300) }, { type: 'text', text: 'Fix the test.', cache_control: { type: 'ephemeral' } }] }]
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1000, system, messages, tools: [{ name: 'Bash', description: long('bash', 1200), input_schema: { type: 'object' } }] })
  const sent = fake.requests.at(-1)!.body
  assert.equal(markers(sent), 2)
  assert.equal(sent.tools[0].cache_control, undefined)
  assert.equal(sent.system[0].cache_control, undefined)
})

test('Bedrock Converse (Nova): cache points after the system prompt and the newest turn', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSK-token' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSK-token', AWS_ENDPOINT_URL: fake.url, AWS_BEDROCK_MODEL_ID: 'us.amazon.nova-pro-v1:0', ...ON })
  t.after(async () => { await gateway.close(); await fake.close() })
  fake.respondWith({ text: 'Hello.' })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  await client.messages.create({ model: 'nova', max_tokens: 500, system: long('You are helpful', 1500), messages: [{ role: 'user', content: 'Say hello.' }] })
  const sent = fake.requests.at(-1)!.body
  assert.deepEqual(sent.system.at(-1), { cachePoint: { type: 'default' } })
  assert.deepEqual(sent.messages.at(-1).content.at(-1), { cachePoint: { type: 'default' } })
})

test('prefix-caching upstreams: prompt_cache_key per session (OpenAI), keep_alive (Ollama), cache_prompt (llama.cpp)', { timeout: 120_000 }, async (t) => {
  const openai = await startFakeOpenAI({ apiKey: 'sk-test-key' })
  const ollama = await startFakeOllama()
  const llama = await startFakeLlamaCpp()
  const gateway = await startGateway({
    MODEL_PROVIDER: 'openai', FALLBACK_ENABLED: 'false', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${openai.url}/v1`, OPENAI_MODEL: 'gpt-4o-mini',
    OLLAMA_ENDPOINT: ollama.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', LLAMACPP_ENDPOINT: llama.url,
    // Tiers enable the local providers; each request names its provider.
    TIER_SIMPLE: 'ollama:qwen2.5-coder:7b', TIER_MEDIUM: 'llamacpp:default', TIER_COMPLEX: 'openai:gpt-4o-mini', TIER_REASONING: 'openai:gpt-4o-mini',
    ...ON
  })
  t.after(async () => { await gateway.close(); await openai.close(); await ollama.close(); await llama.close() })
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 })
  const ask = async (model: string, session: string, question: string) => await client.chat.completions.create({ model, messages: [{ role: 'user', content: question }] }, { headers: { 'x-session-id': session } })
  await ask('openai:gpt-4o-mini', 'alpha', 'first question')
  await ask('openai:gpt-4o-mini', 'alpha', 'second question')
  await ask('openai:gpt-4o-mini', 'beta', 'first question')
  const keys = openai.requests.filter((request) => Array.isArray(request.body?.messages)).map((request) => request.body.prompt_cache_key)
  assert.match(keys[0], /^lynkr-[0-9a-f]{32}$/)
  assert.equal(keys[1], keys[0], 'stable within a session')
  assert.notEqual(keys[2], keys[0], 'another session, another key')

  await ask('ollama:qwen2.5-coder:7b', 'alpha', 'hi')
  assert.equal(ollama.requests.at(-1)!.body.keep_alive, '30m', 'the model and its KV cache stay loaded')
  await ask('llamacpp:default', 'alpha', 'hi')
  assert.equal(llama.requests.at(-1)!.body.cache_prompt, true)
})

test('response cache, Anthropic front door: a repeat is answered whole and streamed without the provider, per session, never a tool call', { timeout: 90_000 }, async (t) => {
  const { fake, gateway } = await azureAnthropic(t)
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const params: Anthropic.MessageCreateParamsNonStreaming = { model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: 'What does this gateway do?' }] }
  const session = { headers: { 'x-session-id': 'session-a' } }
  fake.respondWith({ text: 'It routes model calls.' })
  const first = await client.messages.create(params, session).withResponse()
  assert.equal(first.response.headers.get('x-lynkr-cache'), null)
  const whole = await client.messages.create(params, session).withResponse()
  assert.equal(whole.response.headers.get('x-lynkr-cache'), 'hit')
  assert.deepEqual(whole.data.content, [{ type: 'text', text: 'It routes model calls.' }])
  assert.notEqual(whole.data.id, first.data.id, 'an answer of its own')
  const streamed = client.messages.stream({ ...params, stream: true } as Anthropic.MessageCreateParamsStreaming, session)
  const { response } = await streamed.withResponse()
  assert.equal(response.headers.get('x-lynkr-cache'), 'hit')
  assert.deepEqual((await streamed.finalMessage()).content, [{ type: 'text', text: 'It routes model calls.' }])
  assert.equal(chats(fake), 1, 'the provider was asked once')

  await client.messages.create(params, { headers: { 'x-session-id': 'session-b' } })
  assert.equal(chats(fake), 2, 'another session is not answered from this one')

  const toolParams = { ...params, tools: [{ name: 'Read', input_schema: { type: 'object' as const } }] }
  fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { path: 'a.ts' } }] })
  await client.messages.create(toolParams, session)
  const again = await client.messages.create(toolParams, session).withResponse()
  assert.equal(again.response.headers.get('x-lynkr-cache'), null)
  assert.equal(chats(fake), 4, 'a tool call is never replayed')

  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  assert.match(metrics, /lynkr_response_cache_total\{cache="exact",outcome="hit",provider="azure-anthropic",model="claude-sonnet-4-5"\} 2/)
})

test('response cache, OpenAI front door: hits whole and streamed; a miss once the TTL passed', { timeout: 90_000 }, async (t) => {
  const { fake, gateway } = await azureAnthropic(t, { ...ON, PROMPT_CACHE_TTL_MS: '1000' })
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 })
  fake.respondWith({ text: 'Forty-two.' })
  const params = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'The answer?' }] }
  await client.chat.completions.create(params)
  const whole = await client.chat.completions.create(params).withResponse()
  assert.equal(whole.response.headers.get('x-lynkr-cache'), 'hit')
  assert.equal(whole.data.choices[0]!.message.content, 'Forty-two.')
  assert.equal(whole.data.choices[0]!.finish_reason, 'stop')
  const { data: stream, response } = await client.chat.completions.create({ ...params, stream: true }).withResponse()
  assert.equal(response.headers.get('x-lynkr-cache'), 'hit')
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
  assert.equal(text, 'Forty-two.')
  assert.equal(chats(fake), 1)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const late = await client.chat.completions.create(params).withResponse()
  assert.equal(late.response.headers.get('x-lynkr-cache'), null)
  assert.equal(chats(fake), 2, 'expired after PROMPT_CACHE_TTL_MS')
})

test('semantic cache: a tool-free prompt that embeds like an earlier one gets its answer; with tools it never does', { timeout: 90_000 }, async (t) => {
  const ollama = await startFakeOllama()
  const gateway = await startGateway({ MODEL_PROVIDER: 'ollama', OLLAMA_ENDPOINT: ollama.url, OLLAMA_MODEL: 'qwen2.5-coder:7b', OLLAMA_EMBEDDINGS_MODEL: 'nomic-embed-text', SEMANTIC_CACHE_ENABLED: 'true', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await ollama.close() })
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'client', maxRetries: 0 })
  ollama.respondWith({ text: 'A monoid in the category of endofunctors.' })
  await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'What is a monad?' }] })
  // A different request (the exact cache would not match it) whose prompt embeds the same.
  const similar = await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'What is a monad?\n' }] }).withResponse()
  assert.equal(similar.response.headers.get('x-lynkr-cache'), 'semantic')
  assert.equal(similar.data.choices[0]!.message.content, 'A monoid in the category of endofunctors.')
  assert.equal(chats(ollama), 1)
  const other = await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'What is a functor?' }] }).withResponse()
  assert.equal(other.response.headers.get('x-lynkr-cache'), null)
  const withTools = await client.chat.completions.create({ model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'What is a monad?' }], tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }] }).withResponse()
  assert.equal(withTools.response.headers.get('x-lynkr-cache'), null)
  assert.equal(chats(ollama), 3)
})
