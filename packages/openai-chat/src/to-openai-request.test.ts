import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatRequest, ToolDefinition } from '@lynkr/protocol'
import { strictRoles, toOpenAIRequest } from './to-openai-request.ts'
import { isDeepSeekReasoningModel } from './reasoning-models.ts'
import type { OpenAIRequestQuirks } from './to-openai-request.ts'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
const quirks: OpenAIRequestQuirks = { maxTokensField: 'max_tokens' }

const tools: ToolDefinition[] = [
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } },
  { name: 'Screenshot', input_schema: { type: 'object', properties: {} } },
  { name: 'DeferredToolPlaceholder', input_schema: { type: 'object', properties: {} }, defer_loading: true }
]

function agentRequest (extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'gpt-4o-mini',
    clientModel: 'claude-opus-5-5',
    system: [{ type: 'text', text: 'billing header' }, { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'read a.ts and screenshot' }] },
      { role: 'system', content: [{ type: 'text', text: '<env>cwd</env>', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'two calls', signature: 's' },
          { type: 'tool_use', id: 'toolu_A', name: 'Read', input: { file_path: 'a.ts' } },
          { type: 'tool_use', id: 'toolu_B', name: 'Screenshot', input: {} }
        ]
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'also, hurry' },
          { type: 'tool_result', tool_use_id: 'toolu_A', content: [{ type: 'text', text: '1\tconst a = 1' }, { type: 'text', text: '2\t' }] },
          { type: 'tool_result', tool_use_id: 'toolu_B', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] }
        ]
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Done: a = 1.' }] }
    ],
    tools,
    max_tokens: 32000,
    stream: true,
    ...extra
  }
}

describe('toOpenAIRequest: messages', () => {
  const body = toOpenAIRequest(agentRequest(), quirks)

  test('roles in order: system blocks first, system message in place, tool messages right after the assistant turn', () => {
    assert.deepEqual(body.messages.map((m) => m.role), ['system', 'user', 'system', 'assistant', 'tool', 'tool', 'user', 'assistant'])
    assert.deepEqual(body.messages[0], { role: 'system', content: 'billing header\n\nYou are Claude Code.' })
    assert.deepEqual(body.messages[2], { role: 'system', content: '<env>cwd</env>' })
  })

  test('assistant tool calls: content null, JSON-string arguments, ids kept, thinking dropped by default', () => {
    assert.deepEqual(body.messages[3], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'toolu_A', type: 'function', function: { name: 'Read', arguments: '{"file_path":"a.ts"}' } },
        { id: 'toolu_B', type: 'function', function: { name: 'Screenshot', arguments: '{}' } }
      ]
    })
  })

  test('tool results in order; text blocks joined; images replaced by a note and sent in the following user message', () => {
    assert.deepEqual(body.messages[4], { role: 'tool', tool_call_id: 'toolu_A', content: '1\tconst a = 1\n2\t' })
    assert.deepEqual(body.messages[5], { role: 'tool', tool_call_id: 'toolu_B', content: '[image attached below]' })
    assert.deepEqual(body.messages[6], {
      role: 'user',
      content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'text', text: 'also, hurry' }]
    })
  })

  test('no message carries an empty tool_calls array, and no assistant content is ""', () => {
    for (const message of body.messages) {
      if (message.role !== 'assistant') continue
      assert.ok(message.tool_calls === undefined || message.tool_calls.length > 0)
      assert.notEqual(message.content, '')
    }
    assert.deepEqual(body.messages[7], { role: 'assistant', content: 'Done: a = 1.' })
  })

  test('every tool_call id is answered by tool messages directly after its assistant message', () => {
    body.messages.forEach((message, index) => {
      if (message.role !== 'assistant' || message.tool_calls === undefined) return
      const following = body.messages.slice(index + 1, index + 1 + message.tool_calls.length)
      assert.deepEqual(following.map((m) => m.role === 'tool' ? m.tool_call_id : m.role), message.tool_calls.map((call) => call.id))
    })
  })

  test('is_error prefixes the content; empty results are never ""', () => {
    const request = agentRequest({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: {} }, { type: 'tool_use', id: 't2', name: 'Read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ENOENT', is_error: true }, { type: 'tool_result', tool_use_id: 't2', content: '' }] }
      ]
    })
    const messages = toOpenAIRequest(request, quirks).messages
    assert.deepEqual(messages.slice(-2), [
      { role: 'tool', tool_call_id: 't1', content: 'Error: ENOENT' },
      { role: 'tool', tool_call_id: 't2', content: '(no output)' }
    ])
  })

  test('reasoning_content is sent back on tool-call turns when the upstream needs it (DeepSeek, Kimi)', () => {
    const messages = toOpenAIRequest(agentRequest(), { ...quirks, reasoningContent: true }).messages
    assert.equal((messages[3] as { reasoning_content?: string }).reasoning_content, 'two calls')
  })

  test('user images: base64 as data URI, URL as is; text-only user content is a plain string', () => {
    const request = agentRequest({
      messages: [{
        role: 'user',
        content: [{ type: 'text', text: 'compare' }, { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } }]
      }, { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] }]
    })
    const messages = toOpenAIRequest(request, quirks).messages
    assert.deepEqual(messages[1], {
      role: 'user',
      content: [{ type: 'text', text: 'compare' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } }]
    })
    assert.deepEqual(messages[2], { role: 'user', content: 'one\n\ntwo' })
  })
})

