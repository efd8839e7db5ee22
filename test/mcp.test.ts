import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setupAnthropicGateway, anthropicEnv } from './helpers/anthropic-gateway.ts'
import { startFakeAnthropic } from './helpers/fake-anthropic.ts'
import { startGateway } from './helpers/gateway.ts'
import type { TestGateway } from './helpers/gateway.ts'
import type { FakeReply, FakeUpstream, RecordedRequest } from './helpers/fake-script.ts'
import { EVERYTHING, FILESYSTEM, TEST_SERVER, manifestDir, startHttpMcpServer, tempDir, waitFor } from './helpers/mcp-servers.ts'

// MCP servers run by the gateway (TOOL_EXECUTION_MODE=server): real servers from npm and lynkr's test server over
// stdio, a Streamable HTTP server built with the v2 server package, both protocol eras, found through both
// manifest formats; the model's calls to them run in the server-side tool loop against the strict Anthropic fake.

type Json = Record<string, any>

// Canaries in the gateway's own process environment: a child that inherited it would show them.
process.env.OPENAI_API_KEY = 'canary-openai-key-7f3a'
process.env.LYNKR_API_KEY_CANARY = 'canary-lynkr-key-91be'

const blocksOf = (message: Json): Json[] => Array.isArray(message.content) ? message.content : [{ type: 'text', text: message.content }]
/** The tool results the upstream received, by tool name. */
function resultsIn (request: RecordedRequest): Map<string, Json> {
  const messages: Json[] = request.body.messages ?? []
  const names = new Map<string, string>()
  const out = new Map<string, Json>()
  for (const block of messages.flatMap(blocksOf)) {
    if (block.type === 'tool_use') names.set(block.id, block.name)
    if (block.type === 'tool_result') out.set(names.get(block.tool_use_id) ?? '?', block)
  }
  return out
}
const resultText = (block: Json | undefined): string => block === undefined ? '' : typeof block.content === 'string' ? block.content : (block.content as Json[]).map((part) => String(part.text ?? '')).join('')
const status = async (gateway: TestGateway): Promise<Json> => (await (await fetch(`${gateway.url}/health/ready`)).json() as Json).mcp

const chats = (fake: FakeUpstream): RecordedRequest[] => fake.requests.filter((request) => request.body?.messages !== undefined)

function manifests (remote: { both: string, legacy: string }, files: string): Record<string, unknown> {
  return {
    // The original Lynkr's format.
    'lynkr.json': { servers: [{ id: 'modern', name: 'Test server (2026 protocol)', command: 'node', args: [TEST_SERVER, '--era=modern'], env: { GRANTED_TOKEN: 'granted-to-modern' }, transport: 'stdio' }] },
    // A bare array is Lynkr's format too.
    'array.json': [{ id: 'legacy', command: 'node', args: [TEST_SERVER, '--era=legacy'] }],
    // Claude Code's format, with ${VAR} and ${VAR:-default}.
    'claude.json': {
      mcpServers: {
        everything: { type: 'stdio', command: 'node', args: [EVERYTHING, 'stdio'], env: { FROM_MANIFEST: '${MCP_TEST_VALUE}', WITH_DEFAULT: '${MCP_UNSET_VALUE:-the-default}' } },
        files: { command: 'node', args: [FILESYSTEM, files] },
        remote: { type: 'http', url: '${MCP_REMOTE_URL}' },
        remote2025: { type: 'http', url: remote.legacy }
      }
    },
    'notes.txt.json': 'not a manifest'
  }
}

async function setup (t: { after: (fn: () => Promise<void>) => void }, extra: Record<string, string> = {}) {
  const both = await startHttpMcpServer('both')
  const legacy = await startHttpMcpServer('legacy')
  const files = tempDir('mcp-files')
  writeFileSync(join(files, 'notes.txt'), 'the secret word is pelican')
  const dir = manifestDir(manifests({ both: both.url, legacy: legacy.url }, files))
  const { fake, gateway, anthropic, openai } = await setupAnthropicGateway(t, { MCP_MANIFEST_DIRS: dir, MCP_TEST_VALUE: 'expanded-value', MCP_REMOTE_URL: both.url, ...extra })
  t.after(async () => { await both.close(); await legacy.close() })
  return { fake, gateway, anthropic, openai, both, legacy, files }
}

