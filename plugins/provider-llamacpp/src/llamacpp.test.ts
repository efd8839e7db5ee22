import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { MessageEvent, ToolDefinition } from '@lynkr/protocol'
import { readSseEvents, transformPartStream } from '@lynkr/core'
import { InlineMarkupRecovery } from '@lynkr/inline-markup'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { openAIChunkToParts } from '@lynkr/openai-chat'
import type { UpstreamPart } from '@lynkr/protocol'

const tools: ToolDefinition[] = [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } }, required: ['command'] } }]

/** The adapter's path over recorded wire bytes, cut into 7-byte network chunks. */
async function replay (name: string): Promise<MessageEvent[]> {
  const bytes = new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)))
  async function * parts (): AsyncGenerator<UpstreamPart> {
    for await (const event of readSseEvents(byteChunks(bytes, 7))) {
      if (event.data === '[DONE]') return
      yield * openAIChunkToParts('llamacpp', JSON.parse(event.data) as Record<string, unknown>)
    }
  }
  return await assembleParts(transformPartStream(parts(), [new InlineMarkupRecovery({ tools })]), { clientModel: 'claude-sonnet-4-5', inputTokensEstimate: 100 })
}

test('llama.cpp stream: <think> split across chunks and a printed <tool_call> become thinking and tool_use blocks', async () => {
  const events = await replay('printed-tool-call.chunks.txt')
  const message = collectMessage(events)
  assert.equal(message.content.length, 3)
  assert.deepEqual(message.content[0], { type: 'thinking', thinking: 'The user wants the  files listed.', signature: '' })
  assert.deepEqual(message.content[1], { type: 'text', text: "I'll list them." })
  const use = message.content[2] as { type: string, name: string, input: unknown, id: string }
  assert.equal(use.type, 'tool_use')
  assert.equal(use.name, 'Bash')
  assert.deepEqual(use.input, { command: 'ls -la', description: 'List files' })
  assert.match(use.id, /^toolu_[A-Za-z0-9_-]+$/)
  assert.equal(message.stop_reason, 'tool_use', 'finish_reason "stop" with a recovered call is tool_use')
  assert.deepEqual([message.usage.input_tokens, message.usage.output_tokens], [812, 41])
})
