import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest, ToolDefinition } from '@lynkr/protocol'
import { toOllamaRequest } from './to-ollama-request.ts'
import type { OllamaRequestOptions } from './to-ollama-request.ts'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
const options: OllamaRequestOptions = { numCtx: 65536 }

const tools: ToolDefinition[] = [
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Screenshot', input_schema: { type: 'object', properties: {} } },
  { name: 'DeferredToolPlaceholder', description: 'never call', input_schema: { type: 'object', properties: {} }, defer_loading: true }
]

/** A Claude Code style tool loop: system blocks, a mid-conversation system message, parallel calls, results. */
function agentRequest (extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'qwen3:8b',
    clientModel: 'claude-opus-5-5',
    system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332' }, { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: '<system-reminder>attribution</system-reminder>' }, { type: 'text', text: 'run ls and take a screenshot' }] },
      { role: 'system', content: [{ type: 'text', text: '<env>cwd: /home/dev</env>' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Two tools.', signature: 'sig' },
          { type: 'text', text: 'Running both.' },
          { type: 'tool_use', id: 'toolu_A', name: 'Bash', input: { command: 'ls' } },
          { type: 'tool_use', id: 'toolu_B', name: 'Screenshot', input: {} }
        ]
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'here you go' },
          { type: 'tool_result', tool_use_id: 'toolu_B', content: [{ type: 'text', text: 'captured' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
          { type: 'tool_result', tool_use_id: 'toolu_A', content: 'ls: cannot access', is_error: true }
        ]
      }
    ],
    tools,
    max_tokens: 128000,
    stream: true,
    ...extra
  }
}

