import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import Anthropic from '@anthropic-ai/sdk'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { startGateway } from './helpers/gateway.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeGemini, FAKE_THOUGHT_SIGNATURE } from './helpers/fake-gemini.ts'

const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const AWS = { accessKeyId: 'AKIDLYNKRTEST', secretAccessKey: 'secret/KEY+example', region: 'us-east-1' }
const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'

function bedrockEnv (url: string, extra: Record<string, string> = {}): Record<string, string> {
  return { MODEL_PROVIDER: 'bedrock', AWS_ACCESS_KEY_ID: AWS.accessKeyId, AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey, AWS_REGION: AWS.region, AWS_BEDROCK_MODEL_ID: MODEL, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url, ...NO_RETRIES, ...extra }
}

test('the Bedrock fake checks SigV4 like AWS: a path signed without the second encoding is refused', async (t) => {
  const fake = await startFakeBedrock({ credentials: AWS })
  t.after(() => fake.close())
  const path = `/model/${encodeURIComponent(MODEL)}/invoke`
  const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
  const url = new URL(fake.url)
  const sign = async (uriEscapePath: boolean): Promise<Response> => {
    const signed = await new SignatureV4({ service: 'bedrock', region: AWS.region, credentials: AWS, sha256: Sha256, uriEscapePath }).sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, headers: { host: url.host, 'content-type': 'application/json' }, body })
    const { host: _host, ...headers } = signed.headers
    return await fetch(`${fake.url}${path}`, { method: 'POST', headers, body })
  }
  assert.equal((await sign(true)).status, 200)
  const wrong = await sign(false)
  assert.equal(wrong.status, 403)
  assert.match(wrong.headers.get('x-amzn-errortype') ?? '', /^InvalidSignatureException/)
})