describe('toOpenAIRequest: parameters', () => {
  test('streaming asks for usage; non-streaming sends neither field', () => {
    const streamed = toOpenAIRequest(agentRequest(), quirks)
    assert.equal(streamed.stream, true)
    assert.deepEqual(streamed.stream_options, { include_usage: true })
    const whole = toOpenAIRequest(agentRequest({ stream: false }), quirks)
    assert.equal('stream' in whole, false)
    assert.equal('stream_options' in whole, false)
  })

  test('max_tokens is clamped to the upstream limit and uses the configured field; 0 sends none', () => {
    assert.equal(toOpenAIRequest(agentRequest({ max_tokens: 128000 }), { ...quirks, maxOutputTokens: 16384 }).max_tokens, 16384)
    assert.equal(toOpenAIRequest(agentRequest({ max_tokens: 1000 }), { ...quirks, maxOutputTokens: 16384 }).max_tokens, 1000)
    assert.equal(toOpenAIRequest(agentRequest({ max_tokens: 128000 }), quirks).max_tokens, 128000)
    const reasoning = toOpenAIRequest(agentRequest({ max_tokens: 50000 }), { maxTokensField: 'max_completion_tokens', maxOutputTokens: 32768 })
    assert.equal(reasoning.max_completion_tokens, 32768)
    assert.equal('max_tokens' in reasoning, false)
    const prewarm = toOpenAIRequest(agentRequest({ max_tokens: 0 }), quirks)
    assert.equal('max_tokens' in prewarm, false)
  })

  test('temperature is clamped to [0, 2]; top_p passes; top_k only where accepted; at most 4 stop strings', () => {
    assert.equal(toOpenAIRequest(agentRequest({ temperature: 3 }), quirks).temperature, 2)
    assert.equal(toOpenAIRequest(agentRequest({ temperature: -0.5 }), quirks).temperature, 0)
    assert.equal(toOpenAIRequest(agentRequest({ temperature: 0.7 }), quirks).temperature, 0.7)
    assert.equal('temperature' in toOpenAIRequest(agentRequest(), quirks), false)
    const sampled = toOpenAIRequest(agentRequest({ top_p: 0.9, top_k: 40, stop_sequences: ['a', 'b', 'c', 'd', 'e'] }), quirks)
    assert.equal(sampled.top_p, 0.9)
    assert.equal('top_k' in sampled, false)
    assert.deepEqual(sampled.stop, ['a', 'b', 'c', 'd'])
    assert.equal(toOpenAIRequest(agentRequest({ top_k: 40 }), { ...quirks, topK: true }).top_k, 40)
  })

  test('tools become functions; defer_loading tools are dropped', () => {
    assert.deepEqual(toOpenAIRequest(agentRequest(), quirks).tools, [
      { type: 'function', function: { name: 'Read', description: 'Read a file', parameters: tools[0]!.input_schema } },
      { type: 'function', function: { name: 'Screenshot', parameters: tools[1]!.input_schema } }
    ])
  })

  test('tool_choice mapping, including disable_parallel_tool_use', () => {
    const choose = (tool_choice: ChatRequest['tool_choice']): Record<string, unknown> => {
      const body = toOpenAIRequest(agentRequest({ tool_choice }), quirks)
      return { tool_choice: body.tool_choice, parallel_tool_calls: body.parallel_tool_calls }
    }
    assert.deepEqual(choose(undefined), { tool_choice: undefined, parallel_tool_calls: undefined })
    assert.deepEqual(choose({ type: 'auto' }), { tool_choice: undefined, parallel_tool_calls: undefined })
    assert.deepEqual(choose({ type: 'auto', disable_parallel_tool_use: true }), { tool_choice: undefined, parallel_tool_calls: false })
    assert.deepEqual(choose({ type: 'any' }), { tool_choice: 'required', parallel_tool_calls: undefined })
    assert.deepEqual(choose({ type: 'any', disable_parallel_tool_use: true }), { tool_choice: 'required', parallel_tool_calls: false })
    assert.deepEqual(choose({ type: 'tool', name: 'Read' }), { tool_choice: { type: 'function', function: { name: 'Read' } }, parallel_tool_calls: undefined })
    assert.deepEqual(choose({ type: 'none' }), { tool_choice: 'none', parallel_tool_calls: undefined })
  })

  test('no tools (or only deferred ones): neither tools nor tool_choice is sent', () => {
    for (const request of [agentRequest({ tools: undefined, tool_choice: { type: 'any' } }), agentRequest({ tools: [tools[2]!], tool_choice: { type: 'auto', disable_parallel_tool_use: true } })]) {
      const body = toOpenAIRequest(request, quirks)
      assert.equal('tools' in body, false)
      assert.equal('tool_choice' in body, false)
      assert.equal('parallel_tool_calls' in body, false)
    }
  })

  test('response formats', () => {
    assert.deepEqual(toOpenAIRequest(agentRequest({ responseFormat: { type: 'json_object' } }), quirks).response_format, { type: 'json_object' })
    assert.deepEqual(toOpenAIRequest(agentRequest({ responseFormat: { type: 'json_schema', schema: { type: 'object' } } }), quirks).response_format,
      { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' } } })
  })

  test('the upstream model is sent, not the client model; cache_control never leaks', () => {
    const body = toOpenAIRequest(agentRequest(), quirks)
    assert.equal(body.model, 'gpt-4o-mini')
    assert.ok(!JSON.stringify(body).includes('cache_control'))
  })
})

describe('toOpenAIRequest: provider quirks', () => {
  test('strictRoles: one leading system message; in-place system text folded into the next user turn; roles alternate', () => {
    const request = agentRequest({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'early reminder' }] },
        { role: 'user', content: [{ type: 'text', text: 'first' }] },
        { role: 'user', content: [{ type: 'text', text: 'second' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'only thinking', signature: '' }] },
        { role: 'system', content: [{ type: 'text', text: '<env>cwd</env>' }] },
        { role: 'user', content: [{ type: 'text', text: 'third' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Reading.' }, { type: 'tool_use', id: 'toolu_A', name: 'Read', input: { file_path: 'a.ts' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_A', content: 'const a = 1' }, { type: 'text', text: 'also, hurry' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Part one.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Part two.' }] },
        { role: 'system', content: [{ type: 'text', text: 'late reminder' }] }
      ]
    })
    const messages = toOpenAIRequest(request, { ...quirks, strictRoles: true }).messages
    assert.deepEqual(messages, [
      { role: 'system', content: 'billing header\n\nYou are Claude Code.\n\nearly reminder' },
      // The thinking-only assistant turn is dropped, so three user turns merge into one.
      { role: 'user', content: 'first\n\nsecond\n\n<env>cwd</env>\n\nthird' },
      { role: 'assistant', content: 'Reading.', tool_calls: [{ id: 'toolu_A', type: 'function', function: { name: 'Read', arguments: '{"file_path":"a.ts"}' } }] },
      // User text after tool results joins the last result; the trailing system message joins the last user turn.
      { role: 'tool', tool_call_id: 'toolu_A', content: 'const a = 1\n\nalso, hurry\n\nlate reminder' },
      { role: 'assistant', content: 'Part one.\n\nPart two.' }
    ])
  })

  test('reasoningOnToolCalls puts reasoning_content ("" without thinking) on every tool-call turn', () => {
    const request = agentRequest({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'next', signature: '' }, { type: 'tool_use', id: 't2', name: 'Read', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: 'y' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'done' }] }
      ]
    })
    const messages = toOpenAIRequest(request, { ...quirks, reasoningContent: true, reasoningOnToolCalls: true }).messages.filter((m) => m.role === 'assistant')
    assert.deepEqual(messages.map((m) => (m as { reasoning_content?: string }).reasoning_content), ['', 'next', undefined])
  })

  test('toolIdToUpstream maps ids on tool_calls and tool messages alike', () => {
    const body = toOpenAIRequest(agentRequest(), { ...quirks, toolIdToUpstream: (id) => `up:${id}` })
    const assistant = body.messages[3] as { tool_calls: Array<{ id: string }> }
    assert.deepEqual(assistant.tool_calls.map((call) => call.id), ['up:toolu_A', 'up:toolu_B'])
    assert.deepEqual(body.messages.filter((m) => m.role === 'tool').map((m) => (m as { tool_call_id: string }).tool_call_id), ['up:toolu_A', 'up:toolu_B'])
  })

  test('reasoningParts: signed thinking goes back as reasoning content parts before the text', () => {
    const request = agentRequest({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'Greet.', signature: 'sig-1' }, { type: 'text', text: 'Hello!' }] },
        { role: 'user', content: [{ type: 'text', text: 'again' }] }
      ]
    })
    assert.deepEqual(toOpenAIRequest(request, { ...quirks, reasoningParts: true }).messages[2], {
      role: 'assistant',
      content: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Greet.', signature: 'sig-1' }] }, { type: 'text', text: 'Hello!' }]
    })
    assert.deepEqual(toOpenAIRequest(request, quirks).messages[2], { role: 'assistant', content: 'Hello!' }, 'unsigned or unasked: plain text')
  })

  test('assistantFields adds provider fields from the blocks; omitSampling drops temperature, top_p and top_k', () => {
    const body = toOpenAIRequest(agentRequest({ temperature: 0.5, top_p: 0.9, top_k: 3 }), {
      ...quirks,
      topK: true,
      omitSampling: true,
      assistantFields: (content) => content.some((b) => b.type === 'thinking') ? { reasoning_details: [{ type: 'reasoning.text', text: 'two calls' }] } : undefined
    })
    assert.deepEqual((body.messages[3] as { reasoning_details?: unknown }).reasoning_details, [{ type: 'reasoning.text', text: 'two calls' }])
    assert.equal((body.messages[7] as { reasoning_details?: unknown }).reasoning_details, undefined)
    assert.equal('temperature' in body || 'top_p' in body || 'top_k' in body, false)
  })
})

