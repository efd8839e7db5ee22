import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest } from '@lynkr/protocol'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { baseModelId, bedrockModelProfile } from './bedrock-models.ts'
import { bedrockError, mapBedrockHttpError } from './bedrock-errors.ts'
import { authHeaders } from './sign-request.ts'
import { ToolNameMap } from './tool-names.ts'
import { toConverseRequest } from './to-converse-request.ts'
import { converseResponseToParts } from './parse-converse.ts'

function request (overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'us.amazon.nova-pro-v1:0', clientModel: 'claude-opus-5-5', messages: [], max_tokens: 1024, stream: true, ...overrides }
}

test('model ids: inference profiles and ARNs resolve to the foundation model', () => {
  assert.equal(baseModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), 'anthropic.claude-sonnet-4-5-20250929-v1:0')
  assert.equal(baseModelId('arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-1-20250805-v1:0'), 'anthropic.claude-opus-4-1-20250805-v1:0')
  const claude = bedrockModelProfile('global.anthropic.claude-sonnet-4-5-20250929-v1:0')
  assert.deepEqual([claude.anthropic, claude.tools, claude.limits?.maxOutputTokens, claude.adaptiveThinking], [true, true, 64_000, false])
  assert.equal(bedrockModelProfile('us.anthropic.claude-opus-4-1-20250805-v1:0').limits?.maxOutputTokens, 32_000)
  assert.equal(bedrockModelProfile('meta.llama3-8b-instruct-v1:0').tools, false)
  assert.equal(bedrockModelProfile('us.meta.llama3-3-70b-instruct-v1:0').tools, true)
  assert.equal(bedrockModelProfile('some.future-model-v1:0').tools, true, 'unknown models are not blocked')
})

test('Converse rules: system messages join system, roles alternate from user, blank text is dropped, cachePoints follow cache_control', () => {
  const body = toConverseRequest(request({
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: '  ' }],
    messages: [
      { role: 'assistant', content: [{ type: 'text', text: 'Earlier answer' }] },
      { role: 'system', content: [{ type: 'text', text: 'cwd: /tmp' }] },
      { role: 'user', content: [{ type: 'text', text: ' ' }] },
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }
    ],
    temperature: 0.2,
    stop_sequences: ['a', 'b', 'c', 'd', 'e']
  }), { profile: bedrockModelProfile('us.amazon.nova-pro-v1:0'), names: new ToolNameMap(), betas: [] }) as any
  assert.deepEqual(body.system, [{ text: 'Be brief.' }, { cachePoint: { type: 'default' } }, { text: 'cwd: /tmp' }])
  assert.deepEqual(body.messages, [
    { role: 'user', content: [{ text: '.' }] },
    { role: 'assistant', content: [{ text: 'Earlier answer' }] },
    { role: 'user', content: [{ text: 'hi' }, { cachePoint: { type: 'default' } }] }
  ])
  assert.deepEqual(body.inferenceConfig, { maxTokens: 1024, temperature: 0.2, stopSequences: ['a', 'b', 'c', 'd'] })
  assert.equal(body.toolConfig, undefined)
})

test('toolConfig is present whenever the history has tool blocks, with stubs; tool_choice none is an omitted choice', () => {
  const names = new ToolNameMap()
  const longName = 'mcp__a-very-long-server-name-for-testing__and_an_even_longer_tool_name_here'
  const body = toConverseRequest(request({
    tools: [{ name: 'Read', input_schema: { type: 'object', properties: { p: { type: 'string' } } } }],
    tool_choice: { type: 'none' },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'unsigned, from elsewhere' }, { type: 'tool_use', id: 'toolu_1', name: longName, input: { x: 1 } }] },
      { role: 'user', content: [{ type: 'text', text: 'also' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: '' }] }
    ]
  }), { profile: bedrockModelProfile('us.amazon.nova-pro-v1:0'), names, betas: [] }) as any
  const alias = names.wire(longName)
  assert.match(alias, /^[a-zA-Z0-9_-]{1,64}$/)
  assert.equal(names.original(alias), longName)
  assert.deepEqual(body.toolConfig, { tools: [{ toolSpec: { name: alias, description: 'A tool used earlier in this conversation.', inputSchema: { json: { type: 'object', properties: {} } } } }] })
  assert.deepEqual(body.messages[1].content, [{ toolUse: { toolUseId: 'toolu_1', name: alias, input: { x: 1 } } }], 'unsigned thinking dropped')
  assert.deepEqual(body.messages[2].content, [{ toolResult: { toolUseId: 'toolu_1', content: [{ text: '(no output)' }], status: 'success' } }, { text: 'also' }], 'tool results first')
})

