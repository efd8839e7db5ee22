import type { ErrorKind } from '@lynkr/protocol'
import { LynkrError, looksLikeContextOverflow } from '@lynkr/protocol'
import { parseRetryAfter, upstreamErrorMessage } from '@lynkr/core'

interface Mapping { kind: ErrorKind, status: number, retryable?: boolean }

/**
 * Bedrock error types (x-amzn-ErrorType header, `:exception-type` in streams) → what the client sees
 * (protocols.md §3.8): throttling is a 429, capacity problems are Anthropic's 529 "overloaded", model
 * timeouts a 504, model failures a 500, validation a 400 that keeps the message.
 */
const BY_TYPE: Record<string, Mapping> = {
  validationexception: { kind: 'invalid_request', status: 400 },
  resourcenotfoundexception: { kind: 'not_found', status: 404 },
  throttlingexception: { kind: 'rate_limit', status: 429 },
  servicequotaexceededexception: { kind: 'rate_limit', status: 429 },
  modelnotreadyexception: { kind: 'overloaded', status: 529 },
  serviceunavailableexception: { kind: 'overloaded', status: 529 },
  modeltimeoutexception: { kind: 'timeout', status: 504 },
  modelerrorexception: { kind: 'api_error', status: 500 },
  modelstreamerrorexception: { kind: 'api_error', status: 500 },
  internalserverexception: { kind: 'api_error', status: 500 }
}

const CREDENTIAL_ERRORS = new Set(['accessdeniedexception', 'unrecognizedclientexception', 'invalidsignatureexception', 'expiredtokenexception', 'incompletesignatureexception', 'missingauthenticationtokenexception'])

/** `ValidationException:http://internal.amazon.com/coral/…` → `validationexception`. */
function normaliseType (value: string | undefined): string {
  return (value ?? '').split(':')[0]!.split('#').at(-1)!.trim().toLowerCase()
}

function firstHeader (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export function bedrockError (type: string | undefined, message: string, options: { status?: number, retryAfter?: number, body?: unknown } = {}): LynkrError {
  const name = normaliseType(type)
  const label = type === undefined || type === '' ? `HTTP ${options.status ?? 500}` : type.split(':')[0]!
  if ((name === 'validationexception' || (options.status ?? 500) < 500) && (looksLikeContextOverflow(message) || /too many (input )?tokens/i.test(message))) {
    return new LynkrError('context_length_exceeded', `prompt is too long: ${message}`, { status: 400, provider: 'bedrock', retryable: false, upstreamBody: options.body, code: 'LYNKR_UPSTREAM_CONTEXT_LENGTH' })
  }
  if (CREDENTIAL_ERRORS.has(name) || options.status === 401 || options.status === 403) {
    return new LynkrError('api_error', `bedrock upstream rejected the gateway's credentials (${label}): ${message}`, {
      status: 502, provider: 'bedrock', retryable: false, upstreamBody: options.body, code: 'LYNKR_UPSTREAM_AUTH'
    })
  }
  const mapped = BY_TYPE[name]
  const status = mapped?.status ?? options.status ?? 500
  const kind = mapped?.kind ?? (status === 429 ? 'rate_limit' : status >= 500 ? 'api_error' : 'invalid_request')
  return new LynkrError(kind, `bedrock upstream returned ${label}: ${message}`, {
    status, provider: 'bedrock', retryAfter: options.retryAfter, upstreamBody: options.body, code: `LYNKR_BEDROCK_${(name || String(status)).toUpperCase()}`
  })
}

/** A non-2xx Bedrock HTTP answer (JSON `{"message"}` plus the x-amzn-ErrorType header). */
export function mapBedrockHttpError (status: number, bodyText: string, headers: Record<string, string | string[] | undefined>): LynkrError {
  let body: unknown = bodyText
  try { body = JSON.parse(bodyText) } catch {}
  const type = firstHeader(headers['x-amzn-errortype']) ?? (body as { __type?: string } | null)?.__type
  return bedrockError(type, upstreamErrorMessage(body, `HTTP ${status}`), { status, retryAfter: parseRetryAfter(headers['retry-after']), body })
}
