import { test } from 'node:test'
import assert from 'node:assert/strict'
import Anthropic from '@anthropic-ai/sdk'
import { startGateway } from './helpers/gateway.ts'
import type { FakeUpstream } from './helpers/fake-script.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startFakeBedrock } from './helpers/fake-bedrock.ts'
import { startFakeDatabricks, startFakeOpenRouter } from './helpers/fake-openai-dialects.ts'

// A session that tier routing or fallback moves between upstreams carries thinking blocks one family
// signed. Each fake verifies the signatures it issued and enforces Claude's thinking-turn rule, so a
// signature sent to the wrong family, or a tool turn left without its thinking, is the real service's 400.
const NO_RETRIES = { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0' }
const tools: Anthropic.Tool[] = [{ name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]
const THINKING = { type: 'enabled', budget_tokens: 2048 } as const
const BEDROCK_CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'

interface Fakes { openrouter: FakeUpstream, foundry: FakeUpstream, bedrock: FakeUpstream, databricks: FakeUpstream }

async function boot (t: { after: (fn: () => Promise<void>) => void }, bedrockApi: 'auto' | 'converse') {
  const fakes: Fakes = {
    openrouter: await startFakeOpenRouter({ apiKey: 'sk-or-test' }),
    foundry: await startFakeAnthropic({ apiKey: 'azure-key', maxOutputTokens: 64_000 }),
    bedrock: await startFakeBedrock({ bearerToken: 'ABSKbedrock-api-key', maxOutputTokens: 64_000 }),
    databricks: await startFakeDatabricks({ token: 'dapi-test-token', endpoints: ['databricks-claude-sonnet-4-5'] })
  }
  const gateway = await startGateway({
    MODEL_PROVIDER: 'openrouter',
    OPENROUTER_API_KEY: 'sk-or-test',
    OPENROUTER_ENDPOINT: `${fakes.openrouter.url}/api/v1`,
    OPENROUTER_MODEL: 'anthropic/claude-sonnet-4.5',
    AZURE_ANTHROPIC_ENDPOINT: `${fakes.foundry.url}/anthropic`,
    AZURE_ANTHROPIC_API_KEY: 'azure-key',
    AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5',
    AWS_BEARER_TOKEN_BEDROCK: 'ABSKbedrock-api-key',
    AWS_BEDROCK_MODEL_ID: BEDROCK_CLAUDE,
    AWS_BEDROCK_API: bedrockApi,
    AWS_ENDPOINT_URL: fakes.bedrock.url,
    DATABRICKS_API_BASE: fakes.databricks.url,
    DATABRICKS_API_KEY: 'dapi-test-token',
    ...NO_RETRIES
  })
  t.after(async () => {
    await gateway.close()
    for (const fake of Object.values(fakes)) await fake.close()
  })
  return { fakes, client: new Anthropic({ baseURL: gateway.url, apiKey: 'client-key', maxRetries: 0 }) }
}

const posted = (fake: FakeUpstream) => fake.requests.filter((request) => request.method === 'POST').at(-1)!

/** Turn 1 on `from` thinks and calls Bash; turn 2 (the tool result) goes to `to`, thinking still on. */
async function moveMidTurn (client: Anthropic, from: string, to: string, fake: FakeUpstream) {
  fake.respondWith({ reasoning: 'List the files first.', toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] })
  const first = await client.messages.stream({ model: from, max_tokens: 4096, thinking: THINKING, tools, messages: [{ role: 'user', content: 'what is here?' }] }).finalMessage()
  assert.deepEqual(first.content.map((block) => block.type), ['thinking', 'tool_use'])
  const use = first.content[1] as Anthropic.ToolUseBlock
  const history: Anthropic.MessageParam[] = [
    { role: 'user', content: 'what is here?' },
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'a.ts\nb.ts' }] }
  ]
  const second = await client.messages.stream({ model: to, max_tokens: 4096, thinking: THINKING, tools, messages: history }).finalMessage()
  return { first, second }
}

