import { LynkrError, looksLikeContextOverflow } from '@lynkr/protocol'
import { upstreamErrorMessage } from './map-upstream-error.ts'

export interface MissingEnd {
  provider: string
  /** The protocol's end, as the message names it: `data: [DONE]`, `done: true`, `message_stop`… */
  expected: string
  /** Protocol events read before the body ended: 0 means the body was not a stream of this protocol at all. */
  events: number
  /** The response body (an UpstreamBody keeps its first bytes) and its content type, to say what came instead. */
  body?: unknown
  contentType?: string | string[]
}

/**
 * The error for an upstream stream that ended without its protocol's end: an answer cut short must never
 * reach the client as a finished one. Before the client's first byte it is a 502 (retried, or sent to the
 * fallback); after it, an in-stream error event. A 200 whose body is no stream at all (an HTML page from a
 * proxy, an empty body, a JSON error) is named for what it was.
 */
export function streamEndMissing (missing: MissingEnd): LynkrError {
  const { provider, expected } = missing
  const options = { status: 502, provider, retryable: true }
  if (missing.events > 0) {
    return new LynkrError('api_error', `${provider} upstream closed the stream before ${expected}: the answer was cut short`, { ...options, code: 'LYNKR_UPSTREAM_STREAM_TRUNCATED' })
  }
  const head = (missing.body as { firstBytes?: unknown } | undefined)?.firstBytes
  const text = typeof head === 'string' ? head.trim() : ''
  const type = String(Array.isArray(missing.contentType) ? missing.contentType[0] : missing.contentType ?? 'none')
  const notAStream = (what: string): LynkrError =>
    new LynkrError('api_error', `${provider} upstream answered a streaming call with ${what} (content-type ${type}) instead of a stream ending in ${expected}`, { ...options, code: 'LYNKR_UPSTREAM_NOT_A_STREAM' })
  if (text === '') return notAStream('an empty body')
  if (/html/i.test(type) || /^<(!doctype|html|head|body)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)/i.exec(text)?.[1]?.trim()
    return notAStream(`an HTML page${title ? ` ("${title}")` : ''}`)
  }
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch {}
  if (parsed !== undefined && (parsed as { error?: unknown } | null)?.error !== undefined) {
    const message = upstreamErrorMessage(parsed, 'an error')
    if (looksLikeContextOverflow(message)) return new LynkrError('context_length_exceeded', `prompt is too long: ${message}`, { status: 400, provider, upstreamBody: parsed })
    return new LynkrError('api_error', `${provider} upstream answered a streaming call with an error: ${message}`, { ...options, upstreamBody: parsed, code: 'LYNKR_UPSTREAM_NOT_A_STREAM' })
  }
  return notAStream(`a body that is not a stream: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 120))}`)
}