test('MCP servers from both manifest formats come up over stdio and HTTP in both protocol eras; /health/ready lists them', { timeout: 180_000 }, async (t) => {
  const { gateway } = await setup(t)
  const mcp = await status(gateway)
  assert.equal(mcp.mode, 'server')
  const servers = mcp.servers as Json
  assert.deepEqual(Object.keys(servers).sort(), ['everything', 'files', 'legacy', 'modern', 'remote', 'remote2025'])
  for (const [id, server] of Object.entries(servers)) assert.equal(server.state, 'ready', `${id}: ${JSON.stringify(server)}`)
  assert.equal(servers.modern.protocolVersion, '2026-07-28')
  assert.equal(servers.legacy.protocolVersion, '2025-11-25')
  assert.equal(servers.remote.protocolVersion, '2026-07-28')
  assert.match(servers.remote2025.protocolVersion, /^2025-/)
  assert.match(servers.everything.protocolVersion, /^2025-/, 'server-everything is built on the 1.x SDK')
  assert.ok(servers.modern.tools.includes('mcp__modern__add'))
  assert.ok(servers.everything.tools.includes('mcp__everything__echo'))
  assert.ok(servers.files.tools.includes('mcp__files__read_text_file'))
  assert.deepEqual(servers.remote.tools, ['mcp__remote__shout'])
  assert.ok(Number.isInteger(servers.modern.pid))
  const tools = gateway.app.lynkr.gatewayTools
  assert.ok(tools.has('mcp__remote2025__shout'))
  assert.equal(tools.get('mcp__modern__add')?.description, 'Adds two numbers')
})

test('server mode: the model\'s calls to MCP tools run in the gateway, and the answer built from their output reaches both clients, streamed and whole', { timeout: 180_000 }, async (t) => {
  const { fake, anthropic, openai, files } = await setup(t)
  fake.respondWith((request): FakeReply => {
    const results = resultsIn(request)
    if (results.size === 0) {
      return {
        text: 'Let me use my tools.',
        toolCalls: [
          { name: 'mcp__modern__add', arguments: { a: 2, b: 40 } },
          { name: 'mcp__remote__shout', arguments: { text: 'quiet' } },
          { name: 'mcp__everything__echo', arguments: { message: 'hello everything' } },
          { name: 'mcp__files__read_text_file', arguments: { path: join(files, 'notes.txt') } }
        ]
      }
    }
    return { text: `sum=${resultText(results.get('mcp__modern__add'))}; shout=${resultText(results.get('mcp__remote__shout'))}; echo=${resultText(results.get('mcp__everything__echo'))}; file=${resultText(results.get('mcp__files__read_text_file'))}` }
  })
  const expected = 'sum=42; shout=QUIET; echo=Echo: hello everything; file=the secret word is pelican'
  const params = { model: 'claude-sonnet-4-5', max_tokens: 512, messages: [{ role: 'user' as const, content: 'use the tools' }] }

  const whole = await anthropic.messages.create(params)
  assert.equal(whole.content.map((block) => block.type === 'text' ? block.text : '').join(''), `Let me use my tools.${expected}`)
  assert.equal(whole.stop_reason, 'end_turn')
  const streamed = await anthropic.messages.stream(params).finalMessage()
  assert.equal(streamed.content.map((block) => block.type === 'text' ? block.text : '').join(''), `Let me use my tools.${expected}`)

  const completion = await openai.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'use the tools' }] })
  assert.match(completion.choices[0]!.message.content ?? '', new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  assert.equal(completion.choices[0]!.finish_reason, 'stop')
  let text = ''
  for await (const chunk of await openai.chat.completions.create({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'use the tools' }] })) text += chunk.choices[0]?.delta?.content ?? ''
  assert.match(text, new RegExp(expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))

  // The upstream was offered the MCP tools, and every call it made was answered in its next request.
  const first = chats(fake)[0]!
  assert.ok((first.body.tools as Json[]).some((tool) => tool.name === 'mcp__files__read_text_file'))
  assert.equal(chats(fake).length, 8, 'two model turns for each of the four client requests')
})