test('tool use on a model without it is a clear 400', () => {
  assert.throws(() => toConverseRequest(request({
    model: 'meta.llama3-8b-instruct-v1:0',
    tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]
  }), { profile: bedrockModelProfile('meta.llama3-8b-instruct-v1:0'), names: new ToolNameMap(), betas: [] }), (error: any) => error.status === 400 && /does not support tool use/.test(error.message))
})

test('Claude through Converse: signed reasoning replayed, thinking and betas as additional fields', () => {
  const body = toConverseRequest(request({
    model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    thinking: { type: 'adaptive' },
    max_tokens: 32_000,
    top_k: 5,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }, { type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'q2' }] }
    ]
  }), { profile: bedrockModelProfile('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), names: new ToolNameMap(), betas: ['interleaved-thinking-2025-05-14'] }) as any
  assert.deepEqual(body.messages[1].content, [{ reasoningContent: { reasoningText: { text: 't', signature: 'sig' } } }, { reasoningContent: { redactedContent: 'opaque' } }, { text: 'a' }])
  assert.deepEqual(body.additionalModelRequestFields, { thinking: { type: 'enabled', budget_tokens: 16_000 }, top_k: 5, anthropic_beta: ['interleaved-thinking-2025-05-14'] })
})

test('a non-streaming Converse response', () => {
  const parts = converseResponseToParts({
    output: { message: { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'r', signature: 's' } } }, { text: 'hi' }, { toolUse: { toolUseId: 'tooluse_1', name: 'Bash', input: { command: 'ls' } } }] } },
    stopReason: 'guardrail_intervened',
    usage: { inputTokens: 5, outputTokens: 6, totalTokens: 11 }
  }, new ToolNameMap())
  assert.deepEqual(parts.slice(1), [
    { type: 'reasoning-delta', text: 'r' }, { type: 'reasoning-signature', signature: 's' }, { type: 'text-delta', text: 'hi' },
    { type: 'tool-call', id: 'tooluse_1', name: 'Bash', input: { command: 'ls' } },
    { type: 'usage', usage: { input_tokens: 5, output_tokens: 6 } }, { type: 'finish', reason: 'refusal', stopSequence: null }
  ])
})

test('Bedrock errors map by x-amzn-ErrorType (protocols.md §3.8)', () => {
  const cases: Array<[number, string, string, number, string]> = [
    [400, 'ValidationException', 'Malformed input request', 400, 'invalid_request'],
    [400, 'ValidationException', 'Input is too long for requested model.', 400, 'context_length_exceeded'],
    [429, 'ThrottlingException', 'Too many requests', 429, 'rate_limit'],
    [429, 'ModelNotReadyException', 'Model is not ready', 529, 'overloaded'],
    [503, 'ServiceUnavailableException', 'Service unavailable', 529, 'overloaded'],
    [408, 'ModelTimeoutException', 'Model timed out', 504, 'timeout'],
    [424, 'ModelErrorException', 'Model failed', 500, 'api_error'],
    [403, 'AccessDeniedException', 'You do not have access', 502, 'api_error'],
    [404, 'ResourceNotFoundException', 'Model not found', 404, 'not_found']
  ]
  for (const [status, type, message, expectedStatus, kind] of cases) {
    const error = mapBedrockHttpError(status, JSON.stringify({ message }), { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` })
    assert.deepEqual([error.status, error.kind], [expectedStatus, kind], type)
  }
  assert.match(mapBedrockHttpError(400, '{"message":"Input is too long for requested model."}', {}).message, /^prompt is too long/)
  assert.equal(bedrockError('modelStreamErrorException', 'boom').status, 500)
})

test('SigV4: the canonical URI double-encodes the model id, as AWS computes it', async () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
  const url = new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse')
  const body = '{"messages":[]}'
  const ours = await authHeaders({ type: 'sigv4', region: 'us-east-1', credentials }, url, { 'content-type': 'application/json' }, body)
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(ours['x-amz-date']!)!
  const signingDate = new Date(Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!))
  // The same request signed by a signer told NOT to escape, over the path encoded twice by hand.
  const manual = await new SignatureV4({ service: 'bedrock', region: 'us-east-1', credentials, sha256: Sha256, uriEscapePath: false }).sign({
    method: 'POST', protocol: 'https:', hostname: url.hostname, path: '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse', query: {},
    headers: { 'content-type': 'application/json', host: url.host }, body
  }, { signingDate })
  assert.equal(ours.authorization, manual.headers.authorization)
  assert.match(ours.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/)
  assert.equal(ours.host, undefined, 'undici sets Host itself')
  assert.deepEqual(await authHeaders({ type: 'bearer', token: 'ABSK-key' }, url, { accept: 'application/json' }, body), { accept: 'application/json', authorization: 'Bearer ABSK-key' })
})
