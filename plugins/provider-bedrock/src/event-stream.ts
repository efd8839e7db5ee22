import { EventStreamCodec } from '@smithy/eventstream-codec'
import type { MessageHeaders } from '@smithy/eventstream-codec'
import { fromUtf8, toUtf8 } from '@smithy/util-utf8'
import { bodyChunks } from '@lynkr/core'

/** One decoded `application/vnd.amazon.eventstream` message: string-valued headers and the raw payload. */
export interface EventStreamMessage {
  headers: Record<string, string>
  body: Uint8Array
}

const PRELUDE_BYTES = 12
const MINIMUM_MESSAGE_BYTES = 16
/** AWS caps one event-stream message at 16 MiB. */
const MAXIMUM_MESSAGE_BYTES = 16 * 1024 * 1024

const codec = new EventStreamCodec(toUtf8, fromUtf8)

function flattenHeaders (headers: MessageHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, header] of Object.entries(headers)) out[name] = header.value instanceof Uint8Array ? toUtf8(header.value) : String(header.value)
  return out
}

/**
 * Cuts a byte stream into event-stream messages (protocols.md §6.6). Network chunks do not align with
 * messages: bytes are buffered until `total_length` is available, each message is cut exactly, and the
 * codec checks the prelude and message CRC32s (a mismatch throws: a corrupted stream must not be trusted).
 */
export async function * readEventStream (body: AsyncIterable<Uint8Array | string>): AsyncGenerator<EventStreamMessage> {
  let pending: Buffer = Buffer.alloc(0)
  for await (const chunk of bodyChunks(body)) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes])
    while (pending.length >= PRELUDE_BYTES) {
      const total = pending.readUInt32BE(0)
      if (total < MINIMUM_MESSAGE_BYTES || total > MAXIMUM_MESSAGE_BYTES) throw new Error(`event-stream message length ${total} is out of range`)
      if (pending.length < total) break
      const frame = pending.subarray(0, total)
      pending = pending.subarray(total)
      const message = codec.decode(frame)
      yield { headers: flattenHeaders(message.headers), body: message.body }
    }
  }
  if (pending.length > 0) throw new Error(`event stream ended inside a message (${pending.length} bytes left)`)
}

/** Encodes one message (the fakes and fixtures use it to produce real frames). */
export function encodeEventStreamMessage (headers: Record<string, string>, payload: Uint8Array | string): Uint8Array {
  const typed: MessageHeaders = {}
  for (const [name, value] of Object.entries(headers)) typed[name] = { type: 'string', value }
  return codec.encode({ headers: typed, body: typeof payload === 'string' ? fromUtf8(payload) : payload })
}