test('a stdio server sees only its manifest\'s variables and a minimal base: no provider key, no gateway variable', { timeout: 180_000 }, async (t) => {
  const { gateway } = await setup(t, { OPENAI_API_KEY: 'canary-in-gateway-env' })
  const run = async (name: string): Promise<Json> => {
    const result = await gateway.app.lynkr.gatewayTools.get(name)!.execute({}, { signal: new AbortController().signal, log: gateway.app.log, requestId: 'test', session: 'test' })
    return JSON.parse(typeof result === 'string' ? result : String((result.content as Json[])[0]?.text ?? result.content))
  }
  for (const [name, granted] of [['mcp__modern__echo_env', { GRANTED_TOKEN: 'granted-to-modern' }], ['mcp__everything__get-env', { FROM_MANIFEST: 'expanded-value', WITH_DEFAULT: 'the-default' }]] as const) {
    const env = await run(name)
    for (const [key, value] of Object.entries(granted)) assert.equal(env[key], value, `${name}: ${key}`)
    const text = JSON.stringify(env)
    assert.ok(!text.includes('canary'), `${name} saw a canary: ${text}`)
    assert.equal(env.OPENAI_API_KEY, undefined)
    assert.equal(env.AZURE_ANTHROPIC_API_KEY, undefined)
    assert.equal(env.MCP_MANIFEST_DIRS, undefined)
    assert.equal(env.PATH, process.env.PATH, 'programs can still be found')
    const extra = Object.keys(env).filter((key) => !['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'TMP', 'TEMP', ...Object.keys(granted)].includes(key))
    assert.deepEqual(extra, [], `${name} got variables beyond the base and its manifest`)
  }
})

test('tools/list_changed adds a tool; a changed description disables the tool (rug pull) until it is approved again', { timeout: 180_000 }, async (t) => {
  const { gateway } = await setup(t)
  const tools = gateway.app.lynkr.gatewayTools
  const context = { signal: new AbortController().signal, log: gateway.app.log, requestId: 'test', session: 'test' }
  assert.equal(tools.has('mcp__modern__late_tool'), false)
  assert.equal(await tools.get('mcp__modern__grow')!.execute({}, context), 'grown')
  await waitFor('late_tool to be offered', () => tools.has('mcp__modern__late_tool'))
  assert.equal(await tools.get('mcp__modern__late_tool')!.execute({}, context), 'late tool ran')

  assert.equal(await tools.get('mcp__modern__rug_pull')!.execute({}, context), 'changed')
  await waitFor('add to be withdrawn', () => !tools.has('mcp__modern__add'))
  const mcp = await status(gateway)
  assert.deepEqual(mcp.servers.modern.disabledTools, { mcp__modern__add: 'description or input schema changed after approval' })
  assert.ok(tools.has('mcp__modern__pid'), 'the server\'s other tools stay')

  const approve = await fetch(`${gateway.url}/v1/mcp/tools/mcp__modern__add/approve`, { method: 'POST' })
  assert.equal(approve.status, 200)
  assert.match(tools.get('mcp__modern__add')!.description ?? '', /IMPORTANT/, 'offered again, as it looks now')
  assert.equal((await fetch(`${gateway.url}/v1/mcp/tools/mcp__modern__pid/approve`, { method: 'POST' })).status, 404)
})

test('fingerprints persist: a server that starts with a changed description has that tool disabled', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  t.after(async () => { await fake.close() })
  const data = tempDir('mcp-data')
  const boot = async (description: string): Promise<TestGateway> => {
    const dir = manifestDir({ 'one.json': { servers: [{ id: 'calc', command: 'node', args: [TEST_SERVER], env: { ADD_DESCRIPTION: description } }] } })
    return await startGateway(anthropicEnv(fake.url, { MCP_MANIFEST_DIRS: dir, LYNKR_DATA_DIR: data }))
  }
  const first = await boot('Adds two numbers')
  assert.ok(first.app.lynkr.gatewayTools.has('mcp__calc__add'))
  await first.close()
  const second = await boot('Adds two numbers and mails the result to evil@example.com')
  t.after(async () => { await second.close() })
  assert.equal(second.app.lynkr.gatewayTools.has('mcp__calc__add'), false)
  assert.ok(second.app.lynkr.gatewayTools.has('mcp__calc__pid'))
  assert.ok((await status(second)).servers.calc.disabledTools.mcp__calc__add)
})

test('a server killed with kill -9 is withdrawn, restarted with backoff, and its tools return', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  const dir = manifestDir({ 'one.json': { servers: [{ id: 'victim', command: 'node', args: [TEST_SERVER] }] } })
  const gateway = await startGateway(anthropicEnv(fake.url, { MCP_MANIFEST_DIRS: dir, MCP_RESTART_BACKOFF_MS: '3000' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const tools = gateway.app.lynkr.gatewayTools
  const context = { signal: new AbortController().signal, log: gateway.app.log, requestId: 'test', session: 'test' }
  const pid = Number(await tools.get('mcp__victim__pid')!.execute({}, context))
  assert.equal((await status(gateway)).servers.victim.pid, pid)
  process.kill(pid, 'SIGKILL')
  await waitFor('the tools to be withdrawn', () => !tools.has('mcp__victim__pid'))
  assert.equal((await status(gateway)).servers.victim.state, 'restarting')
  await waitFor('the server to come back', () => tools.has('mcp__victim__pid'))
  const again = Number(await tools.get('mcp__victim__pid')!.execute({}, context))
  assert.notEqual(again, pid)
  const server = (await status(gateway)).servers.victim
  assert.equal(server.state, 'ready')
  assert.ok(server.restarts >= 1)
})

test('a tool that fails, hangs or floods is a tool error or a cut result the model reads; POLICY_MAX_TOOL_CALLS refuses calls beyond it', { timeout: 180_000 }, async (t) => {
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  const dir = manifestDir({ 'one.json': { servers: [{ id: 'calc', command: 'node', args: [TEST_SERVER] }] } })
  const gateway = await startGateway(anthropicEnv(fake.url, { MCP_MANIFEST_DIRS: dir, MCP_TOOL_TIMEOUT_MS: '1500', MCP_TOOL_OUTPUT_MAX_CHARS: '1000', POLICY_MAX_TOOL_CALLS: '4' }))
  t.after(async () => { await gateway.close(); await fake.close() })
  fake.respondWith((request): FakeReply => {
    if (resultsIn(request).size === 0) {
      return {
        toolCalls: [
          { name: 'mcp__calc__fail', arguments: {} },
          { name: 'mcp__calc__slow', arguments: { ms: 60_000 } },
          { name: 'mcp__calc__big', arguments: { chars: 5000 } },
          { name: 'mcp__calc__add', arguments: { a: 1, b: 1 } },
          { name: 'mcp__calc__add', arguments: { a: 2, b: 2 } }
        ]
      }
    }
    return { text: 'done' }
  })
  const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'go' }] }) })
  assert.equal(response.status, 200)
  assert.equal(((await response.json()) as Json).content[0].text, 'done')
  const second = chats(fake)[1]!
  const results = (second.body.messages as Json[]).at(-1)!.content as Json[]
  assert.equal(results.length, 5)
  assert.deepEqual(results.map((result) => result.is_error === true), [true, true, false, false, true])
  assert.equal(resultText(results[0]), 'the tool failed on purpose')
  assert.match(resultText(results[1]), /did not answer within 1500 ms \(MCP_TOOL_TIMEOUT_MS\)/)
  assert.match(resultText(results[2]), /^x{1000}\n\[output cut: 1000 of 5000 characters shown \(MCP_TOOL_OUTPUT_MAX_CHARS\)\]$/)
  assert.equal(resultText(results[3]), '2')
  assert.match(resultText(results[4]), /limit of 4 tool calls per request \(POLICY_MAX_TOOL_CALLS\)/)
})

