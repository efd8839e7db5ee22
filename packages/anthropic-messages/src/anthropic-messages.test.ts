import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatRequest, MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { parseAnthropicSse } from './anthropic-messages-adapter.ts'
import { anthropicMessageToParts, anthropicError } from './parse-anthropic-response.ts'
import { toAnthropicRequest } from './to-anthropic-request.ts'
import { filterBetas, parseBetaHeader, ANTHROPIC_API_BETAS, BEDROCK_BETAS } from './betas.ts'
import { claudeModelInfo } from './claude-models.ts'
import { messagesUrl } from './anthropic-messages-adapter.ts'

const raw = readFileSync(new URL('./__fixtures__/thinking-redacted-text-two-tools.sse.txt', import.meta.url))

async function collect (chunkSize: number): Promise<{ parts: UpstreamPart[], events: MessageEvent[] }> {
  const parts: UpstreamPart[] = []
  for await (const part of parseAnthropicSse('azure-anthropic', byteChunks(raw, chunkSize), { url: 'http://x', signal: new AbortController().signal })) parts.push(part)
  return { parts, events: await assembleParts(parts, { clientModel: 'claude-opus-5-5', inputTokensEstimate: 1 }) }
}

test('an Anthropic stream passes through faithfully: signature, redacted thinking, text, both tool inputs, cache usage', async () => {
  const { events } = await collect(7)
  const message = collectMessage(events)
  assert.deepEqual(message.content, [
    { type: 'thinking', thinking: 'Need the weather for two cities.', signature: 'EqQBCkYIBxgCIkDgsmlz+Bz1vU0gV3/6qoD+yK8Hk7n4w==' },
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pabdNx==' },
    { type: 'text', text: 'Checking both.' },
    { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris' } },
    { type: 'tool_use', id: 'toolu_01B2c', name: 'get_weather', input: { city: 'Tōkyō "東京"' } }
  ])
  assert.equal(message.stop_reason, 'tool_use')
  // The split of cache writes by lifetime reaches the client too (and prices 1-hour writes at their rate).
  assert.deepEqual(message.usage, { input_tokens: 412, output_tokens: 87, cache_creation_input_tokens: 120, cache_read_input_tokens: 3900, cache_creation: { ephemeral_5m_input_tokens: 120, ephemeral_1h_input_tokens: 0 } })
  const start = events[0] as Extract<MessageEvent, { type: 'message_start' }>
  assert.equal(start.message.usage.cache_read_input_tokens, 3900, 'cache usage already in message_start')
  // The signature is one delta, sent just before the thinking block closes.
  const signatureAt = events.findIndex((event) => event.type === 'content_block_delta' && event.delta.type === 'signature_delta')
  assert.deepEqual(events[signatureAt + 1], { type: 'content_block_stop', index: 0 })
})

test('the same parts whatever the chunking; a non-streamed Message gives the same content', async () => {
  const a = await collect(1)
  const b = await collect(4096)
  assert.deepEqual(a.parts, b.parts)
  const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'x', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 2 } }
  assert.deepEqual(anthropicMessageToParts('p', message).slice(1), [
    { type: 'reasoning-delta', text: 't' }, { type: 'reasoning-signature', signature: 's' }, { type: 'tool-call', id: 'toolu_1', name: 'f', input: { a: 1 } },
    { type: 'usage', usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 2 } }, { type: 'finish', reason: 'tool_use', stopSequence: null }
  ])
})

test('a stream that ends without message_stop is an error', async () => {
  const cut = raw.subarray(0, raw.indexOf('event: message_delta'))
  await assert.rejects((async () => { for await (const _ of parseAnthropicSse('p', (async function * () { yield cut })(), { url: 'http://x', signal: new AbortController().signal })) { /* drain */ } })(), /before message_stop/)
})

test('Anthropic error bodies keep their body and map their type', () => {
  const overloaded = anthropicError('azure-anthropic', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })
  assert.deepEqual([overloaded.kind, overloaded.message], ['overloaded', 'Overloaded'])
  const long = anthropicError('azure-anthropic', { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 400)
  assert.equal(long.kind, 'context_length_exceeded')
  assert.deepEqual(long.upstreamBody, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } })
})

