import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallContext, ChatRequest, ProviderAdapter, UpstreamPart } from '@lynkr/protocol'
import { withServerToolNotice, withoutUnservedServerTools } from './server-tool-notice.ts'

const search = { type: 'web_search_20250305', name: 'web_search' } as unknown as NonNullable<ChatRequest['tools']>[number]
const bash = { name: 'Bash', input_schema: { type: 'object' } }

function adapter (id: string, seen: ChatRequest[], supports?: ProviderAdapter['supportsServerTool']): ProviderAdapter {
  return {
    specificationVersion: 'v1',
    id,
    defaultModel: 'm',
    ...(supports === undefined ? {} : { supportsServerTool: supports }),
    listModels: () => [],
    chat: async (request): Promise<UpstreamPart[]> => { seen.push(request); return [] },
    chatStream: async () => (async function * () {})()
  }
}

const request = (overrides: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'm', clientModel: 'c', messages: [], max_tokens: 10, stream: false, system: [{ type: 'text', text: 'sys' }], tools: [bash, search], ...overrides })

test('a server tool the upstream cannot serve is removed, the model told, a tool_choice naming it dropped', () => {
  const stripped = withoutUnservedServerTools(adapter('ollama', []), request({ tool_choice: { type: 'tool', name: 'web_search' } }))!
  assert.deepEqual(stripped.request.tools, [bash])
  assert.deepEqual(stripped.request.tool_choice, { type: 'auto' })
  assert.equal(stripped.request.system!.length, 2)
  assert.match(stripped.request.system![1]!.text, /web_search tool is not available with this model \(provider ollama\)/)
  assert.equal(withoutUnservedServerTools(adapter('ollama', []), request({ tools: [search], tool_choice: { type: 'tool', name: 'web_search' } }))!.request.tool_choice, undefined)
})

test('requests without server tools, or whose server tools the upstream serves, are left alone', () => {
  assert.equal(withoutUnservedServerTools(adapter('ollama', []), request({ tools: [bash] })), undefined)
  assert.equal(withoutUnservedServerTools(adapter('azure-anthropic', [], () => true), request()), undefined)
})

test('the warning is logged once per provider and tool, not per request', async () => {
  const warnings: unknown[][] = []
  const log = { debug () {}, info () {}, warn: (...args: unknown[]) => { warnings.push(args) }, error () {} }
  const context: CallContext = { signal: new AbortController().signal, log, requestId: 'r' }
  const seen: ChatRequest[] = []
  const wrapped = withServerToolNotice(adapter('openai', seen))
  await wrapped.chat(request(), context)
  await wrapped.chat(request(), context)
  await wrapped.chat(request({ tools: [bash] }), context)
  assert.equal(warnings.length, 1)
  assert.deepEqual(warnings[0]![0], { provider: 'openai', tool: 'web_search', toolType: 'web_search_20250305' })
  assert.match(String(warnings[0]![1]), /openai cannot run Anthropic's server tool web_search/)
  assert.deepEqual(seen.map((r) => r.tools!.map((tool) => tool.name)), [['Bash'], ['Bash'], ['Bash']])
  assert.deepEqual(seen[2]!.system, [{ type: 'text', text: 'sys' }], 'a request without a server tool keeps its prompt')
})

test('Anthropic top-level fields the upstream does not take are removed: warned once per field, MCP servers get the notice, service_tier at debug', async () => {
  const warnings: unknown[][] = []
  const debug: unknown[][] = []
  const log = { debug: (...args: unknown[]) => { debug.push(args) }, info () {}, warn: (...args: unknown[]) => { warnings.push(args) }, error () {} }
  const context: CallContext = { signal: new AbortController().signal, log, requestId: 'r' }
  const anthropicFields = {
    context_management: { edits: [] },
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'linear' }],
    service_tier: 'auto' as const
  }
  const seen: ChatRequest[] = []
  const wrapped = withServerToolNotice(adapter('openai', seen))
  await wrapped.chat(request({ tools: [bash], anthropicFields }), context)
  await wrapped.chat(request({ tools: [bash], anthropicFields }), context)
  assert.equal(seen[0]!.anthropicFields, undefined)
  assert.deepEqual(warnings.map((args) => args[0]), [{ provider: 'openai', field: 'context_management' }, { provider: 'openai', field: 'mcp_servers' }])
  assert.match(String(warnings[1]![1]), /openai does not take Anthropic's mcp_servers/)
  assert.ok(debug.some((args) => (args[0] as { field?: string }).field === 'service_tier'))
  assert.equal(seen[0]!.system!.length, 2)
  assert.match(seen[0]!.system![1]!.text, /linear \(MCP server\) tool is not available with this model \(provider openai\)/)

  // An upstream that takes a field keeps it, and its prompt.
  const kept: ChatRequest[] = []
  const anthropic = withServerToolNotice({ ...adapter('azure-anthropic', kept), supportsTopLevelField: (field) => field !== 'service_tier' })
  await anthropic.chat(request({ tools: [bash], anthropicFields }), context)
  assert.deepEqual(kept[0]!.anthropicFields, { context_management: { edits: [] }, mcp_servers: anthropicFields.mcp_servers })
  assert.deepEqual(kept[0]!.system, [{ type: 'text', text: 'sys' }])
})
