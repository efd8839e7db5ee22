import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeGemini } from './helpers/fake-gemini.ts'

// Images (a screenshot the user pastes, one a tool returns, one only linked) through the translations whose
// image paths differ most: Gemini inlineData and Bedrock Converse image blocks. The fakes check the images
// as the services do (Gemini: supported types, base64; Converse: format, base64 bytes).
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'
const tools: Anthropic.Tool[] = [{ name: 'Screenshot', description: 'Take a screenshot', input_schema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] } }]
const messages: Anthropic.MessageParam[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'what differs between these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: GIF } }
    ]
  },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_shot', name: 'Screenshot', input: { url: 'https://example.com' } }] },
  {
    role: 'user',
    content: [{
      type: 'tool_result',
      tool_use_id: 'toolu_shot',
      content: [
        { type: 'text', text: 'captured' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/full.png' } }
      ]
    }]
  }
]

test('vertex (gemini): pasted and tool-result images go inline; a GIF and a linked image are named in text, not dropped or refused', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeGemini({ apiKey: 'gemini-key' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: 'gemini-key', VERTEX_ENDPOINT: fake.url, VERTEX_MODEL: 'gemini-2.5-pro', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 })
  fake.respondWith({ text: 'the same pixel' })
  const message = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages })
  assert.deepEqual(message.content, [{ type: 'text', text: 'the same pixel' }])
  const contents = fake.requests.at(-1)!.body.contents as Array<{ role: string, parts: any[] }>
  assert.deepEqual(contents[0]!.parts, [
    { text: 'what differs between these?' },
    { inlineData: { mimeType: 'image/png', data: PNG } },
    { text: '[image omitted: Gemini does not accept image/gif]' }
  ])
  const answer = contents.at(-1)!.parts
  assert.deepEqual(answer[0], { functionResponse: { name: 'Screenshot', response: { result: 'captured\n[image: https://example.com/full.png]' } } })
  assert.deepEqual(answer[1], { inlineData: { mimeType: 'image/png', data: PNG } })
})

test('bedrock: Converse image blocks (pasted, GIF and tool-result images) and InvokeModel images as Claude takes them', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSK-token' })
  const env = { MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSK-token', AWS_ENDPOINT_URL: fake.url, ...NO_RETRIES }
  const converse = await startGateway({ ...env, AWS_BEDROCK_MODEL_ID: 'us.amazon.nova-pro-v1:0' })
  const invoke = await startGateway({ ...env, AWS_BEDROCK_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' })
  t.after(async () => { await converse.close(); await invoke.close(); await fake.close() })

  fake.respondWith({ text: 'seen' })
  const viaConverse = await new Anthropic({ baseURL: converse.url, apiKey: 'k', maxRetries: 0 }).messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages })
  assert.deepEqual(viaConverse.content, [{ type: 'text', text: 'seen' }])
  const sent = fake.requests.at(-1)!.body
  assert.deepEqual(sent.messages[0].content.slice(1), [{ image: { format: 'png', source: { bytes: PNG } } }, { image: { format: 'gif', source: { bytes: GIF } } }])
  assert.deepEqual(sent.messages[2].content[0].toolResult.content, [{ text: 'captured' }, { image: { format: 'png', source: { bytes: PNG } } }, { text: '[image: https://example.com/full.png]' }])

  fake.respondWith({ text: 'seen' })
  await new Anthropic({ baseURL: invoke.url, apiKey: 'k', maxRetries: 0 }).messages.create({ model: 'claude-opus-5-5', max_tokens: 1024, tools, messages })
  const body = fake.requests.at(-1)!.body
  assert.match(fake.requests.at(-1)!.path, /\/invoke$/)
  assert.deepEqual(body.messages[0].content.slice(1), messages[0]!.content.slice(1), 'Claude gets the image blocks unchanged')
  assert.deepEqual(body.messages[2].content[0].content, (messages[2]!.content as any[])[0].content)
})
