import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { azureAnthropicCase } from './helpers/provider-cases.ts'
import { startGateway } from './helpers/gateway.ts'

// Issue 14: count_tokens reflects what will actually be sent. With gateway tools on (workspace tools here; MCP
// and memory tools take the same path, the server-side tool loop), the model is sent the client's tools plus
// the gateway's: Claude Code's context gauge and auto-compaction must see those tokens too.

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' }
const clientTools = [{ name: 'Bash', description: 'Runs a shell command.', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }]
const body = { model: 'claude-sonnet-4-5', max_tokens: 1000, tools: clientTools, messages: [{ role: 'user', content: 'List the files in src.' }] }

async function post (url: string, payload: unknown): Promise<any> {
  const response = await request(url, { method: 'POST', headers, body: JSON.stringify(payload) })
  const text = await response.body.text()
  assert.equal(response.statusCode, 200, text)
  return JSON.parse(text)
}

test('count_tokens counts the gateway tools the model will be sent, exactly as if the client had declared them', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lynkr-count-'))
  writeFileSync(join(root, 'a.ts'), 'export const a = 1\n')
  const fake = await azureAnthropicCase.start()
  fake.respondWith({ text: 'done' })
  const withTools = await startGateway({ ...azureAnthropicCase.env(fake.url), WORKSPACE_TOOLS_ENABLED: 'true', WORKSPACE_ROOT: root })
  const plain = await startGateway(azureAnthropicCase.env(fake.url))
  t.after(async () => { await withTools.close(); await plain.close(); await fake.close(); rmSync(root, { recursive: true, force: true }) })

  const counted = (await post(`${withTools.url}/v1/messages/count_tokens`, body)).input_tokens as number
  const chats = (): any[] => fake.requests.filter((r) => r.method === 'POST' && r.body?.messages !== undefined)
  assert.equal(chats().length, 0, 'counting calls no model')

  // What the real call sends: the client's tool and the workspace tools.
  await post(`${withTools.url}/v1/messages`, body)
  const sentTools = chats()[0]!.body.tools.map((tool: any) => ({ name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), input_schema: tool.input_schema }))
  assert.ok(sentTools.some((tool: any) => tool.name === 'workspace_read'), sentTools.map((tool: any) => tool.name).join(', '))

  // The same request counted where there are no gateway tools: the client's tools only, then all that was sent.
  const clientOnly = (await post(`${plain.url}/v1/messages/count_tokens`, body)).input_tokens as number
  const asSent = (await post(`${plain.url}/v1/messages/count_tokens`, { ...body, tools: sentTools })).input_tokens as number
  assert.ok(asSent > clientOnly + 200, `the workspace tools are worth counting: ${asSent} vs ${clientOnly}`)
  assert.equal(counted, asSent, 'the count is what the model is sent')
})