describe('toOllamaRequest', () => {
  const body = toOllamaRequest(agentRequest(), options)

  test('every message content is a string', () => {
    for (const message of body.messages) assert.equal(typeof message.content, 'string', JSON.stringify(message))
  })

  test('system blocks lead; the role:"system" message stays in place', () => {
    assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user', 'system', 'assistant', 'tool', 'tool', 'user'])
    assert.equal(body.messages[0]!.content, 'x-anthropic-billing-header: cc_version=2.1.332\n\nYou are Claude Code.')
    assert.equal(body.messages[1]!.content, '<system-reminder>attribution</system-reminder>\n\nrun ls and take a screenshot')
    assert.equal(body.messages[2]!.content, '<env>cwd: /home/dev</env>')
  })

  test('the assistant turn carries text, thinking and tool calls with object arguments', () => {
    assert.deepEqual(body.messages[3], {
      role: 'assistant',
      content: 'Running both.',
      thinking: 'Two tools.',
      tool_calls: [
        { id: 'toolu_A', function: { index: 0, name: 'Bash', arguments: { command: 'ls' } } },
        { id: 'toolu_B', function: { index: 1, name: 'Screenshot', arguments: {} } }
      ]
    })
  })

  test('tool results follow the assistant turn in order, with tool_name looked up and tool_call_id kept', () => {
    assert.deepEqual(body.messages[4], { role: 'tool', content: 'captured\n[image attached below]', tool_call_id: 'toolu_B', tool_name: 'Screenshot' })
    assert.deepEqual(body.messages[5], { role: 'tool', content: 'Error: ls: cannot access', tool_call_id: 'toolu_A', tool_name: 'Bash' })
  })

  test('images from tool results move to the following user message as raw base64', () => {
    assert.deepEqual(body.messages[6], { role: 'user', content: 'here you go', images: [PNG] })
    assert.ok(!JSON.stringify(body).includes('data:image'), 'no data: URI prefix anywhere')
  })

  test('options: num_ctx always set, num_predict clamped to it, truncation off', () => {
    assert.deepEqual(body.options, { num_ctx: 65536, num_predict: 65536 })
    assert.equal(body.truncate, false)
    assert.equal(body.stream, true)
    assert.equal(body.model, 'qwen3:8b')
    const small = toOllamaRequest(agentRequest({ max_tokens: 512, temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['</done>'] }), { numCtx: 8192 })
    assert.deepEqual(small.options, { num_ctx: 8192, num_predict: 512, temperature: 0.2, top_p: 0.9, top_k: 40, stop: ['</done>'] })
    const prewarm = toOllamaRequest(agentRequest({ max_tokens: 0 }), { numCtx: 4096 })
    assert.deepEqual(prewarm.options, { num_ctx: 4096 }, 'max_tokens 0 sends no num_predict')
  })

  test('tools become functions; defer_loading tools are dropped', () => {
    assert.deepEqual(body.tools, [
      { type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: tools[0]!.input_schema } },
      { type: 'function', function: { name: 'Screenshot', parameters: tools[1]!.input_schema } }
    ])
  })

  test('tool_choice none drops the tools entirely (Ollama has no tool_choice)', () => {
    const none = toOllamaRequest(agentRequest({ tool_choice: { type: 'none' } }), options)
    assert.equal(none.tools, undefined)
    assert.equal('tool_choice' in none, false)
    const onlyDeferred = toOllamaRequest(agentRequest({ tools: [tools[2]!] }), options)
    assert.equal(onlyDeferred.tools, undefined, 'never an empty tools array')
  })

  test('user images (base64 raw, URL as a note) and plain-text documents', () => {
    const request = agentRequest({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'what is in these?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes.txt contents' } }
        ]
      }]
    })
    const user = toOllamaRequest(request, options).messages[1]
    assert.deepEqual(user, { role: 'user', content: 'what is in these?\n\n[image: https://example.com/cat.png]\n\nnotes.txt contents', images: [PNG] })
  })

  test('a tool_result for an unknown tool_use still becomes a tool message in place', () => {
    const request = agentRequest({ messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_gone', content: 'late' }] }] })
    const [, tool] = toOllamaRequest(request, options).messages
    assert.equal(tool?.role, 'tool')
    assert.equal(tool?.tool_call_id, 'toolu_gone')
    assert.equal(tool?.content, 'late')
  })

  test('think, keep_alive and JSON formats are passed when set', () => {
    const withAll = toOllamaRequest(agentRequest({ responseFormat: { type: 'json_schema', schema: { type: 'object' } } }), { numCtx: 4096, think: 'high', keepAlive: '30m' })
    assert.equal(withAll.think, 'high')
    assert.equal(withAll.keep_alive, '30m')
    assert.deepEqual(withAll.format, { type: 'object' })
    assert.equal(toOllamaRequest(agentRequest({ responseFormat: { type: 'json_object' } }), options).format, 'json')
    assert.equal('think' in body, false, 'think is absent unless configured (non-thinking models reject it)')
  })

  test('empty assistant turns and empty system messages are not sent', () => {
    const request = agentRequest({
      system: undefined,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }, { role: 'system', content: [] }, { role: 'assistant', content: [] }]
    })
    assert.deepEqual(toOllamaRequest(request, options).messages, [{ role: 'user', content: 'hi' }])
  })
})

test('an assistant turn with web search blocks (served earlier by an Anthropic upstream) reaches Ollama as text', () => {
  const body = toOllamaRequest({
    model: 'qwen3:8b',
    clientModel: 'claude-opus-5-5',
    max_tokens: 1024,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'When did Node 24 come out?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'node 24 release' } },
          { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', title: 'Node.js 24', url: 'https://nodejs.org/v24', encrypted_content: 'Eqgf' }] },
          { type: 'text', text: 'In May 2025.' }
        ]
      },
      { role: 'user', content: [{ type: 'text', text: 'And 26?' }] }
    ]
  } as unknown as ChatRequest, options)
  const assistant = body.messages.find((message) => message.role === 'assistant')!
  assert.equal(assistant.content, '[web_search called with {"query":"node 24 release"}]\n\n[web search results]\n- Node.js 24 — https://nodejs.org/v24\n\nIn May 2025.')
})
