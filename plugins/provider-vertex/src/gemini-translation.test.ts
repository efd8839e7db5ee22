import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatRequest, UpstreamPart } from '@lynkr/protocol'
import { readSseEvents } from '@lynkr/core'
import { assembleParts, bytesCutAt, collectMessage } from '@lynkr/core/testing'
import { toGeminiRequest } from './to-gemini-request.ts'
import { geminiChunkToParts, mapGeminiFinishReason } from './parse-gemini-response.ts'

function request (overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'gemini-2.5-pro', clientModel: 'claude-opus-5-5', messages: [], max_tokens: 1024, stream: true, ...overrides }
}

async function partsFromFixture (): Promise<UpstreamPart[]> {
  const raw = readFileSync(new URL('./__fixtures__/stream-thought-text-two-calls.sse.txt', import.meta.url))
  const parts: UpstreamPart[] = []
  // Frames split mid-line.
  for await (const event of readSseEvents(bytesCutAt(raw, [97, 400]))) parts.push(...geminiChunkToParts(JSON.parse(event.data)))
  return parts
}

test('a Gemini stream becomes thinking, text and two tool calls with usage in Anthropic terms', async () => {
  const parts = await partsFromFixture()
  const message = collectMessage(await assembleParts(parts, { clientModel: 'claude-opus-5-5', inputTokensEstimate: 1 }))
  assert.deepEqual(message.content.map((block) => block.type), ['thinking', 'text', 'thinking', 'tool_use', 'tool_use'])
  assert.equal((message.content[0] as { thinking: string }).thinking, 'The user wants the file.')
  assert.equal((message.content[2] as { signature: string }).signature, 'gemini:c2lnLTE=', 'the thought signature rides on a thinking block before the call it belongs to')
  assert.deepEqual(message.content.slice(3).map((block) => (block as { input: unknown }).input), [{ file_path: '/a.ts' }, { file_path: '/b.ts' }])
  assert.ok(message.content.slice(3).every((block) => /^toolu_[a-zA-Z0-9_-]+$/.test((block as { id: string }).id)), 'ids generated')
  assert.equal(message.stop_reason, 'tool_use', 'STOP with calls is tool_use')
  assert.deepEqual(message.usage, { input_tokens: 20, output_tokens: 50, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, reasoning_tokens: 20 })
})

test('finish reasons', () => {
  assert.equal(mapGeminiFinishReason('MAX_TOKENS'), 'max_tokens')
  assert.equal(mapGeminiFinishReason('SAFETY'), 'refusal')
  assert.equal(mapGeminiFinishReason('MALFORMED_FUNCTION_CALL'), 'end_turn')
  assert.deepEqual(geminiChunkToParts({ promptFeedback: { blockReason: 'SAFETY' } }), [{ type: 'finish', reason: 'refusal' }])
})

test('history: roles merged to alternate, tool results named after their call, the signature replayed on the call', () => {
  const body = toGeminiRequest(request({
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    tools: [{ name: 'Read', description: 'Read a file', input_schema: { $schema: 'x', type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'], additionalProperties: false } }],
    tool_choice: { type: 'tool', name: 'Read' },
    thinking: { type: 'adaptive' },
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'env: linux' }] },
      { role: 'user', content: [{ type: 'text', text: 'read a' }, { type: 'text', text: '   ' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'need it', signature: 'gemini:c2lnLTE=' }, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { file_path: '/a' } }, { type: 'thinking', thinking: 'x', signature: '' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'A', is_error: false }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] }
    ]
  })) as any
  assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are terse.' }, { text: 'env: linux' }] })
  assert.deepEqual(body.contents, [
    { role: 'user', parts: [{ text: 'read a' }] },
    { role: 'model', parts: [{ functionCall: { name: 'Read', args: { file_path: '/a' } }, thoughtSignature: 'c2lnLTE=' }] },
    { role: 'user', parts: [{ functionResponse: { name: 'Read', response: { result: 'A' } } }, { text: 'thanks' }] }
  ])
  assert.deepEqual(body.tools[0].functionDeclarations[0].parameters, { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] })
  assert.deepEqual(body.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['Read'] } })
  assert.deepEqual(body.generationConfig, { maxOutputTokens: 1024, thinkingConfig: { includeThoughts: true, thinkingBudget: -1 } })
})

test('a history that starts with the model gets a user turn first; errors become functionResponse.error', () => {
  const body = toGeminiRequest(request({
    messages: [
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: '{"command":"false"}' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'exit 1' }], is_error: true }] }
    ]
  })) as any
  assert.equal(body.contents[0].role, 'user')
  assert.deepEqual(body.contents[1].parts[0], { functionCall: { name: 'Bash', args: { command: 'false' } } })
  assert.deepEqual(body.contents[2].parts[0], { functionResponse: { name: 'Bash', response: { error: 'exit 1' } } })
  assert.deepEqual(body.tools[0].functionDeclarations, [{ name: 'Bash', description: 'A tool used earlier in this conversation.' }], 'a declaration for a tool only the history uses')
})