function request (overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'claude-sonnet-4-5', clientModel: 'claude-opus-5-5', messages: [], max_tokens: 32000, stream: true, ...overrides }
}

test('the rebuilt body keeps the client\'s blocks byte-for-byte', () => {
  const system = [{ type: 'text' as const, text: 'x-anthropic-billing-header: cc_version=2.1.332' }, { type: 'text' as const, text: 'You are Claude Code.', cache_control: { type: 'ephemeral' as const } }]
  const assistant = [{ type: 'thinking' as const, thinking: 'hmm', signature: 'sig-1' }, { type: 'redacted_thinking' as const, data: 'opaque' }, { type: 'tool_use' as const, id: 'toolu_1', name: 'Bash', input: { command: 'ls' }, cache_control: { type: 'ephemeral' as const } }]
  const user = [{ type: 'tool_result' as const, tool_use_id: 'toolu_1', content: 'a\nb', is_error: false, cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } }]
  const tools = [{ name: 'Bash', description: 'Run', input_schema: { type: 'object' }, strict: true, cache_control: { type: 'ephemeral' as const } }, { name: 'web_search', type: 'web_search_20250305', max_uses: 3, input_schema: {} }]
  const body = toAnthropicRequest(request({
    system, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true }, thinking: { type: 'enabled', budget_tokens: 4000 }, stop_sequences: ['STOP'], userId: '{"session_id":"s"}',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'go' }] }, { role: 'system', content: [{ type: 'text', text: 'env', cache_control: { type: 'ephemeral' } }] }, { role: 'assistant', content: assistant }, { role: 'user', content: user }]
  }), { model: 'claude-sonnet-4-5', stream: true, systemMessages: 'keep', betas: [], adaptiveThinking: false })
  assert.equal(JSON.stringify(body.system), JSON.stringify(system))
  assert.equal(JSON.stringify(body.tools), JSON.stringify(tools))
  const messages = body.messages as Array<{ role: string, content: unknown }>
  assert.equal(messages[1]!.role, 'system', 'kept in place for Anthropic\'s own API')
  assert.equal(JSON.stringify(messages[2]!.content), JSON.stringify(assistant))
  assert.equal(JSON.stringify(messages[3]!.content), JSON.stringify(user))
  assert.deepEqual(Object.keys(body), ['model', 'max_tokens', 'system', 'messages', 'tools', 'tool_choice', 'thinking', 'stop_sequences', 'metadata', 'stream'])
})

test('what the target would reject is removed: foreign thinking, empty text, beta-only tool fields, adaptive on old models', () => {
  const body = toAnthropicRequest(request({
    thinking: { type: 'adaptive', display: 'omitted' },
    effort: 'high',
    tools: [{ name: 'Read', input_schema: { type: 'object' }, input_examples: [{}] }, { name: 'Deferred', input_schema: { type: 'object' }, defer_loading: true }],
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'env' }] },
      { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'from gpt' }, { type: 'thinking', thinking: 'from gemini', signature: 'gemini:abc' }, { type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'q2' }] }
    ]
  }), { stream: false, systemMessages: 'hoist', betas: [], adaptiveThinking: false, extra: { anthropic_version: 'bedrock-2023-05-31' } })
  assert.equal(body.model, undefined)
  assert.deepEqual(body.system, [{ type: 'text', text: 'env' }])
  assert.deepEqual(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'q' }] }, { role: 'assistant', content: [{ type: 'text', text: 'a' }] }, { role: 'user', content: [{ type: 'text', text: 'q2' }] }])
  assert.deepEqual(body.tools, [{ name: 'Read', input_schema: { type: 'object' } }])
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 32000 - 1 }, 'adaptive → a budget (effort high, capped below max_tokens)')
  assert.equal(body.output_config, undefined, 'effort needs its beta')
  assert.equal(body.anthropic_version, 'bedrock-2023-05-31')
  const withBeta = toAnthropicRequest(request({ effort: 'high', tools: [{ name: 'Deferred', input_schema: { type: 'object' }, defer_loading: true }], messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] }), { systemMessages: 'keep', betas: ['effort-2025-11-24', 'advanced-tool-use-2025-11-20'] })
  assert.deepEqual(withBeta.output_config, { effort: 'high' })
  assert.equal((withBeta.tools as unknown[]).length, 1)
})

