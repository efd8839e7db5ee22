import { LynkrError, errorKindForStatus, looksLikeContextOverflow } from '@lynkr/protocol'

/** Finds the human message in the error bodies of every upstream dialect we speak. */
export function upstreamErrorMessage (body: unknown, fallback: string): string {
  if (typeof body === 'string') return body.trim() || fallback
  if (body !== null && typeof body === 'object') {
    const record = body as Record<string, unknown>
    const error = record.error
    if (typeof error === 'string') return error
    if (error !== null && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') {
      return (error as Record<string, unknown>).message as string
    }
    if (typeof record.message === 'string') return record.message
    if (typeof record.Message === 'string') return record.Message
    if (typeof record.detail === 'string') return record.detail
  }
  return fallback
}

/**
 * Machine-readable overflow markers: OpenAI's `code`, llama.cpp's `type` ("the request exceeds the available
 * context size", sent with HTTP 500 by some versions, which must not become a retried 5xx).
 */
function overflowCode (body: unknown): boolean {
  const error = (body as { error?: unknown } | null)?.error
  if (error === null || typeof error !== 'object') return false
  const { code, type } = error as { code?: unknown, type?: unknown }
  return code === 'context_length_exceeded' || type === 'exceed_context_size_error'
}

export function parseRetryAfter (value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text === '') return undefined
  const seconds = Number(text)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(text)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/**
 * The gateway's own credentials were refused (`what`: the status, and the reason where an upstream says it
 * another way): a 502, since answering 401 would make the client think ITS key is bad.
 */
export function credentialsRefused (provider: string, what: string, detail: string, upstreamBody: unknown): LynkrError {
  return new LynkrError('api_error', `${provider} upstream rejected the gateway's credentials (${what}): ${detail}`, {
    status: 502, provider, upstreamBody, retryable: false, code: 'LYNKR_UPSTREAM_AUTH'
  })
}

/**
 * Turns an upstream HTTP failure into a LynkrError with the real status kept: Cursor shows every 429/5xx
 * as "rate limit", so the message must say what happened and where. Context overflow in any wording
 * becomes "prompt is too long", the phrase Claude Code compacts on (protocols.md §1.8).
 */
export function mapUpstreamError (provider: string, status: number, bodyText: string, headers: Record<string, string | string[] | undefined> = {}): LynkrError {
  let body: unknown = bodyText
  try { body = JSON.parse(bodyText) } catch {}
  const detail = upstreamErrorMessage(body, `HTTP ${status}`)
  const retryAfter = parseRetryAfter(headers['retry-after'])
  if (overflowCode(body) || (status < 500 && (looksLikeContextOverflow(detail) || /exceeds? (?:the )?(?:available )?context size/i.test(detail)))) {
    return new LynkrError('context_length_exceeded', `prompt is too long: ${detail}`, { status: 400, provider, upstreamBody: body, code: 'LYNKR_UPSTREAM_CONTEXT_LENGTH' })
  }
  if (status === 401 || status === 403) return credentialsRefused(provider, `HTTP ${status}`, detail, body)
  const kind = errorKindForStatus(status)
  return new LynkrError(kind, `${provider} upstream returned ${status}: ${detail}`, {
    status,
    provider,
    retryAfter,
    upstreamBody: body,
    code: 'LYNKR_UPSTREAM_HTTP_' + status
  })
}