for (const bedrockApi of ['auto', 'converse'] as const) {
  test(`thinking signed by one family never reaches another (bedrock ${bedrockApi === 'auto' ? 'InvokeModel' : 'Converse'})`, { timeout: 120_000 }, async (t) => {
    const { fakes, client } = await boot(t, bedrockApi)
    const targets = [
      { model: 'azure-anthropic:claude-sonnet-4-5', fake: fakes.foundry, thinkingSent: (body: any) => body.thinking, assistant: (body: any) => body.messages[1].content },
      { model: `bedrock:${BEDROCK_CLAUDE}`, fake: fakes.bedrock, thinkingSent: (body: any) => body.thinking ?? body.additionalModelRequestFields?.thinking, assistant: (body: any) => body.messages[1].content },
      { model: 'databricks:databricks-claude-sonnet-4-5', fake: fakes.databricks, thinkingSent: (body: any) => body.thinking, assistant: (body: any) => body.messages[1].content }
    ]

    for (const target of targets) {
      await t.test(`OpenRouter's reasoning_details → ${target.model}: dropped, and thinking left off for the tool turn`, async () => {
        target.fake.respondWith({ text: 'Two files.' })
        const { first, second } = await moveMidTurn(client, 'openrouter:anthropic/claude-sonnet-4.5', target.model, fakes.openrouter)
        assert.match((first.content[0] as Anthropic.ThinkingBlock).signature, /^openrouter\./)
        assert.deepEqual(second.content, [{ type: 'text', text: 'Two files.' }])
        const body = posted(target.fake).body
        assert.ok(!JSON.stringify(body).includes('List the files first.'), 'no foreign thinking goes out')
        assert.equal(target.thinkingSent(body), undefined, 'the tool turn has no thinking this upstream can verify')
      })
    }

    await t.test('Databricks-signed thinking → Foundry and Bedrock: dropped; Foundry-signed → Databricks: dropped', async () => {
      fakes.foundry.respondWith({ text: 'ok' })
      await moveMidTurn(client, 'databricks:databricks-claude-sonnet-4-5', 'azure-anthropic:claude-sonnet-4-5', fakes.databricks)
      assert.equal(posted(fakes.foundry).body.thinking, undefined)
      fakes.bedrock.respondWith({ text: 'ok' })
      await moveMidTurn(client, 'databricks:databricks-claude-sonnet-4-5', `bedrock:${BEDROCK_CLAUDE}`, fakes.databricks)
      fakes.databricks.respondWith({ text: 'ok' })
      const { first } = await moveMidTurn(client, 'azure-anthropic:claude-sonnet-4-5', 'databricks:databricks-claude-sonnet-4-5', fakes.foundry)
      assert.doesNotMatch((first.content[0] as Anthropic.ThinkingBlock).signature, /:/, 'Claude\'s own signatures reach the client as issued')
      assert.equal(posted(fakes.databricks).body.thinking, undefined)
    })

    await t.test('Claude-signed thinking moves between Foundry and Bedrock with it (Claude signatures are cross-platform)', async () => {
      fakes.bedrock.respondWith({ text: 'Two files.' })
      const { first } = await moveMidTurn(client, 'azure-anthropic:claude-sonnet-4-5', `bedrock:${BEDROCK_CLAUDE}`, fakes.foundry)
      const body = posted(fakes.bedrock).body
      assert.deepEqual(body.thinking ?? body.additionalModelRequestFields?.thinking, THINKING, 'thinking stays on')
      assert.ok(JSON.stringify(body.messages[1]).includes((first.content[0] as Anthropic.ThinkingBlock).signature), 'the signature goes back as issued')
    })

    await t.test('Databricks gets its own signatures back without the mark', async () => {
      fakes.databricks.respondWith({ reasoning: 'List the files first.', toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] })
      const { first } = await moveMidTurn(client, 'databricks:databricks-claude-sonnet-4-5', 'databricks:databricks-claude-sonnet-4-5', fakes.databricks)
      const signature = (first.content[0] as Anthropic.ThinkingBlock).signature
      assert.match(signature, /^databricks:/)
      const body = posted(fakes.databricks).body
      assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 })
      assert.equal(body.messages[1].content[0].summary[0].signature, signature.slice('databricks:'.length))
    })
  })
}

test('thinking on, but the tool turn came from an upstream that does not reason: thinking is left off for Foundry and Bedrock', { timeout: 60_000 }, async (t) => {
  const { fakes, client } = await boot(t, 'auto')
  for (const [model, fake] of [['azure-anthropic:claude-sonnet-4-5', fakes.foundry], [`bedrock:${BEDROCK_CLAUDE}`, fakes.bedrock]] as const) {
    fake.respondWith({ text: 'Two files.' })
    // gpt-4o answered the tool call without reasoning: Claude Code sends that turn back as it got it.
    const reply = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: THINKING,
      tools,
      messages: [
        { role: 'user', content: 'what is here?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Listing.' }, { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'a.ts' }] }
      ]
    })
    assert.deepEqual(reply.content, [{ type: 'text', text: 'Two files.' }])
    assert.equal(posted(fake).body.thinking, undefined)

    // A new user turn after that tool turn needs no thinking block: thinking stays on.
    await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: THINKING,
      tools,
      messages: [
        { role: 'user', content: 'what is here?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'a.ts' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'One file.' }] },
        { role: 'user', content: 'thanks' }
      ]
    })
    assert.deepEqual(posted(fake).body.thinking, THINKING)
  }
})