test('a tool turn whose thinking was foreign continues without thinking', () => {
  const body = toAnthropicRequest(request({
    thinking: { type: 'enabled', budget_tokens: 2048 },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'unsigned' }, { type: 'tool_use', id: 't', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'r' }] }
    ]
  }), { systemMessages: 'keep', betas: [] })
  assert.equal(body.thinking, undefined)
})

test('betas: allow-lists with prefixes; Claude model table; endpoint URLs', () => {
  const sent = parseBetaHeader(['claude-code-20250219,interleaved-thinking-2025-05-14', 'afk-mode-2026-01-31, context-1m-2025-08-07'])
  assert.deepEqual(filterBetas(sent, ANTHROPIC_API_BETAS), ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'])
  assert.deepEqual(filterBetas(sent, BEDROCK_BETAS), ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07'])
  assert.deepEqual(filterBetas(sent, ['*']), sent)
  assert.deepEqual(filterBetas(sent, []), [])
  const table: Array<[string, number, boolean]> = [
    ['claude-3-haiku-20240307', 4096, false], ['claude-3-5-sonnet-20241022', 8192, false], ['claude-3-7-sonnet-20250219', 64_000, false],
    ['claude-sonnet-4-20250514', 64_000, false], ['claude-opus-4-1-20250805', 32_000, false], ['anthropic.claude-sonnet-4-5-20250929-v1:0', 64_000, false],
    ['claude-opus-4-6', 128_000, true], ['claude-opus-5-5', 128_000, true], ['claude-haiku-4-5@20251001', 64_000, false]
  ]
  for (const [model, maxOutput, adaptive] of table) {
    const info = claudeModelInfo(model)!
    assert.deepEqual([info.maxOutputTokens, info.adaptiveThinking], [maxOutput, adaptive], model)
  }
  assert.equal(claudeModelInfo('GLM-4.7'), undefined)
  assert.equal(claudeModelInfo('claude-sonnet-4-5', { betas: ['context-1m-2025-08-07'] })!.contextWindow, 1_000_000)
  assert.equal(messagesUrl('https://r.services.ai.azure.com/anthropic'), 'https://r.services.ai.azure.com/anthropic/v1/messages')
  assert.equal(messagesUrl('https://api.z.ai/api/anthropic/v1/messages'), 'https://api.z.ai/api/anthropic/v1/messages')
  assert.equal(messagesUrl('http://127.0.0.1:9/v1/'), 'http://127.0.0.1:9/v1/messages')
})

test('a web search another upstream ran goes to Anthropic as text, its lynkr citations dropped; Anthropic\'s own search blocks pass unchanged', async () => {
  const { encodeSearchContent, encodeCitationIndex } = await import('@lynkr/protocol')
  const ours = { type: 'web_search_result', url: 'https://nodejs.org/en/blog', title: 'Node.js blog', encrypted_content: encodeSearchContent({ provider: 'vertex', snippets: ['Node 24 was released in May 2025.'] }), page_age: null }
  const theirs = { type: 'web_search_result', url: 'https://example.com', title: 'Example', encrypted_content: 'EqgfCioIAhgBIiQ3', page_age: null }
  const request: ChatRequest = {
    model: 'claude-sonnet-4-5',
    clientModel: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream: true,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'When did Node 24 come out?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 'srvtoolu_ours', name: 'web_search', input: { query: 'node 24 release' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_ours', content: [ours] },
          { type: 'text', text: 'In May 2025.', citations: [{ type: 'web_search_result_location', url: ours.url, title: ours.title, encrypted_index: encodeCitationIndex(0), cited_text: 'Node 24 was released' }] },
          { type: 'server_tool_use', id: 'srvtoolu_theirs', name: 'web_search', input: { query: 'example' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_theirs', content: [theirs] },
          { type: 'text', text: 'See example.', citations: [{ type: 'web_search_result_location', url: theirs.url, title: theirs.title, encrypted_index: 'Eo8BCioIBhgC', cited_text: 'Example' }] }
        ] as ChatRequest['messages'][number]['content']
      },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] }
    ]
  }
  const body = toAnthropicRequest(request, { systemMessages: 'keep', betas: [] }) as { messages: Array<{ content: any[] }> }
  const assistant = body.messages[1]!.content
  assert.deepEqual(assistant.map((block) => block.type), ['text', 'text', 'text', 'server_tool_use', 'web_search_tool_result', 'text'])
  assert.match(assistant[0].text, /node 24 release/)
  assert.match(assistant[1].text, /Node\.js blog — https:\/\/nodejs\.org\/en\/blog\n {2}> Node 24 was released in May 2025\./, 'what the other upstream found, as text')
  assert.deepEqual(assistant[2], { type: 'text', text: 'In May 2025.' }, 'lynkr-made citations cannot be verified by Anthropic')
  assert.deepEqual(assistant.slice(3), request.messages[1]!.content.slice(3), 'Anthropic\'s own search and citations go back exactly')
})