test('bedrock through lynkr', { timeout: 60_000 }, async (t) => {
  const fake = await startFakeBedrock({ credentials: AWS, maxOutputTokens: 64_000 })
  const gateway = await startGateway(bedrockEnv(fake.url))
  t.after(async () => { await gateway.close(); await fake.close() })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })

  await t.test('anthropic.* goes through InvokeModel with the Anthropic body; betas in the body, filtered', async () => {
    fake.respondWith({ text: 'hello' })
    const reply = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,oauth-2025-04-20' },
      body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 128000, stream: true, thinking: { type: 'adaptive' }, system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'system', content: 'env' }, { role: 'user', content: 'hi' }] })
    })
    assert.equal(reply.status, 200, await reply.clone().text())
    assert.match(await reply.text(), /"text":"hello"/)
    const sent = fake.requests.at(-1)!
    assert.equal(sent.path, '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream')
    assert.equal(sent.headers.accept, 'application/vnd.amazon.eventstream')
    assert.equal(sent.body.anthropic_version, 'bedrock-2023-05-31')
    assert.deepEqual(sent.body.anthropic_beta, ['interleaved-thinking-2025-05-14'])
    assert.equal(sent.body.max_tokens, 64000, 'clamped to Sonnet 4.5 on Bedrock')
    assert.equal(sent.body.thinking.type, 'enabled', 'adaptive is not available on Sonnet 4.5')
    assert.deepEqual(sent.body.system, [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'env' }])
    assert.equal(sent.headers['anthropic-beta'], undefined, 'betas never go in a header to Bedrock')
  })

  await t.test('a mid-stream exception frame becomes an Anthropic error event', async () => {
    fake.respondWith({ text: 'partial', midStreamError: 'Model stream failed' })
    const stream = client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] })
    await assert.rejects(stream.finalMessage(), (error: any) => error instanceof Anthropic.APIError && /Model stream failed/.test(error.message))
  })

  await t.test('wrong credentials are the gateway\'s problem: 502 naming the AWS error', async () => {
    const bad = await startGateway(bedrockEnv(fake.url, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' }))
    try {
      const reply = await fetch(`${bad.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }) })
      assert.equal(reply.status, 502)
      assert.match(((await reply.json()) as any).error.message, /rejected the gateway's credentials \(InvalidSignatureException\)/)
    } finally { await bad.close() }
  })
})

test('bedrock converse: a model without tool use gets a clear error; history without tools still sends toolConfig', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeBedrock({ bearerToken: 'ABSK-token' })
  const env = { MODEL_PROVIDER: 'bedrock', AWS_BEDROCK_API_KEY: 'ABSK-token', AWS_ENDPOINT_URL: fake.url, ...NO_RETRIES }
  const llama = await startGateway({ ...env, AWS_BEDROCK_MODEL_ID: 'meta.llama3-8b-instruct-v1:0' })
  const nova = await startGateway({ ...env, AWS_BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0' })
  t.after(async () => { await llama.close(); await nova.close(); await fake.close() })
  const tools = [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }]
  const chats = (): number => fake.requests.filter((request) => request.method === 'POST').length // health probes GET
  const before = chats()
  const refused = await fetch(`${llama.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, tools, messages: [{ role: 'user', content: 'x' }] }) })
  assert.equal(refused.status, 400)
  assert.match(((await refused.json()) as any).error.message, /meta\.llama3-8b-instruct-v1:0 does not support tool use/)
  assert.equal(chats(), before)

  fake.respondWith({ text: 'summary' })
  const reply = await fetch(`${nova.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 10, messages: [
      { role: 'user', content: 'list' },
      { role: 'assistant', content: [{ type: 'text', text: ' ' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a b' }, { type: 'text', text: 'summarise without tools' }] }
    ] })
  })
  assert.equal(reply.status, 200, await reply.clone().text())
  const sent = fake.requests.at(-1)!
  assert.match(sent.path, /\/model\/amazon\.nova-lite-v1%3A0\/converse$/)
  assert.equal(sent.headers.authorization, 'Bearer ABSK-token')
  assert.equal(sent.headers['x-amz-date'], undefined, 'no signing with an API key')
  assert.deepEqual(sent.body.toolConfig.tools.map((tool: any) => tool.toolSpec.name), ['Bash'])

  // An OpenAI client that sets no max_tokens: Bedrock needs a positive one, so the model's cap goes.
  fake.respondWith({ text: 'fine' })
  const openai = await fetch(`${nova.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(openai.status, 200, await openai.clone().text())
  assert.equal(fake.requests.at(-1)!.body.inferenceConfig.maxTokens, 10_000)
})

test('vertex: the tool list Claude Code sends is accepted once sanitised (and refused raw)', { timeout: 30_000 }, async (t) => {
  const fake = await startFakeGemini({ apiKey: 'gkey' })
  const gateway = await startGateway({ MODEL_PROVIDER: 'vertex', GOOGLE_API_KEY: 'gkey', VERTEX_ENDPOINT: fake.url, VERTEX_MODEL: 'gemini-2.5-flash', ...NO_RETRIES })
  t.after(async () => { await gateway.close(); await fake.close() })
  const tools = JSON.parse(readFileSync(new URL('../plugins/provider-vertex/src/__fixtures__/claude-code-2.1.332-tools.json', import.meta.url), 'utf8'))

  const raw = await fetch(`${fake.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'gkey' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }], tools: [{ functionDeclarations: tools.map((tool: any) => ({ name: tool.name, description: tool.description, parameters: tool.input_schema })) }] })
  })
  assert.equal(raw.status, 400)
  assert.match(((await raw.json()) as any).error.message, /Unknown name "\$schema"/)

  fake.respondWith({ reasoning: 'Use Bash.', toolCalls: [{ name: 'Bash', arguments: { command: 'ls', timeout: 5000 } }] })
  const client = new Anthropic({ baseURL: gateway.url, apiKey: 'client', maxRetries: 0 })
  const first = await client.messages.stream({ model: 'claude-opus-5-5', max_tokens: 128_000, thinking: { type: 'adaptive' } as never, tools, messages: [{ role: 'user', content: 'list files' }] }).finalMessage()
  const sent = fake.requests.at(-1)!
  assert.equal(sent.headers['x-goog-api-key'], 'gkey')
  assert.match(sent.path, /^\/v1beta\/models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse$/)
  assert.equal(sent.body.generationConfig.maxOutputTokens, 65_536, 'clamped to the Gemini 2.5 cap')
  assert.equal(sent.body.tools[0].functionDeclarations.length, 11, 'the deferred placeholder is not declared')
  const use = first.content.find((block) => block.type === 'tool_use')
  assert.ok(use !== undefined && use.type === 'tool_use')
  assert.deepEqual(use.input, { command: 'ls', timeout: 5000 })

  fake.respondWith({ text: 'two files' })
  const second = await client.messages.stream({
    model: 'claude-opus-5-5', max_tokens: 1000, tools,
    messages: [{ role: 'user', content: 'list files' }, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a\nb' }] }]
  }).finalMessage()
  assert.deepEqual(second.content, [{ type: 'text', text: 'two files' }])
  const replay = fake.requests.at(-1)!.body.contents
  assert.deepEqual(replay[1].parts, [{ functionCall: { name: 'Bash', args: { command: 'ls', timeout: 5000 } }, thoughtSignature: FAKE_THOUGHT_SIGNATURE }], 'the thought signature goes back on its call')
  assert.deepEqual(replay[2].parts, [{ functionResponse: { name: 'Bash', response: { result: 'a\nb' } } }])

  // An OpenAI client that sets no max_tokens: Gemini refuses 0, so none is sent (the model's own maximum).
  fake.respondWith({ text: 'fine' })
  const openai = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-opus-5-5', messages: [{ role: 'user', content: 'hi' }] }) })
  assert.equal(openai.status, 200, await openai.clone().text())
  assert.equal(fake.requests.at(-1)!.body.generationConfig?.maxOutputTokens, undefined)
})
