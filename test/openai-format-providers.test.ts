import { test } from 'node:test'
import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway, ollamaEnv } from './helpers/gateway.ts'
import { startFakeOllama } from './helpers/fake-ollama.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'
import { strictTemplateProblem } from './helpers/fake-openai-dialects.ts'
import { azureOpenAICase, azureOpenAIV1Case, databricksCase, llamaCppCase, lmStudioCase, moonshotCase, openAICase, openRouterCase } from './helpers/openai-provider-cases.ts'
import type { ProviderCase } from './helpers/provider-cases.ts'

// Provider-specific behaviour of the OpenAI-format providers that the shared conformance scenarios do not
// show: what exactly reaches each fake, and what each fake refuses the way the real service does.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const tools: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } }
]

async function boot (t: { after: (fn: () => Promise<void>) => void }, provider: { start: () => Promise<FakeUpstream>, env: (url: string) => Record<string, string> }, extra: Record<string, string> = {}) {
  const fake = await provider.start()
  const gateway = await startGateway({ ...provider.env(fake.url), ...NO_RETRIES, ...extra })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  const posts = () => fake.requests.filter((request) => request.method === 'POST')
  return { fake, gateway, client, posts }
}

async function rawPost (url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json() }
}

const PRINTED = '<think>\nThe user wants files listed.\n</think>\n\nListing.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n</tool_call>'
const localCases: Array<Pick<ProviderCase, 'name' | 'start' | 'env'>> = [
  llamaCppCase,
  lmStudioCase,
  // A model no "tool-capable" list would contain: tools are sent anyway.
  { name: 'ollama', start: async () => await startFakeOllama(), env: (url) => ollamaEnv(url, { OLLAMA_MODEL: 'llama2:7b' }) }
]

for (const provider of localCases) {
  test(`${provider.name}: tools are always sent; <think> and a printed <tool_call> reach the client as thinking and tool_use`, { timeout: 60_000 }, async (t) => {
    const { fake, client, posts } = await boot(t, provider)
    fake.respondWith({ text: PRINTED })
    const streamed = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'list files' }] }).finalMessage()
    const whole = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'list files' }] })
    for (const message of [streamed, whole]) {
      assert.deepEqual(message.content.map((block) => block.type), ['thinking', 'text', 'tool_use'], JSON.stringify(message.content))
      assert.equal((message.content[0] as Anthropic.ThinkingBlock).thinking, 'The user wants files listed.')
      assert.deepEqual(message.content[1], { type: 'text', text: 'Listing.' })
      const use = message.content[2] as Anthropic.ToolUseBlock
      assert.deepEqual([use.name, use.input], ['Bash', { command: 'ls -la' }])
      assert.match(use.id, /^[a-zA-Z0-9_-]+$/)
      assert.equal(message.stop_reason, 'tool_use')
    }
    for (const request of posts()) assert.deepEqual(request.body.tools.map((tool: any) => tool.function.name), ['Bash', 'Read'])

    fake.respondWith({ text: '{"name": "Read", "arguments": {"file_path": "a.ts"}}' })
    const bare = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, tools, messages: [{ role: 'user', content: 'read a.ts' }] }).finalMessage()
    assert.deepEqual(bare.content.map((block) => block.type === 'tool_use' ? [block.name, block.input] : block.type), [['Read', { file_path: 'a.ts' }]])
  })
}