describe('strictRoles', () => {
  test('a trailing in-place system message joins the last user turn; with no user turn it joins the system prompt', () => {
    assert.deepEqual(strictRoles([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
      { role: 'system', content: 'late' }
    ]), [{ role: 'user', content: 'q\n\nlate' }, { role: 'assistant', content: 'a' }])
    assert.deepEqual(strictRoles([{ role: 'system', content: 's' }, { role: 'assistant', content: 'a' }, { role: 'system', content: 'late' }]),
      [{ role: 'system', content: 's\n\nlate' }, { role: 'assistant', content: 'a' }])
  })

  test('user content with images merges as parts', () => {
    assert.deepEqual(strictRoles([
      { role: 'user', content: 'look' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }
    ]), [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }])
  })
})

test('cache_control breakpoints stay on the text parts they marked when the quirk keeps them for the model, and only then', () => {
  const ephemeral = { type: 'ephemeral' as const }
  const request: ChatRequest = {
    model: 'anthropic/claude-sonnet-4.5',
    clientModel: 'claude-sonnet-4-5',
    max_tokens: 100,
    stream: false,
    system: [{ type: 'text', text: 'billing header' }, { type: 'text', text: 'You are Claude Code.', cache_control: ephemeral }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'context' }, { type: 'text', text: 'fix the bug', cache_control: ephemeral }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts', cache_control: ephemeral }] }
    ]
  }
  const kept = toOpenAIRequest(request, { ...quirks, cacheControl: (model) => model.startsWith('anthropic/') })
  assert.deepEqual(kept.messages, [
    { role: 'system', content: [{ type: 'text', text: 'billing header' }, { type: 'text', text: 'You are Claude Code.', cache_control: ephemeral }] },
    { role: 'user', content: [{ type: 'text', text: 'context' }, { type: 'text', text: 'fix the bug', cache_control: ephemeral }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
    { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'a.ts', cache_control: ephemeral }] }
  ])
  const other = toOpenAIRequest({ ...request, model: 'openai/gpt-4o' }, { ...quirks, cacheControl: (model) => model.startsWith('anthropic/') })
  assert.doesNotMatch(JSON.stringify(other), /cache_control/)
  assert.deepEqual(other.messages[0], { role: 'system', content: 'billing header\n\nYou are Claude Code.' }, 'plain strings, as before')
  assert.doesNotMatch(JSON.stringify(toOpenAIRequest(request, quirks)), /cache_control/, 'no quirk, no breakpoints')
})

