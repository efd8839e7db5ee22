import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { LynkrError } from '@lynkr/protocol'
import { parseMessagesRequest } from './parse-messages-request.ts'

type Json = Record<string, any>

/** Modelled on protocols.md A.1: what Claude Code 2.1.332 sends on its second turn (after a Bash call). */
function claudeCodeBody (): Json {
  return JSON.parse(readFileSync(new URL('./__fixtures__/claude-code-2.1.332-tool-turn.json', import.meta.url), 'utf8')) as Json
}

function rejects (body: unknown, field: RegExp, options?: { countOnly?: boolean }): void {
  assert.throws(() => parseMessagesRequest(body, options), (error) => {
    assert.ok(error instanceof LynkrError, `expected LynkrError, got ${String(error)}`)
    assert.equal(error.kind, 'invalid_request')
    assert.equal(error.status, 400)
    assert.match(error.message, field)
    return true
  })
}

/** The fixture with one change applied. */
function mutated (change: (body: Json) => void): Json {
  const body = claudeCodeBody()
  change(body)
  return body
}

describe('parseMessagesRequest: a real Claude Code 2.1.332 body', () => {
  const raw = claudeCodeBody()
  const request = parseMessagesRequest(raw)

  test('the fixture has the shape Claude Code sends', () => {
    assert.equal(raw.system.length, 3)
    assert.equal(raw.system[0].cache_control, undefined)
    assert.deepEqual(raw.system.slice(1).map((b: Json) => b.cache_control), [{ type: 'ephemeral' }, { type: 'ephemeral' }])
    assert.equal(raw.messages[1].role, 'system')
    assert.equal(typeof raw.metadata.user_id, 'string')
    assert.ok(raw.tools.some((t: Json) => t.defer_loading === true))
  })

  test('model, limits, streaming and thinking are carried', () => {
    assert.equal(request.model, 'claude-opus-5-5')
    assert.equal(request.clientModel, 'claude-opus-5-5')
    assert.equal(request.max_tokens, 128000)
    assert.equal(request.stream, true)
    assert.deepEqual(request.thinking, { type: 'adaptive', display: 'omitted' })
    assert.equal(request.effort, 'medium')
    assert.equal('temperature' in request, false, 'absent fields stay absent (no undefined keys)')
    assert.ok(Object.values(request).every((value) => value !== undefined))
  })

  test('metadata.user_id (a JSON string) is kept as the opaque user id', () => {
    assert.equal(request.userId, raw.metadata.user_id)
    assert.equal(JSON.parse(request.userId!).session_id, '0b6b2f4e-9a51-4c3e-8d07-3f2a1c9e5b44')
  })

  test('the three system blocks keep their order and cache_control', () => {
    assert.deepEqual(request.system, raw.system)
  })

  test('the role:"system" message stays in place, in the middle of messages', () => {
    assert.deepEqual(request.messages.map((m) => m.role), ['user', 'system', 'assistant', 'user'])
    assert.deepEqual(request.messages[1]!.content, raw.messages[1].content)
  })

  test('both user text blocks, the tool_use and the tool_result (string content, is_error:false) survive unchanged', () => {
    assert.deepEqual(request.messages[0]!.content, raw.messages[0].content)
    assert.deepEqual(request.messages[2]!.content, raw.messages[2].content)
    assert.deepEqual(request.messages[3]!.content, [
      { tool_use_id: 'toolu_01Tq8mVq3wqJcH3cH3ZrW9bE', type: 'tool_result', content: 'hello', is_error: false, cache_control: { type: 'ephemeral' } }
    ])
  })

  test('tools are all kept (providers drop defer_loading ones), extra tool fields included', () => {
    assert.deepEqual(request.tools?.map((t) => t.name), ['Bash', 'Read', 'ToolSearch', 'DeferredToolPlaceholder', 'Write'])
    assert.equal(request.tools?.[3]?.defer_loading, true)
    assert.deepEqual(request.tools?.[0]?.input_schema, raw.tools[0].input_schema)
  })

  test('parsing does not depend on fields it ignores (context_management, output_config.effort only)', () => {
    const plain = parseMessagesRequest(mutated((body) => { delete body.context_management; delete body.output_config; body.safeguards = [{ type: 'dangerous_tool_use' }] }))
    assert.deepEqual(plain.messages, request.messages)
    assert.equal(plain.effort, undefined)
  })
})