test('OpenAI: Claude Code\'s max_tokens (128000) is lowered to the model\'s cap from the built-in table; OPENAI_MAX_OUTPUT_TOKENS overrides it', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, openAICase)
  fake.respondWith({ text: 'fits' })
  const message = await client.messages.stream({ model: 'claude-opus-4-5', max_tokens: 128_000, tools, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  assert.deepEqual(message.content, [{ type: 'text', text: 'fits' }])
  assert.equal(posts().at(-1)!.body.max_tokens, 16_384, 'gpt-4o answers at most 16384 tokens and OpenAI refuses more')

  const { fake: capped, client: cappedClient, posts: cappedPosts } = await boot(t, openAICase, { OPENAI_MAX_OUTPUT_TOKENS: '2000' })
  capped.respondWith({ text: 'smaller' })
  await cappedClient.messages.create({ model: 'claude-opus-4-5', max_tokens: 8000, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(cappedPosts().at(-1)!.body.max_tokens, 2000)
})

test('A model no table knows: its refusal of max_tokens names the cap, the call is retried within it, and the next call is fitted first', { timeout: 60_000 }, async (t) => {
  const turbo = { start: async () => await openAICase.start({ maxOutputTokens: 4096 }), env: (url: string) => ({ ...openAICase.env(url), OPENAI_MODEL: 'gpt-4-turbo' }) }
  const { fake, client, posts } = await boot(t, turbo)
  fake.respondWith({ text: 'first' })
  const first = await client.messages.stream({ model: 'claude-opus-4-5', max_tokens: 128_000, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  assert.deepEqual(first.content, [{ type: 'text', text: 'first' }])
  assert.deepEqual(posts().map((request) => request.body.max_tokens), [128_000, 4096], 'refused once, then sent within the cap')
  fake.respondWith({ text: 'second' })
  await client.messages.stream({ model: 'claude-opus-4-5', max_tokens: 32_000, messages: [{ role: 'user', content: 'again' }] }).finalMessage()
  assert.deepEqual(posts().map((request) => request.body.max_tokens), [128_000, 4096, 4096], 'the learned cap is applied before sending')
})

test('llama.cpp: the fake refuses what a strict template refuses; the gateway sends one system message and alternating roles', { timeout: 60_000 }, async (t) => {
  assert.match(strictTemplateProblem({ messages: [{ role: 'system', content: 'a' }, { role: 'user', content: 'b' }, { role: 'system', content: 'c' }] }) ?? '', /System message must be at the beginning/)
  assert.match(strictTemplateProblem({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }) ?? '', /must alternate/)
  assert.match(strictTemplateProblem({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: null, tool_calls: [{}] }, { role: 'tool', content: 'x' }, { role: 'user', content: 'b' }] }) ?? '', /must alternate/)

  const { fake, gateway, client, posts } = await boot(t, llamaCppCase)
  const refused = await rawPost(`${fake.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] }, { authorization: 'Bearer llama-key' })
  assert.equal(refused.status, 500)
  assert.match(refused.body.error.message, /conversation roles must alternate/)

  fake.respondWith({ text: 'Done.' })
  // Claude Code 2.1-shaped history: an in-place system message, user text next to tool results, thinking.
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      top_k: 20,
      system: [{ type: 'text', text: 'You are Claude Code.' }],
      tools,
      messages: [
        { role: 'user', content: [{ type: 'text', text: '<system-reminder>ctx</system-reminder>' }, { type: 'text', text: 'list files' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use Bash.', signature: '' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts' }, { type: 'text', text: 'now summarise' }] },
        { role: 'system', content: 'The user changed directory.' }
      ]
    })
  })
  const reply = await response.json() as { content: unknown }
  assert.equal(response.status, 200, JSON.stringify(reply))
  assert.deepEqual(reply.content, [{ type: 'text', text: 'Done.' }])
  const body = posts().at(-1)!.body
  assert.equal(strictTemplateProblem(body), null)
  assert.deepEqual(body.messages.map((m: any) => m.role), ['system', 'user', 'assistant', 'tool'])
  assert.equal(body.messages[0].content, 'You are Claude Code.')
  assert.equal(body.messages[2].reasoning_content, 'Use Bash.')
  assert.equal(body.messages[3].content, 'a.ts\n\nnow summarise\n\nThe user changed directory.')
  assert.equal(body.top_k, 20)
  assert.equal(posts().at(-1)!.headers.authorization, 'Bearer llama-key')
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
})

test('OpenRouter: Claude Code\'s prompt-cache breakpoints reach Anthropic models as cache_control on text parts, so the second turn reads the cache; other models get none', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, openRouterCase)
  // What Claude Code 2.1.332 sends on a tool-result turn: breakpoints on two system blocks, the mid-conversation system message and the tool result.
  const turn = JSON.parse(readFileSync(new URL('../plugins/api-anthropic/src/__fixtures__/claude-code-2.1.332-tool-turn.json', import.meta.url), 'utf8'))
  const ask = async (model: string) => await client.messages.stream({ ...turn, model, stream: undefined }).finalMessage()
  fake.respondWith({ text: 'first' })
  const first = await ask('claude-sonnet-4-5')
  const body = posts().at(-1)!.body
  const marked = (body.messages as any[]).flatMap((message) => Array.isArray(message.content) ? message.content.filter((part: any) => part.cache_control !== undefined).map((part: any) => [message.role, part.type, part.cache_control]) : [])
  assert.deepEqual(marked, [
    ['system', 'text', { type: 'ephemeral' }], ['system', 'text', { type: 'ephemeral' }],
    ['system', 'text', { type: 'ephemeral' }],
    ['tool', 'text', { type: 'ephemeral' }]
  ])
  assert.equal(first.usage.cache_read_input_tokens ?? 0, 0, 'nothing cached yet')
  assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 0, 'the prefix was written to the cache')

  fake.respondWith({ text: 'second' })
  const second = await ask('claude-sonnet-4-5')
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens, 'the resent prefix is read from the cache, all of it')

  fake.respondWith({ text: 'gpt' })
  await ask('openrouter:openai/gpt-4o')
  assert.doesNotMatch(JSON.stringify(posts().at(-1)!.body), /cache_control/, 'models that cache prefixes by themselves get no breakpoints')
})

test('OpenRouter: automatic caching (a top-level cache_control) caches the conversation up to its last block', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, openRouterCase)
  const history = 'Earlier in this session we read the whole repository. '.repeat(200)
  const params = { model: 'claude-sonnet-4-5', max_tokens: 256, cache_control: { type: 'ephemeral' }, messages: [{ role: 'user', content: history }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'What next?' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming
  fake.respondWith({ text: 'first' })
  const first = await client.messages.create(params)
  const last = (posts().at(-1)!.body.messages as any[]).at(-1)
  assert.deepEqual(last.content, [{ type: 'text', text: 'What next?', cache_control: { type: 'ephemeral' } }], 'the breakpoint sits on the last block')
  fake.respondWith({ text: 'second' })
  const second = await client.messages.create(params)
  assert.ok((first.usage.cache_creation_input_tokens ?? 0) > 500)
  assert.equal(second.usage.cache_read_input_tokens, first.usage.cache_creation_input_tokens)
})

test('OpenRouter: attribution headers, `reasoning` from thinking, reasoning_details back unchanged; tampered details are refused', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, openRouterCase, { OPENROUTER_SITE_URL: 'https://example.com/app' })
  fake.respondWith({ reasoning: 'Plan the greeting.', text: 'Hello!' })
  const first = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  const sent = posts().at(-1)!
  assert.equal(sent.headers['http-referer'], 'https://example.com/app')
  assert.equal(sent.headers['x-title'], 'lynkr')
  assert.deepEqual(sent.body.reasoning, { max_tokens: 2048 })
  const thinking = first.content[0] as Anthropic.ThinkingBlock
  assert.equal(thinking.thinking, 'Plan the greeting.')

  fake.respondWith({ text: 'Again.' })
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: first.content }, { role: 'user', content: 'again' }] })
  const details = posts().at(-1)!.body.messages[1].reasoning_details
  assert.equal(details.length, 1)
  assert.equal(details[0].text, 'Plan the greeting.')

  const tampered = await rawPost(`${fake.url}/api/v1/chat/completions`, {
    model: 'anthropic/claude-sonnet-4.5',
    messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'x', reasoning_details: [{ ...details[0], text: 'Something else.' }] }, { role: 'user', content: 'again' }]
  }, { authorization: 'Bearer sk-or-test' })
  assert.equal(tampered.status, 400)
  assert.match(tampered.body.error.message, /signature/)
})

test('Azure OpenAI: api-key header and api-version on deployments URLs; content_filter becomes refusal; the fake refuses Bearer keys', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, azureOpenAICase)
  fake.respondWith({ text: 'Partial', finishReason: 'content_filter' })
  const message = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
  assert.equal(message.stop_reason, 'refusal')
  const sent = posts().at(-1)!
  assert.equal(sent.path, '/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21')
  assert.equal(sent.headers['api-key'], 'azure-openai-key')
  assert.equal(sent.headers.authorization, undefined, 'the key travels only in api-key')

  const bearer = await rawPost(`${fake.url}/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21`, { messages: [{ role: 'user', content: 'hi' }] }, { authorization: 'Bearer azure-openai-key' })
  assert.equal(bearer.status, 401)
  const noVersion = await rawPost(`${fake.url}/openai/deployments/gpt-4o-prod/chat/completions`, { messages: [{ role: 'user', content: 'hi' }] }, { 'api-key': 'azure-openai-key' })
  assert.equal(noVersion.status, 404)
})

test('Azure OpenAI /openai/v1/ with a reasoning deployment: max_completion_tokens, no temperature, reasoning_effort', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, azureOpenAIV1Case)
  fake.respondWith({ text: 'ok' })
  // The SDK's types no longer list temperature next to thinking; older clients still send both.
  const params = { model: 'claude-sonnet-4-5', max_tokens: 20_000, temperature: 0.7, thinking: { type: 'enabled', budget_tokens: 8000 }, messages: [{ role: 'user', content: 'hi' }] }
  await client.messages.create(params as unknown as Parameters<typeof client.messages.create>[0])
  const sent = posts().at(-1)!
  assert.equal(sent.path, '/openai/v1/chat/completions')
  assert.equal(sent.body.model, 'o4-mini')
  assert.equal(sent.body.max_completion_tokens, 20_000)
  assert.equal('max_tokens' in sent.body || 'temperature' in sent.body, false)
  assert.equal(sent.body.reasoning_effort, 'medium')
})

test('Databricks: invocations URL without a body model, thinking for Claude endpoints, signed reasoning parts on replay', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, databricksCase)
  fake.respondWith({ reasoning: 'Think first.', text: 'Hello!' })
  const first = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] })
  let sent = posts().at(-1)!
  assert.equal(sent.path, '/serving-endpoints/databricks-claude-sonnet-4-5/invocations')
  assert.equal(sent.headers.authorization, 'Bearer dapi-test-token')
  assert.equal('model' in sent.body, false)
  assert.deepEqual(sent.body.thinking, { type: 'enabled', budget_tokens: 2048 })
  const thinking = first.content[0] as Anthropic.ThinkingBlock
  // Marked as Databricks' own (signature-origin), so it never reaches another family's upstream.
  assert.match(thinking.signature, /^databricks:.{10}/)

  fake.respondWith({ text: 'Again.' })
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: first.content }, { role: 'user', content: 'again' }] })
  sent = posts().at(-1)!
  assert.deepEqual(sent.body.messages[1].content, [
    { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Think first.', signature: thinking.signature.slice('databricks:'.length) }] },
    { type: 'text', text: 'Hello!' }
  ])
})

test('Moonshot: Kimi tool ids reach the client as valid ids and go back exactly; reasoning_content placeholder; thinking-model sampling', { timeout: 60_000 }, async (t) => {
  const { fake, client, posts } = await boot(t, moonshotCase)
  fake.respondWith({ toolCalls: [{ name: 'Read', arguments: { file_path: 'a.ts' } }, { name: 'Bash', arguments: { command: 'ls' } }] })
  const first = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 512, temperature: 0.3, tools, messages: [{ role: 'user', content: 'go' }] }).finalMessage()
  let sent = posts().at(-1)!
  assert.equal(sent.body.temperature, 1)
  assert.ok(sent.body.max_tokens >= 16_000, String(sent.body.max_tokens))
  const uses = first.content.filter((block) => block.type === 'tool_use')
  for (const use of uses) assert.match(use.id, /^[a-zA-Z0-9_-]+$/)

  fake.respondWith({ text: 'Both done.' })
  await client.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 512,
    tools,
    messages: [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: uses.map((use) => ({ type: 'tool_result' as const, tool_use_id: use.id, content: 'ok' })) }
    ]
  })
  sent = posts().at(-1)!
  assert.deepEqual(sent.body.messages[1].tool_calls.map((call: any) => call.id), ['functions.Read:0', 'functions.Bash:1'])
  assert.equal(sent.body.messages[1].reasoning_content, '')
  assert.deepEqual(sent.body.messages.slice(2).map((m: any) => m.tool_call_id), ['functions.Read:0', 'functions.Bash:1'])

  const missing = await rawPost(`${fake.url}/v1/chat/completions`, {
    model: 'kimi-k2-thinking',
    messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: null, tool_calls: [{ id: 'functions.Read:0', type: 'function', function: { name: 'Read', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'functions.Read:0', content: 'ok' }]
  }, { authorization: 'Bearer sk-moonshot-test' })
  assert.equal(missing.status, 400)
  assert.match(missing.body.error.message, /reasoning_content is missing in assistant tool call message at index 1/)
})

// vLLM behind an OpenAI-style endpoint, Azure Foundry, Databricks and OpenRouter serve DeepSeek-R1 and Qwen3
// without a reasoning parser: the answer opens with <think>…</think>, which must not reach the client as text.
const cloudThinkCases: Array<{ provider: Pick<ProviderCase, 'name' | 'start' | 'env'>, variable: string }> = [
  { provider: openAICase, variable: 'OPENAI_THINK_TAGS' },
  { provider: azureOpenAICase, variable: 'AZURE_OPENAI_THINK_TAGS' },
  { provider: databricksCase, variable: 'DATABRICKS_THINK_TAGS' },
  { provider: openRouterCase, variable: 'OPENROUTER_THINK_TAGS' }
]
const LEADING_THINK = '<think>\nThe user asks about tags.\n</think>\n\nWrap it in <think> tags.'

for (const { provider, variable } of cloudThinkCases) {
  test(`${provider.name}: an answer that opens with <think> reaches the client as a thinking block (${variable}=false keeps it text)`, { timeout: 60_000 }, async (t) => {
    const { fake, client } = await boot(t, provider)
    fake.respondWith({ text: LEADING_THINK })
    const streamed = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'how do I mark reasoning?' }] }).finalMessage()
    const whole = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'how do I mark reasoning?' }] })
    for (const message of [streamed, whole]) {
      assert.deepEqual(message.content.map((block) => block.type), ['thinking', 'text'], JSON.stringify(message.content))
      assert.equal((message.content[0] as Anthropic.ThinkingBlock).thinking, 'The user asks about tags.')
      assert.deepEqual(message.content[1], { type: 'text', text: 'Wrap it in <think> tags.' }, 'a tag later in the answer stays text')
    }

    const off = await boot(t, provider, { [variable]: 'false' })
    off.fake.respondWith({ text: LEADING_THINK })
    const raw = await off.client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'x' }] }).finalMessage()
    assert.deepEqual(raw.content, [{ type: 'text', text: LEADING_THINK }])
  })
}
