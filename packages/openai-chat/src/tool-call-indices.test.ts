import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { UpstreamPart } from '@lynkr/protocol'
import { readSseEvents, transformPartStream } from '@lynkr/core'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { openAIChunkToParts } from './parse-openai-response.ts'
import { ToolCallIndices } from './tool-call-indices.ts'

async function * parts (name: string): AsyncGenerator<UpstreamPart> {
  const bytes = new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)))
  for await (const event of readSseEvents(byteChunks(bytes, 13))) {
    if (event.data === '[DONE]') return
    yield * openAIChunkToParts('openai', JSON.parse(event.data) as Record<string, unknown>)
  }
}

async function toolUses (name: string): Promise<unknown[]> {
  const message = collectMessage(await assembleParts(transformPartStream(parts(name), [new ToolCallIndices()]), { clientModel: 'claude-sonnet-4-5', inputTokensEstimate: 10 }))
  assert.equal(message.stop_reason, 'tool_use')
  return message.content.map((block) => block.type === 'tool_use' ? { id: block.id, name: block.name, input: block.input } : block)
}

describe('ToolCallIndices: parallel calls that share one index', () => {
  test('Ollama /v1: every call whole at index 0, told apart by a new id', async () => {
    assert.deepEqual(await toolUses('ollama-v1-shared-index.chunks.txt'), [
      { id: 'call_k2q8n1vd', name: 'Read', input: { file_path: 'a.ts' } },
      { id: 'call_7hx0p3mz', name: 'Bash', input: { command: 'ls && echo "done"' } }
    ])
  })

  test('vLLM/SGLang: a head per call, argument pieces at index 0; two calls of the same tool stay apart', async () => {
    assert.deepEqual(await toolUses('vllm-shared-index.chunks.txt'), [
      { id: 'chatcmpl-tool-4b1e', name: 'Read', input: { file_path: 'a.ts' } },
      { id: 'chatcmpl-tool-88d0', name: 'Read', input: { file_path: 'b.ts' } },
      { id: 'chatcmpl-tool-c301', name: 'Bash', input: { command: 'ls' } }
    ])
  })

  test('OpenAI numbering, a repeated id or name, and a new name without ids', () => {
    const indices = new ToolCallIndices()
    const keys = ([
      { type: 'tool-call-delta', index: 0, id: 'a', name: 'Read', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 1, id: 'b', name: 'Read', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, id: 'a', name: 'Read', argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{}' },
      { type: 'tool-call-delta', index: 2, name: 'Grep', argumentsDelta: '{' },
      { type: 'tool-call-delta', index: 2, name: 'Grep', argumentsDelta: '}' },
      { type: 'tool-call-delta', index: 2, name: 'Glob', argumentsDelta: '{}' }
    ] satisfies UpstreamPart[]).flatMap((part) => indices.push(part)).map((part) => (part as { index: number }).index)
    assert.deepEqual(keys, [0, 1, 0, 1, 2, 2, 3])
  })
})
