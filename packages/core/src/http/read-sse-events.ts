import { bodyChunks } from './body-chunks.ts'

/** One server-sent event. `event` is absent for OpenAI-style data-only streams. */
export interface SseEvent { event?: string, data: string }

/**
 * Splits a byte stream into SSE events (WHATWG rules that matter here): CRLF or LF line ends, `:` comment
 * lines skipped (llama.cpp pings, OpenRouter keep-alives), multi-line `data:` joined with `\n`. A
 * multi-byte character split across network chunks is decoded correctly.
 */
export async function * readSseEvents (body: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event: string | undefined
  let data: string[] = []
  for await (const chunk of bodyChunks(body)) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffer.indexOf('\n')) !== -1) {
      let line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (line.endsWith('\r')) line = line.slice(0, -1)
      if (line === '') {
        if (data.length > 0) yield event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') }
        event = undefined
        data = []
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'data') data.push(value)
      else if (field === 'event') event = value
    }
  }
  buffer += decoder.decode()
  if (buffer.startsWith('data:')) data.push(buffer.slice(5).trimStart())
  if (data.length > 0) yield event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') }
}
