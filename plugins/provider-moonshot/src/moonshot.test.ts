import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatRequest, UpstreamPart } from '@lynkr/protocol'
import { readSseEvents, transformPartStream } from '@lynkr/core'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { toOpenAIRequest } from '@lynkr/openai-chat'
import { KimiToolIds, decodeToolId, encodeToolId } from './kimi-tool-ids.ts'
import { moonshotChunkToParts, moonshotCompletionToParts } from './parse-moonshot-chunk.ts'
import { THINKING_MIN_MAX_TOKENS, isThinkingModel, prepareRequest } from './index.ts'

const CLAUDE_CODE_ID = /^[a-zA-Z0-9_-]+$/

describe('Kimi tool ids', () => {
  test('encoded ids are valid Claude Code tool_use ids and decode exactly', () => {
    for (const id of ['functions.Bash:0', 'functions.mcp__github__create_issue:17', 'call_abc', 'functions.名前:3', 'kimi_weird']) {
      const encoded = encodeToolId(id)
      assert.match(encoded, CLAUDE_CODE_ID)
      assert.equal(decodeToolId(encoded), id)
    }
  })

  test('ids we never encoded pass through unchanged', () => {
    for (const id of ['toolu_01ABC', 'call_x', 'kimi_', 'kimi_@@', 'kimi_Zm9v_']) assert.equal(decodeToolId(id), id)
  })

  test('a streamed Kimi reply: reasoning, two parallel calls with functions.* ids mapped, usage from inside the choice', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('./__fixtures__/kimi-parallel-tools.chunks.txt', import.meta.url)))
    async function * parts (): AsyncGenerator<UpstreamPart> {
      for await (const event of readSseEvents(byteChunks(bytes, 9))) {
        if (event.data === '[DONE]') return
        yield * moonshotChunkToParts(JSON.parse(event.data) as Record<string, unknown>)
      }
    }
    const events = await assembleParts(transformPartStream(parts(), [new KimiToolIds()]), { clientModel: 'claude-sonnet-4-5', inputTokensEstimate: 10 })
    const message = collectMessage(events)
    assert.deepEqual(message.content.map((block) => block.type), ['thinking', 'tool_use', 'tool_use'])
    const uses = message.content.filter((block) => block.type === 'tool_use') as Array<{ id: string, input: unknown }>
    for (const use of uses) assert.match(use.id, CLAUDE_CODE_ID)
    assert.deepEqual(uses.map((use) => decodeToolId(use.id)), ['functions.Read:0', 'functions.Read:1'])
    assert.deepEqual(uses.map((use) => use.input), [{ file_path: 'a.ts' }, { file_path: 'b.ts' }])
    assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens], [950 - 512, 512, 64])

    // The next request restores the ids exactly and carries the reasoning on the tool-call turn.
    const request: ChatRequest = {
      model: 'kimi-k2-thinking',
      clientModel: 'claude-sonnet-4-5',
      max_tokens: 1000,
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'read both' }] },
        { role: 'assistant', content: message.content as never },
        { role: 'user', content: uses.map((use) => ({ type: 'tool_result' as const, tool_use_id: use.id, content: 'x' })) }
      ]
    }
    const sent = toOpenAIRequest(request, { maxTokensField: 'max_tokens', reasoningContent: true, reasoningOnToolCalls: true, toolIdToUpstream: decodeToolId })
    assert.deepEqual(sent.messages[1], {
      role: 'assistant',
      content: null,
      reasoning_content: 'I need to read both files.',
      tool_calls: [
        { id: 'functions.Read:0', type: 'function', function: { name: 'Read', arguments: '{"file_path":"a.ts"}' } },
        { id: 'functions.Read:1', type: 'function', function: { name: 'Read', arguments: '{"file_path":"b.ts"}' } }
      ]
    })
    assert.deepEqual(sent.messages.slice(2).map((m) => (m as { tool_call_id?: string }).tool_call_id), ['functions.Read:0', 'functions.Read:1'])
  })

  test('non-streamed usage with top-level cached_tokens', () => {
    const parts = moonshotCompletionToParts({ choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: 5, cached_tokens: 60 } })
    assert.deepEqual(parts.find((part) => part.type === 'usage'), { type: 'usage', usage: { input_tokens: 40, output_tokens: 5, cache_read_input_tokens: 60, cache_creation_input_tokens: 0 } })
  })
})

describe('thinking models', () => {
  const base: ChatRequest = { model: 'kimi-k2-thinking', clientModel: 'c', messages: [], max_tokens: 512, temperature: 0.2, stream: true }

  test('temperature 1.0 and room to reason; other models untouched', () => {
    assert.equal(isThinkingModel('kimi-k2-thinking-turbo'), true)
    assert.equal(isThinkingModel('kimi-k2.5'), true)
    assert.equal(isThinkingModel('kimi-k2-turbo-preview'), false)
    assert.deepEqual(prepareRequest(base), { ...base, temperature: 1, max_tokens: THINKING_MIN_MAX_TOKENS })
    assert.equal(prepareRequest({ ...base, max_tokens: 64_000 }).max_tokens, 64_000)
    // No max_tokens from the client (0): Moonshot's own default (1024) leaves no room to reason.
    assert.equal(prepareRequest({ ...base, max_tokens: 0 }).max_tokens, THINKING_MIN_MAX_TOKENS)
    const plain = { ...base, model: 'kimi-k2-turbo-preview' }
    assert.equal(prepareRequest(plain), plain)
  })
})