describe('DeepSeek reasoning models, by name wherever served', () => {
  test('reasoning models echo reasoning_content on tool-call turns; others do not', () => {
    const reasoning = ['deepseek-reasoner', 'deepseek/deepseek-r1', 'DeepSeek-R1-0528', 'deepseek-ai/DeepSeek-V3.2-Exp', 'deepseek/deepseek-chat-v3.1', 'accounts/fireworks/models/deepseek-v3p1', 'deepseek-v4-pro', 'deepseek-r1-distill-qwen-32b']
    const plain = ['deepseek-chat', 'deepseek/deepseek-chat-v3-0324', 'deepseek-coder-v2', 'gpt-4o', 'qwen3-coder']
    assert.deepEqual(reasoning.filter((model) => !isDeepSeekReasoningModel(model)), [])
    assert.deepEqual(plain.filter(isDeepSeekReasoningModel), [])
    const request = (model: string): ChatRequest => ({
      model,
      clientModel: 'claude-opus-5-5',
      stream: false,
      max_tokens: 100,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'ls' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'list it' }, { type: 'tool_use', id: 't1', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a' }] }
      ]
    })
    const assistant = (model: string): Record<string, unknown> => toOpenAIRequest(request(model), { maxTokensField: 'max_tokens' }).messages[1] as Record<string, unknown>
    assert.equal(assistant('deepseek/deepseek-r1').reasoning_content, 'list it')
    assert.equal('reasoning_content' in assistant('gpt-4o'), false)
  })
})
