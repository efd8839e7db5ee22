import { bodyChunks } from './body-chunks.ts'

/** Parses newline-delimited JSON (Ollama streams), tolerating chunk boundaries anywhere. */
export async function * readNdjsonLines (body: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of bodyChunks(body)) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline).trim()
      buffer = buffer.slice(newline + 1)
      if (line !== '') yield JSON.parse(line)
    }
  }
  const rest = (buffer + decoder.decode()).trim()
  if (rest !== '') yield JSON.parse(rest)
}
