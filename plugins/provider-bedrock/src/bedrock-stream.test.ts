import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { assembleParts, byteChunks, collectMessage } from '@lynkr/core/testing'
import { readEventStream } from './event-stream.ts'
import { ConverseStreamParser } from './parse-converse.ts'
import { ToolNameMap } from './tool-names.ts'

// Raw ConverseStream bytes (real framing: prelude CRC, headers, JSON payload with `p` padding, message CRC):
// reasoning with a signature (no contentBlockStart), text, a tool call, then text after the tool at a new index.
const fixture = readFileSync(new URL('./__fixtures__/converse-stream-reasoning-text-tool-text.bin', import.meta.url))
const throttled = readFileSync(new URL('./__fixtures__/converse-stream-throttling-exception.bin', import.meta.url))

async function parse (bytes: Buffer, size: number): Promise<UpstreamPart[]> {
  const parser = new ConverseStreamParser(new ToolNameMap())
  const parts: UpstreamPart[] = []
  for await (const message of readEventStream(byteChunks(bytes, size))) parts.push(...parser.push(message))
  return parts
}

test('messages are cut by length whatever the network chunking', async () => {
  const whole = await parse(fixture, fixture.length)
  for (const size of [1, 7, 100, 1024]) assert.deepEqual(await parse(fixture, size), whole, `chunks of ${size}`)
})

test('blocks keyed by contentBlockIndex: thinking, text, tool, text — usage from metadata after messageStop', async () => {
  const parts = await parse(fixture, 13)
  const message = collectMessage(await assembleParts(parts, { clientModel: 'claude-sonnet-4-5', inputTokensEstimate: 1 }))
  assert.deepEqual(message.content, [
    { type: 'thinking', thinking: 'Check the directory.', signature: 'EqoBCkgIARABGAIiQL-sig' },
    { type: 'text', text: 'Listing files.' },
    { type: 'tool_use', id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'Bash', input: { command: 'ls -la "dir"' } },
    { type: 'text', text: 'Done.' }
  ])
  assert.equal(message.stop_reason, 'tool_use')
  assert.deepEqual(message.usage, { input_tokens: 812, output_tokens: 64, cache_creation_input_tokens: 0, cache_read_input_tokens: 4000 })
  assert.ok(!JSON.stringify(parts).includes('"p"'), 'padding never leaks into parts')
})

test('a corrupted byte fails the CRC check instead of yielding garbage', async () => {
  const corrupted = Buffer.from(fixture)
  corrupted[200] = corrupted[200]! ^ 0xff
  await assert.rejects(parse(corrupted, 64), /checksum/)
  const prelude = Buffer.from(fixture)
  prelude[2] = prelude[2]! ^ 0x01 // total_length changes: the prelude CRC catches it
  await assert.rejects(parse(prelude, 64), /checksum|out of range|ended inside/)
})

test('a stream cut inside a message is an error', async () => {
  await assert.rejects(parse(fixture.subarray(0, fixture.length - 10), 64), /ended inside a message/)
})

test('an exception frame becomes a mapped error part', async () => {
  const parts = await parse(throttled, 50)
  assert.deepEqual(parts.slice(0, 2), [{ type: 'response-start' }, { type: 'text-delta', text: 'Listing ' }])
  const failure = parts[2]
  assert.equal(failure?.type, 'error')
  const error = (failure as { error: LynkrError }).error
  assert.equal(error.kind, 'rate_limit')
  assert.equal(error.status, 429)
  assert.match(error.message, /Too many tokens, please wait/)
})