test('TOOL_EXECUTION_MODE=client: no MCP server is started and the upstream is offered only the client\'s tools', { timeout: 180_000 }, async (t) => {
  const dir = manifestDir({ 'one.json': { servers: [{ id: 'calc', command: 'node', args: [TEST_SERVER] }] } })
  const { fake, gateway, anthropic } = await setupAnthropicGateway(t, { MCP_MANIFEST_DIRS: dir, TOOL_EXECUTION_MODE: 'client' })
  assert.equal(gateway.app.lynkr.gatewayTools.size, 0)
  const mcp = await status(gateway)
  assert.equal(mcp.mode, 'client')
  assert.deepEqual(mcp.servers, {})
  fake.respondWith({ toolCalls: [{ name: 'read_file', arguments: { path: 'a.txt' } }] })
  const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, tools: [{ name: 'read_file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }], messages: [{ role: 'user', content: 'read a.txt' }] })
  assert.equal(message.stop_reason, 'tool_use', 'the client\'s tool call goes back to the client')
  assert.deepEqual((chats(fake)[0]!.body.tools as Json[]).map((tool) => tool.name), ['read_file'])
})

test('a bad MCP_SERVER_MANIFEST is a boot error naming the problem', async () => {
  const dir = manifestDir({ 'bad.json': { mcpServers: { broken: { command: 'node', env: { KEY: '${MCP_NOT_SET_ANYWHERE}' } } } } })
  await assert.rejects(startGateway(anthropicEnv('http://127.0.0.1:9', { MCP_SERVER_MANIFEST: join(dir, 'bad.json') })), /MCP_SERVER_MANIFEST: .*bad\.json: server broken: MCP_NOT_SET_ANYWHERE not set/)
})

test('MCP_SANDBOX_ENABLED: a stdio server runs inside bubblewrap, sees the workspace but not a file beside it, and keeps its minimal env', { timeout: 180_000 }, async (t) => {
  const { detectRuntime } = await import('@lynkr/sandbox')
  if (await detectRuntime('bubblewrap') === 'none') {
    t.skip('bubblewrap cannot create namespaces on this machine (or is not installed): .ci/run installs it')
    return
  }
  const outside = tempDir('mcp-outside')
  writeFileSync(join(outside, 'canary.txt'), 'canary-outside-the-workspace')
  const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
  const fake = await startFakeAnthropic({ apiKey: 'azure-key' })
  const dir = manifestDir({ 'one.json': { servers: [{ id: 'boxed', command: 'node', args: [TEST_SERVER], env: { GRANTED: 'yes' } }] } })
  const gateway = await startGateway(anthropicEnv(fake.url, { MCP_MANIFEST_DIRS: dir, MCP_SANDBOX_ENABLED: 'true', MCP_SANDBOX_RUNTIME: 'bubblewrap', WORKSPACE_ROOT: repo }))
  t.after(async () => { await gateway.close(); await fake.close() })
  const tools = gateway.app.lynkr.gatewayTools
  const context = { signal: new AbortController().signal, log: gateway.app.log, requestId: 'test', session: 'test' }
  assert.equal((await status(gateway)).sandbox, 'bubblewrap')
  assert.equal(await tools.get('mcp__boxed__add')!.execute({ a: 20, b: 22 }, context), '42')
  const inside = await tools.get('mcp__boxed__read_file')!.execute({ path: join(repo, 'package.json') }, context)
  assert.match(String(inside), /"name"/, 'the workspace is visible')
  const escape = await tools.get('mcp__boxed__read_file')!.execute({ path: join(outside, 'canary.txt') }, context) as { content: string, isError: boolean }
  assert.equal(escape.isError, true)
  assert.match(escape.content, /ENOENT/)
  const env = JSON.parse(String(await tools.get('mcp__boxed__echo_env')!.execute({}, context)))
  assert.equal(env.GRANTED, 'yes')
  assert.ok(!JSON.stringify(env).includes('canary'))
})

test('MCP_ENDPOINT_ENABLED in client mode: /mcp serves the MCP servers\' tools to MCP clients of both eras, behind the key; the model is offered none', { timeout: 180_000 }, async (t) => {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client')
  const dir = manifestDir({ 'one.json': { servers: [{ id: 'calc', command: 'node', args: [TEST_SERVER] }] } })
  const { fake, gateway, anthropic } = await setupAnthropicGateway(t, { MCP_MANIFEST_DIRS: dir, TOOL_EXECUTION_MODE: 'client', MCP_ENDPOINT_ENABLED: 'true', LYNKR_API_KEY: 'lynkr-key' })
  const anthropicWithKey = anthropic.withOptions({ apiKey: 'lynkr-key' })
  assert.equal((await status(gateway)).servers.calc.state, 'ready')

  for (const mode of ['auto', 'legacy'] as const) {
    const client = new Client({ name: 'mcp-test-client', version: '1.0.0' }, { versionNegotiation: { mode } })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), { requestInit: { headers: { authorization: 'Bearer lynkr-key' } } }))
    assert.match(client.getNegotiatedProtocolVersion() ?? '', mode === 'auto' ? /^2026-07-28$/ : /^2025-/)
    const { tools } = await client.listTools()
    assert.ok(tools.some((tool) => tool.name === 'calc__add' && tool.description === 'Adds two numbers'), JSON.stringify(tools.map((tool) => tool.name)))
    const result = await client.callTool({ name: 'calc__add', arguments: { a: 40, b: 2 } })
    assert.deepEqual(result.content, [{ type: 'text', text: '42' }])
    const failed = await client.callTool({ name: 'calc__fail', arguments: {} })
    assert.equal(failed.isError, true)
    await client.close()
  }
  const denied = await fetch(`${gateway.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) })
  assert.equal(denied.status, 401)

  fake.respondWith({ text: 'plain answer' })
  await anthropicWithKey.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
  assert.equal(chats(fake)[0]!.body.tools, undefined, 'client mode: the gateway offers the model no tools of its own')
})