test('without the tool-search beta, a deferred tool a tool search loaded is declared as an ordinary tool and its tool_reference becomes text', () => {
  const schema = { type: 'object', properties: {} }
  const request: ChatRequest = {
    model: 'glm-4.6',
    clientModel: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream: true,
    tools: [{ name: 'ToolSearch', input_schema: schema }, { name: 'WebFetch', input_schema: schema, defer_loading: true }, { name: 'NotebookEdit', input_schema: schema, defer_loading: true }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'fetch it' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'ToolSearch', input: { query: 'select:WebFetch' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'tool_reference', tool_name: 'WebFetch' }, { type: 'text', text: 'Tool loaded.' }] as never }] }
    ]
  }
  const plain = toAnthropicRequest(request, { systemMessages: 'keep', betas: [] }) as { tools: any[], messages: any[] }
  assert.deepEqual(plain.tools, [{ name: 'ToolSearch', input_schema: schema }, { name: 'WebFetch', input_schema: schema }])
  assert.deepEqual(plain.messages[2].content[0].content, [{ type: 'text', text: 'Tool loaded.' }])
  const beta = toAnthropicRequest(request, { systemMessages: 'keep', betas: ['advanced-tool-use-2025-11-20'] }) as { tools: any[], messages: any[] }
  assert.deepEqual(beta.tools, request.tools, 'with the beta, everything goes as the client sent it')
  assert.deepEqual(beta.messages[2].content, request.messages[2]!.content)
})

test('Anthropic top-level fields go to targets that take them, each only with the beta it needs', () => {
  const anthropicFields = {
    context_management: { edits: [{ type: 'clear_tool_uses_20250919', trigger: { type: 'input_tokens', value: 30_000 } }] },
    container: 'container_011CR',
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'linear', authorization_token: 't' }],
    service_tier: 'standard_only' as const
  }
  const chat: ChatRequest = { model: 'm', clientModel: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }], max_tokens: 100, stream: false, anthropicFields }
  const all = toAnthropicRequest(chat, { systemMessages: 'keep', betas: ['context-management-2025-06-27', 'code-execution-2025-08-25', 'mcp-client-2025-04-04'] })
  assert.deepEqual(all.context_management, anthropicFields.context_management)
  assert.equal(all.container, 'container_011CR')
  assert.deepEqual(all.mcp_servers, anthropicFields.mcp_servers)
  assert.equal(all.service_tier, 'standard_only')
  // Without the betas (the target's allow-list dropped them) the fields would be a 400: they are left off.
  const none = toAnthropicRequest(chat, { systemMessages: 'keep', betas: [] })
  assert.deepEqual(Object.keys(none).filter((key) => key in anthropicFields), ['service_tier'])
  // Bedrock InvokeModel has no service_tier.
  const bedrock = toAnthropicRequest(chat, { systemMessages: 'hoist', betas: ['context-management-2025-06-27'], topLevelFields: ['context_management', 'container', 'mcp_servers'] })
  assert.deepEqual(Object.keys(bedrock).filter((key) => key in anthropicFields), ['context_management'])
})
