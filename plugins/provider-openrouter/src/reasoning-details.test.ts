import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { ChatRequest, MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { readSseEvents, transformPartList, transformPartStream } from '@lynkr/core'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { toOpenAIRequest } from '@lynkr/openai-chat'
import {
  DETAILS_SIGNATURE_PREFIX, ReasoningDetailsMerger, assistantReasoningDetails, decodeDetails, encodeDetails, mergeDetails,
  openRouterChunkToParts, openRouterCompletionToParts, reasoningField
} from './reasoning-details.ts'

async function replay (name: string): Promise<MessageEvent[]> {
  const bytes = new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)))
  async function * parts (): AsyncGenerator<UpstreamPart> {
    for await (const event of readSseEvents(byteChunks(bytes, 13))) {
      if (event.data === '[DONE]') return
      yield * openRouterChunkToParts(JSON.parse(event.data) as Record<string, unknown>)
    }
  }
  return await assembleParts(transformPartStream(parts(), [new ReasoningDetailsMerger()]), { clientModel: 'claude-sonnet-4-5', inputTokensEstimate: 10 })
}

describe('OpenRouter reasoning_details', () => {
  test('a streamed Claude answer: reasoning text once, the merged details as the thinking block signature, then text and tool call', async () => {
    const events = await replay('claude-reasoning-details.chunks.txt')
    const message = collectMessage(events)
    assert.equal(message.content.length, 3)
    const thinking = message.content[0] as { type: string, thinking: string, signature: string }
    assert.equal(thinking.type, 'thinking')
    assert.equal(thinking.thinking, 'The user wants a file listing.', 'the text comes from `reasoning` only, not twice')
    assert.ok(thinking.signature.startsWith(DETAILS_SIGNATURE_PREFIX))
    assert.deepEqual(decodeDetails(thinking.signature), [
      { type: 'reasoning.text', text: 'The user wants a file listing.', format: 'anthropic-claude-v1', index: 0, signature: 'EqQBCkgIBxABGAIqQKmFi3' }
    ])
    assert.deepEqual(message.content[1], { type: 'text', text: 'Listing now.' })
    assert.deepEqual(message.content[2], { type: 'tool_use', id: 'toolu_vrtx_01Ab', name: 'Bash', input: { command: 'ls' } })
    assert.equal(message.stop_reason, 'tool_use')
    assert.deepEqual([message.usage.input_tokens, message.usage.cache_read_input_tokens, message.usage.output_tokens], [200, 1000, 80])
    // Anthropic signatures only travel as signature_delta: exactly one, inside the thinking block.
    assert.equal(events.filter((event) => event.type === 'content_block_delta' && event.delta.type === 'signature_delta').length, 1)
  })

  test('the signature goes back unchanged as reasoning_details on the assistant turn', async () => {
    const message = collectMessage(await replay('claude-reasoning-details.chunks.txt'))
    const request: ChatRequest = {
      model: 'anthropic/claude-sonnet-4.5',
      clientModel: 'claude-sonnet-4-5',
      max_tokens: 1000,
      stream: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'list' }] },
        { role: 'assistant', content: message.content as never },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_vrtx_01Ab', content: 'a.ts' }] }
      ]
    }
    const body = toOpenAIRequest(request, { maxTokensField: 'max_tokens', assistantFields: assistantReasoningDetails })
    assert.deepEqual((body.messages[1] as { reasoning_details?: unknown }).reasoning_details, decodeDetails((message.content[0] as { signature: string }).signature))
    assert.equal(assistantReasoningDetails([{ type: 'thinking', thinking: 'x', signature: 'ErUBAnthropicSig' }]), undefined, 'foreign signatures are not details')
  })

  test('non-streamed replies carry the whole array', () => {
    const details = [{ type: 'reasoning.encrypted', data: 'gAAAAB…', id: 'rs_1', format: 'openai-responses-v1', index: 0 }, { type: 'reasoning.summary', summary: 'Plan.', format: 'openai-responses-v1', index: 1 }]
    const parts = transformPartList(openRouterCompletionToParts({
      choices: [{ message: { role: 'assistant', content: 'Done.', reasoning: 'Plan.', reasoning_details: details }, finish_reason: 'stop' }]
    }), [new ReasoningDetailsMerger()])
    assert.deepEqual(parts.slice(0, 3), [
      { type: 'reasoning-delta', text: 'Plan.' },
      { type: 'reasoning-signature', signature: encodeDetails(details) },
      { type: 'text-delta', text: 'Done.' }
    ])
  })

  test('mergeDetails concatenates fragments of one entry and keeps separate entries apart', () => {
    assert.deepEqual(mergeDetails([
      { type: 'reasoning.text', text: 'a', signature: null, index: 0 },
      { type: 'reasoning.summary', summary: 'x', index: 1 },
      { type: 'reasoning.text', text: 'b', index: 0 },
      { type: 'reasoning.text', signature: 'S', index: 0 },
      { type: 'reasoning.summary', summary: 'y', index: 1 },
      { type: 'reasoning.encrypted', data: 'E' }
    ]), [
      { type: 'reasoning.text', text: 'ab', signature: 'S', index: 0 },
      { type: 'reasoning.summary', summary: 'xy', index: 1 },
      { type: 'reasoning.encrypted', data: 'E' }
    ])
  })

  test('the reasoning request field from thinking', () => {
    const base: ChatRequest = { model: 'm', clientModel: 'c', messages: [], max_tokens: 8000, stream: true }
    assert.deepEqual(reasoningField({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 } }), { max_tokens: 2048 })
    assert.deepEqual(reasoningField({ ...base, thinking: { type: 'adaptive' } }), { enabled: true })
    assert.deepEqual(reasoningField({ ...base, thinking: { type: 'adaptive' }, effort: 'max' }), { effort: 'high' })
    assert.deepEqual(reasoningField({ ...base, thinking: { type: 'adaptive' }, effort: 'low' }), { effort: 'low' })
    assert.equal(reasoningField({ ...base, thinking: { type: 'disabled' } }), undefined)
    assert.equal(reasoningField(base), undefined)
  })
})