describe('parseMessagesRequest: normalisation', () => {
  const minimal = (extra: Json = {}): Json => ({ model: 'claude-haiku-5-5', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }], ...extra })

  test('string content becomes one text block; empty text blocks are dropped', () => {
    const request = parseMessagesRequest(minimal({
      system: 'be brief',
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'text', text: 'ok' }] }, { role: 'user', content: '' }]
    }))
    assert.deepEqual(request.system, [{ type: 'text', text: 'be brief' }])
    assert.deepEqual(request.messages.map((m) => m.content), [[{ type: 'text', text: 'hi' }], [{ type: 'text', text: 'ok' }], []])
    assert.equal(request.stream, false)
  })

  test('empty system strings and blocks are dropped', () => {
    assert.equal(parseMessagesRequest(minimal({ system: '' })).system, undefined)
    assert.deepEqual(parseMessagesRequest(minimal({ system: [{ type: 'text', text: '' }, { type: 'text', text: 'x' }] })).system, [{ type: 'text', text: 'x' }])
  })

  test('sampling, stop sequences, tool_choice and output_config.format are carried', () => {
    const request = parseMessagesRequest(minimal({
      temperature: 0, top_p: 0.9, top_k: 40, stop_sequences: ['</done>'], tool_choice: { type: 'tool', name: 'Bash', disable_parallel_tool_use: true },
      output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } } }
    }))
    assert.equal(request.temperature, 0)
    assert.equal(request.top_p, 0.9)
    assert.equal(request.top_k, 40)
    assert.deepEqual(request.stop_sequences, ['</done>'])
    assert.deepEqual(request.tool_choice, { type: 'tool', name: 'Bash', disable_parallel_tool_use: true })
    assert.deepEqual(request.responseFormat, { type: 'json_schema', schema: { type: 'object', properties: { a: { type: 'string' } } } })
  })

  test('max_tokens 0 (cache pre-warm) is accepted', () => {
    assert.equal(parseMessagesRequest(minimal({ max_tokens: 0 })).max_tokens, 0)
  })

  test('count_tokens bodies need neither max_tokens nor messages', () => {
    const request = parseMessagesRequest({ model: 'claude-opus-5-5', messages: [], tools: [{ name: 'Bash', input_schema: { type: 'object' } }] }, { countOnly: true })
    assert.deepEqual(request.messages, [])
    assert.equal(request.max_tokens, 0)
  })
})

describe('parseMessagesRequest: invalid input names the field', () => {
  test('body, model, messages', () => {
    rejects(null, /Request body/)
    rejects([], /Request body/)
    rejects('{"model":"x"}', /Request body/)
    rejects(mutated((b) => { delete b.model }), /^model: /)
    rejects(mutated((b) => { b.model = '' }), /^model: /)
    rejects(mutated((b) => { delete b.messages }), /^messages: /)
    rejects(mutated((b) => { b.messages = {} }), /^messages: /)
    rejects(mutated((b) => { b.messages = [] }), /^messages: at least one/)
  })

  test('max_tokens, stream, stop_sequences, thinking and sampling numbers', () => {
    rejects(mutated((b) => { delete b.max_tokens }), /^max_tokens: /)
    rejects(mutated((b) => { b.max_tokens = -1 }), /^max_tokens: /)
    rejects(mutated((b) => { b.max_tokens = 10.5 }), /^max_tokens: /)
    rejects(mutated((b) => { b.max_tokens = '1024' }), /^max_tokens: /)
    rejects(mutated((b) => { b.stream = 'true' }), /^stream: /)
    rejects(mutated((b) => { b.stop_sequences = 'STOP' }), /^stop_sequences: /)
    rejects(mutated((b) => { b.stop_sequences = ['ok', 3] }), /^stop_sequences: /)
    rejects(mutated((b) => { b.thinking = 'adaptive' }), /^thinking: /)
    rejects(mutated((b) => { b.temperature = '0.5' }), /^temperature: /)
    rejects(mutated((b) => { b.top_p = true }), /^top_p: /)
    rejects(mutated((b) => { b.top_k = [40] }), /^top_k: /)
  })

  test('messages and their content blocks', () => {
    rejects(mutated((b) => { b.messages[2] = 'assistant says hi' }), /^messages\.2: /)
    rejects(mutated((b) => { b.messages[3].role = 'tool' }), /^messages\.3\.role: /)
    rejects(mutated((b) => { b.messages[0].content = 42 }), /^messages\.0\.content: /)
    rejects(mutated((b) => { b.messages[0].content = null }), /^messages\.0\.content: /)
    rejects(mutated((b) => { b.messages[0].content[1] = { text: 'no type' } }), /^messages\.0\.content\.1: /)
    rejects(mutated((b) => { b.messages[0].content[1] = 'bare string' }), /^messages\.0\.content\.1: /)
    rejects(mutated((b) => { b.messages[0].content[0].text = 7 }), /^messages\.0\.content\.0\.text: /)
    rejects(mutated((b) => { delete b.messages[2].content[1].id }), /^messages\.2\.content\.1: tool_use/)
    rejects(mutated((b) => { delete b.messages[2].content[1].name }), /^messages\.2\.content\.1: tool_use/)
    rejects(mutated((b) => { delete b.messages[3].content[0].tool_use_id }), /^messages\.3\.content\.0\.tool_use_id: /)
    rejects(mutated((b) => { b.messages[0].content.push({ type: 'image' }) }), /^messages\.0\.content\.2\.source: /)
  })

  test('system, tools and tool_choice', () => {
    rejects(mutated((b) => { b.system = 5 }), /^system: /)
    rejects(mutated((b) => { b.system[1] = { type: 'image', source: {} } }), /^system\.1: /)
    rejects(mutated((b) => { b.system[2].text = null }), /^system\.2: /)
    rejects(mutated((b) => { b.tools = { Bash: {} } }), /^tools: /)
    rejects(mutated((b) => { delete b.tools[1].name }), /^tools\.1\.name: /)
    rejects(mutated((b) => { b.tools[4].name = '' }), /^tools\.4\.name: /)
    rejects(mutated((b) => { b.tools[0].input_schema = '{"type":"object"}' }), /^tools\.0\.input_schema: /)
    rejects(mutated((b) => { b.tool_choice = 'auto' }), /^tool_choice: /)
    rejects(mutated((b) => { b.tool_choice = { type: 'required' } }), /^tool_choice: /)
    rejects(mutated((b) => { b.tool_choice = { type: 'tool' } }), /^tool_choice\.name: /)
  })
})

