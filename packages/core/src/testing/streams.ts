/**
 * Test helpers for replaying recorded wire bytes through the production path: network-like chunking, the
 * one assembler, and the non-streaming fold.
 */
import type { MessageEvent, UpstreamPart } from '@lynkr/protocol'
import { MessageAssembler } from '../stream/message-assembler.ts'
import type { AssemblerOptions } from '../stream/message-assembler.ts'
import { MessageCollector } from '../stream/collect-message.ts'
import type { AssembledMessage } from '../stream/collect-message.ts'

/** `bytes` in pieces of `size` bytes (the last one shorter), as a network might deliver them. */
export async function * byteChunks (bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

/** `bytes` cut at the given offsets (ascending): cuts.length + 1 pieces. */
export async function * bytesCutAt (bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0
  for (const cut of cuts) {
    yield bytes.subarray(from, cut)
    from = cut
  }
  yield bytes.subarray(from)
}

/** Parts through one MessageAssembler, ended: the events a client would get. */
export async function assembleParts (parts: Iterable<UpstreamPart> | AsyncIterable<UpstreamPart>, options: AssemblerOptions): Promise<MessageEvent[]> {
  const assembler = new MessageAssembler(options)
  const events: MessageEvent[] = []
  for await (const part of parts) assembler.push(part, events)
  assembler.end(events)
  return events
}

/** Events folded into the one message, as the non-streaming path does. */
export function collectMessage (events: Iterable<MessageEvent>): AssembledMessage {
  const collector = new MessageCollector()
  for (const event of events) collector.push(event)
  return collector.result()
}
