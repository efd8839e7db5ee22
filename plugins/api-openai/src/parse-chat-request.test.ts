import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { LynkrError } from '@lynkr/protocol'
import { parseChatRequest } from './parse-chat-request.ts'

function fixture (name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>
}

function rejects (body: unknown, pattern: RegExp): void {
  assert.throws(() => parseChatRequest(body), (error: unknown) => {
    assert.ok(error instanceof LynkrError)
    assert.equal(error.status, 400)
    assert.equal(error.kind, 'invalid_request')
    assert.match(error.message, pattern)
    return true
  })
}

const user = (content: unknown): Record<string, unknown> => ({ role: 'user', content })

describe('parseChatRequest', () => {
  test('Qwen Code tool round: array tool content, parallel results first, reminder appended to the same turn', () => {
    const { request, includeUsage, customTools } = parseChatRequest(fixture('qwen-tool-round.json'))
    assert.equal(includeUsage, true)
    assert.equal(customTools.size, 0)
    assert.equal(request.clientModel, 'gpt-4o-mini')
    assert.equal(request.stream, true)
    assert.equal(request.max_tokens, 8000)
    assert.equal(request.temperature, 0)
    assert.deepEqual(request.system, [{ type: 'text', text: 'You are Qwen Code, an interactive CLI agent.' }])
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: '<env>cwd: /tmp/x</env>' }, { type: 'text', text: 'read hello.txt and tell me what it says' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_A', name: 'read_file', input: { absolute_path: '/tmp/x/hello.txt' } },
          { type: 'tool_use', id: 'call_B', name: 'list_directory', input: { path: '/tmp/x' } }
        ]
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_A', content: [{ type: 'text', text: 'hello from file\n' }] },
          { type: 'tool_result', tool_use_id: 'call_B', content: 'hello.txt' },
          { type: 'text', text: '<system-reminder>keep going</system-reminder>' }
        ]
      }
    ])
    assert.deepEqual(request.tools?.map((tool) => [tool.name, tool.input_schema.type]), [['read_file', 'object'], ['list_directory', 'object']])
  })

  test('developer role is a system prompt; later system messages stay in place', () => {
    const { request } = parseChatRequest({
      model: 'm',
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be terse.' }] },
        user('hi'),
        { role: 'assistant', content: 'hello' },
        { role: 'system', content: 'Now answer in French.' },
        user('again')
      ]
    })
    assert.deepEqual(request.system, [{ type: 'text', text: 'Be terse.' }])
    assert.deepEqual(request.messages.map((message) => message.role), ['user', 'assistant', 'system', 'user'])
  })

  test('images: data URLs become base64 sources, http URLs url sources; audio is dropped', () => {
    const { request } = parseChatRequest({
      model: 'm',
      messages: [user([
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'high' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
        { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } }
      ])]
    })
    assert.deepEqual(request.messages[0]?.content, [
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }
    ])
  })

  test('empty tool_calls arrays are dropped; a message left empty disappears; consecutive turns merge', () => {
    const { request } = parseChatRequest({
      model: 'm',
      messages: [user('a'), { role: 'assistant', content: 'b', tool_calls: [] }, { role: 'assistant', content: null, tool_calls: [] }, { role: 'assistant', content: 'c' }, user(''), user('d')]
    })
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'b' }, { type: 'text', text: 'c' }] },
      { role: 'user', content: [{ type: 'text', text: 'd' }] }
    ])
  })

  test('reasoning_content on assistant turns becomes an unsigned thinking block before the calls', () => {
    const { request } = parseChatRequest({
      model: 'm',
      messages: [user('q'), { role: 'assistant', content: '', reasoning_content: 'let me look', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }]
    })
    assert.deepEqual(request.messages[1]?.content, [
      { type: 'thinking', thinking: 'let me look' },
      { type: 'tool_use', id: 'c1', name: 'f', input: { x: null } } // truncated arguments are repaired
    ])
  })

  test('custom tools become a function with one string argument; their calls and results round-trip', () => {
    const { request, customTools } = parseChatRequest({
      model: 'm',
      tools: [{ type: 'custom', custom: { name: 'ApplyPatch', description: 'patch', format: { type: 'grammar' } } }],
      messages: [
        user('patch it'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'custom', custom: { name: 'ApplyPatch', input: '*** Begin Patch' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'applied' }
      ]
    })
    assert.deepEqual([...customTools], ['ApplyPatch'])
    assert.deepEqual(request.tools, [{
      name: 'ApplyPatch',
      description: 'patch',
      input_schema: { type: 'object', properties: { input: { type: 'string', description: 'patch' } }, required: ['input'] }
    }])
    assert.deepEqual(request.messages[1]?.content, [{ type: 'tool_use', id: 'c1', name: 'ApplyPatch', input: { input: '*** Begin Patch' } }])
  })

  test('sampling and control fields', () => {
    const { request, includeUsage } = parseChatRequest({
      model: 'ollama:qwen3',
      messages: [user('x')],
      max_tokens: 100,
      max_completion_tokens: 200,
      stop: 'END',
      temperature: 0.3,
      top_p: 0.9,
      reasoning_effort: 'minimal',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
      stream: false,
      stream_options: null,
      seed: 7,
      logprobs: false
    })
    assert.equal(includeUsage, false)
    assert.deepEqual(request, {
      model: 'ollama:qwen3',
      clientModel: 'ollama:qwen3',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      tools: [{ name: 'f', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      max_tokens: 200,
      temperature: 0.3,
      top_p: 0.9,
      stop_sequences: ['END'],
      effort: 'low',
      responseFormat: { type: 'json_schema', schema: { type: 'object' }, name: 'answer' },
      userId: 'u-1',
      stream: false
    })
  })

  test('tool_choice forms', () => {
    const choice = (tool_choice: unknown): unknown => parseChatRequest({ model: 'm', messages: [user('x')], tool_choice }).request.tool_choice
    assert.deepEqual(choice('none'), { type: 'none' })
    assert.deepEqual(choice('auto'), { type: 'auto' })
    assert.deepEqual(choice({ type: 'function', function: { name: 'f' } }), { type: 'tool', name: 'f' })
    assert.deepEqual(choice({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [] } }), { type: 'any' })
    assert.equal(choice(undefined), undefined)
  })

  test('only a system message: sent as the user turn', () => {
    const { request } = parseChatRequest({ model: 'm', messages: [{ role: 'system', content: 'Say hi' }] })
    assert.equal(request.system, undefined)
    assert.deepEqual(request.messages, [{ role: 'user', content: [{ type: 'text', text: 'Say hi' }] }])
  })

  test("Cursor's Responses-shaped body on /chat/completions is translated, Responses-only fields dropped", () => {
    const { request, includeUsage, customTools } = parseChatRequest(fixture('cursor-responses-on-chat.json'))
    assert.equal(includeUsage, true)
    assert.deepEqual([...customTools], ['ApplyPatch'])
    assert.equal(request.stream, true)
    assert.equal(request.effort, 'medium')
    assert.deepEqual(request.system, [{ type: 'text', text: 'You are a coding agent in Cursor.' }, { type: 'text', text: 'Workspace: /repo' }])
    assert.deepEqual(request.tools?.map((tool) => tool.name), ['read_file', 'ApplyPatch']) // web_search dropped
    assert.deepEqual(request.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Fix the bug in a.ts' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Need to read a.ts first.' }, { type: 'tool_use', id: 'call_read_1', name: 'read_file', input: { path: 'a.ts' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_read_1', content: 'export const a = 1\n' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Patching now.' }, { type: 'tool_use', id: 'call_patch_1', name: 'ApplyPatch', input: { input: '*** Begin Patch\n*** End Patch' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_patch_1', content: [{ type: 'text', text: 'Done' }] }, { type: 'text', text: 'Thanks, now explain.' }] }
    ])
    const text = JSON.stringify(request)
    for (const dropped of ['previous_response_id', 'resp_prev123', 'encrypted_content', 'gAAAAB', 'truncation', 'include', 'prompt_cache', 'msg_old', 'input_text']) {
      assert.ok(!text.includes(dropped), `${dropped} must not reach the internal request`)
    }
  })

  test('bad input is a 400 naming the field', () => {
    rejects(null, /JSON object/)
    rejects([], /JSON object/)
    rejects({ messages: [user('x')] }, /'model'/)
    rejects({ model: 'm' }, /Missing required parameter: 'messages'/)
    rejects({ model: 'm', messages: 'hi' }, /Invalid type for 'messages'/)
    rejects({ model: 'm', messages: [] }, /at least one message/)
    rejects({ model: 'm', messages: [42] }, /messages\[0\]/)
    rejects({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, /messages\[0\]\.role/)
    rejects({ model: 'm', messages: [user(5)] }, /messages\[0\]\.content/)
    rejects({ model: 'm', messages: [user([{ type: 'text', text: 5 }])] }, /messages\[0\]\.content\[0\]\.text/)
    rejects({ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, /tool_call_id/)
    rejects({ model: 'm', messages: [user('x')], stream: 'yes' }, /'stream'/)
    rejects({ model: 'm', messages: [user('x')], temperature: 'hot' }, /'temperature'/)
    rejects({ model: 'm', messages: [user('x')], max_tokens: -1 }, /'max_tokens'/)
    rejects({ model: 'm', messages: [user('x')], tools: {} }, /'tools'/)
    rejects({ model: 'm', messages: [user('x')], tools: [{ type: 'function', function: {} }] }, /name/)
    rejects({ model: 'm', messages: [user('x')], tool_choice: 'sometimes' }, /tool_choice/)
    rejects({ model: 'm', messages: [user('x')], n: 2 }, /'n'/)
    rejects({ model: 'm', messages: [user('x')], reasoning_effort: 'extreme' }, /reasoning_effort/)
    rejects({ model: 'm', messages: [{ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'f', arguments: '{}' } }] }] }, /tool_calls\[0\]\.id/)
  })

  test('refused before any upstream: what OpenAI refuses, instead of forwarding what is left after dropping it', () => {
    const deep = JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) as unknown
    rejects({ model: 'm', messages: [user('x')], tools: [{}] }, /'tools\[0\]\.type'/)
    rejects({ model: 'm', messages: [user('x')], tools: [{ type: 7 }] }, /'tools\[0\]\.type'/)
    rejects({ model: 'm', messages: [user('x')], tools: [{ type: 'bogus' }] }, /'tools\[0\]\.type'.*bogus/)
    rejects({ model: 'm', messages: [user('x')], stream_options: 1 }, /'stream_options'/)
    rejects({ model: 'm', messages: [user('x')], stream_options: { include_usage: 'yes' } }, /'stream_options\.include_usage'/)
    rejects({ model: 'm', messages: [user([{ type: 'bogus' }])] }, /messages\[0\]\.content\[0\]\.type/)
    rejects({ model: 'm', messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify(deep) } }] }, { role: 'tool', tool_call_id: 'c', content: 'x' }] }, /arguments'.*nested deeper/)
    for (const model of ['gpt\r\nx-injected: 1', 'gpt\u0000', 'gpt-\u6a21\u578b', 'x'.repeat(300)]) rejects({ model, messages: [user('x')] }, /Invalid 'model'/)
  })

  test('a conversation whose content was all dropped is refused, not replaced by its system prompt', () => {
    rejects({ model: 'm', messages: [{ role: 'system', content: 'be brief' }, user([{ type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } }])] }, /at least one message with content/)
    rejects({ model: 'm', messages: [{ role: 'system', content: 'be brief' }, user('')] }, /at least one message with content/)
    // Instructions alone are still answered (documented repair): they go out as the user turn.
    const { request } = parseChatRequest({ model: 'm', messages: [{ role: 'system', content: 'say hi' }] })
    assert.deepEqual(request.messages, [{ role: 'user', content: [{ type: 'text', text: 'say hi' }] }])
  })

  test('hosted tools are dropped, as before; the rest of the request stands', () => {
    const { request } = parseChatRequest({ model: 'm', messages: [user('x')], tools: [{ type: 'web_search' }, { type: 'file_search_2025_03_11' }, { type: 'function', function: { name: 'f' } }], stream_options: null })
    assert.deepEqual(request.tools?.map((tool) => tool.name), ['f'])
  })
})