describe('parseMessagesRequest: what translators assume and Anthropic enforces is checked here', () => {
  const turn = (content: unknown): Json => ({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] }, { role: 'user', content }] })

  test('block field types: tool_result content, tool_use input, thinking, unknown block types', () => {
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', content: 5 }]), /^messages\.2\.content\.0\.content: /)
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', content: [5] }]), /^messages\.2\.content\.0\.content\.0: /)
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 5 }] }]), /^messages\.2\.content\.0\.content\.0\.text: /)
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'tool_use', id: 'x', name: 'y', input: {} }] }]), /content\.0\.type: /)
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', is_error: 'yes' }]), /is_error/)
    rejects(mutated((b) => { b.messages[2].content[1].input = 'ls' }), /^messages\.2\.content\.1\.input: /)
    rejects(mutated((b) => { b.messages[0].content.push({ type: 'bogus' }) }), /^messages\.0\.content\.2\.type: unknown content block type 'bogus'/)
    rejects(mutated((b) => { b.messages[2].content.unshift({ type: 'thinking', thinking: 3 }) }), /thinking: /)
  })

  test('conversation rules: first turn the user\'s, unique tool_use ids, no orphan tool_result', () => {
    rejects({ model: 'm', max_tokens: 1, messages: [{ role: 'assistant', content: 'hi' }, { role: 'user', content: 'x' }] }, /^messages\.0\.role: the first message/)
    rejects({ model: 'm', max_tokens: 1, messages: [{ role: 'system', content: 'sys' }, { role: 'assistant', content: 'hi' }] }, /^messages\.1\.role: the first message/)
    rejects(turn([{ type: 'tool_result', tool_use_id: 'nope', content: 'x' }]), /unexpected `tool_use_id`.*nope/)
    rejects({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x' }] }] }, /unexpected `tool_use_id`/)
    rejects(turn([{ type: 'tool_result', tool_use_id: 't1', content: 'x' }, { type: 'tool_result', tool_use_id: 't1', content: 'y' }]), /more than one `tool_result`/)
    const twice = turn([{ type: 'tool_result', tool_use_id: 't1', content: 'x' }])
    twice.messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] })
    rejects(twice, /^messages\.3\.content\.0: `tool_use` ids must be unique/)
    // count_tokens counts pieces of conversations: only the block checks apply there.
    assert.equal(parseMessagesRequest({ model: 'm', messages: [{ role: 'assistant', content: 'hi' }] }, { countOnly: true }).messages.length, 1)
  })

  test('model names headers cannot carry are refused', () => {
    for (const model of ['claude\r\nx-injected: 1', 'claude\u0000', 'claude-\u6a21\u578b', 'c'.repeat(257)]) rejects(mutated((b) => { b.model = model }), /^model: the name /)
    assert.equal(parseMessagesRequest(mutated((b) => { b.model = 'ollama:qwen2.5-coder:7b-instruct-q4_K_M' })).model, 'ollama:qwen2.5-coder:7b-instruct-q4_K_M')
  })
})

test('a top-level cache_control is kept for the prompt-cache step (placed after every other step), not placed by the parser', () => {
  const request = parseMessagesRequest({ model: 'm', max_tokens: 1, cache_control: { type: 'ephemeral' }, messages: [{ role: 'user', content: 'hi' }] })
  assert.deepEqual(request.cacheControl, { type: 'ephemeral' })
  assert.equal(JSON.stringify(request.messages).includes('cache_control'), false)
})

test('Anthropic top-level fields are carried, and a wrong type is a 400', () => {
  const base = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }
  const fields = {
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    container: { id: 'container_1', skills: [] },
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'linear' }],
    service_tier: 'auto'
  }
  assert.deepEqual(parseMessagesRequest({ ...base, ...fields }).anthropicFields, fields)
  assert.equal(parseMessagesRequest(base).anthropicFields, undefined)
  rejects({ ...base, context_management: 'clear' }, /^context_management: Input should be an object/)
  rejects({ ...base, container: 5 }, /^container: /)
  rejects({ ...base, mcp_servers: {} }, /^mcp_servers: Input should be a valid list/)
  rejects({ ...base, mcp_servers: [{ type: 'url', name: 'x' }] }, /^mcp_servers\.0: /)
  rejects({ ...base, service_tier: 'priority' }, /^service_tier: /)
})
