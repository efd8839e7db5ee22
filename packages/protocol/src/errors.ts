import { scrubSecrets, scrubSecretsIn } from './secret-scrub.ts'

/**
 * Error kinds in the gateway's own vocabulary. Front doors map them to their dialect: Anthropic `error.type`
 * or OpenAI `error.type`/`code` (protocols.md §1.8, §2.4, §3.8).
 */
export type ErrorKind =
  | 'invalid_request' | 'authentication' | 'permission' | 'not_found' | 'request_too_large'
  | 'rate_limit' | 'api_error' | 'timeout' | 'overloaded' | 'context_length_exceeded' | 'billing'

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  billing: 402,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  timeout: 504,
  overloaded: 529,
  context_length_exceeded: 400
}

/**
 * Who is at fault. `upstream`: a provider answered badly or not at all; retries, fallback and its circuit
 * breaker may act on it. `gateway`: the gateway's own code failed (a translator, a pipeline step) or could not
 * handle what the client sent; no provider is charged with it, and asking again cannot help.
 */
export type ErrorOrigin = 'upstream' | 'gateway'

export interface LynkrErrorOptions {
  status?: number
  /** Default `upstream`; `gateway` also makes the error not retryable. */
  origin?: ErrorOrigin
  /** Stable code for logs and docs, `LYNKR_<AREA>_<WHAT>`. */
  code?: string
  /** Which provider produced it, when it came from upstream. */
  provider?: string
  /** The upstream may succeed if asked again (429, 5xx, connection errors). */
  retryable?: boolean
  /** Seconds, from the upstream's Retry-After. */
  retryAfter?: number
  /** The upstream body, for passthrough to a client of the same dialect. */
  upstreamBody?: unknown
  cause?: unknown
}

export class LynkrError extends Error {
  readonly kind: ErrorKind
  readonly status: number
  readonly code: string
  readonly provider: string | undefined
  readonly retryable: boolean
  readonly retryAfter: number | undefined
  readonly upstreamBody: unknown
  readonly origin: ErrorOrigin

  constructor (kind: ErrorKind, message: string, options: LynkrErrorOptions = {}) {
    // Upstream text may quote a configured key: it never reaches a log or a client.
    super(scrubSecrets(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'LynkrError'
    this.kind = kind
    this.status = options.status ?? STATUS_BY_KIND[kind]
    this.code = options.code ?? `LYNKR_${kind.toUpperCase()}`
    this.provider = options.provider
    this.origin = options.origin ?? 'upstream'
    this.retryable = this.origin === 'gateway' ? false : options.retryable ?? (this.status === 429 || this.status >= 500)
    this.retryAfter = options.retryAfter
    this.upstreamBody = scrubSecretsIn(options.upstreamBody)
  }
}


/**
 * `error` as the gateway's own failure of `what` (a step, a translator): a LynkrError keeps its kind,
 * status and code (a step may refuse a request with a 400); anything else becomes a 500 naming `what`.
 */
export function gatewayError (error: unknown, what: string, code = 'LYNKR_GATEWAY_ERROR'): LynkrError {
  if (error instanceof LynkrError) {
    if (error.origin === 'gateway') return error
    return new LynkrError(error.kind, error.message, { status: error.status, code: error.code, origin: 'gateway', cause: error })
  }
  const message = (error as Error)?.message ?? String(error)
  return new LynkrError('api_error', `${what} failed: ${message}`, { status: 500, code, origin: 'gateway', cause: error })
}

export function isLynkrError (value: unknown): value is LynkrError {
  return value instanceof LynkrError
}

/** An error the gateway caused (or the client's input it could not handle): never retried, never charged to a provider. */
export function isGatewayFault (value: unknown): boolean {
  return value instanceof LynkrError && value.origin === 'gateway'
}

/**
 * Anything the gateway's own code threw during a call, as a LynkrError owned by the gateway. Before the
 * upstream was asked (`upstreamContacted` false) the thrower was a translator or a pipeline step working on
 * the client's request: a request the gateway cannot translate is the client's 400. After it, the gateway
 * failed to handle a good answer: a 500, still no provider's fault. LynkrErrors pass through unchanged.
 */
export function gatewayFault (error: unknown, upstreamContacted: boolean): LynkrError {
  if (isLynkrError(error)) return error
  const message = (error as Error)?.message ?? String(error)
  const detail = /call stack/i.test(message) ? 'it is nested too deeply' : message
  if (!upstreamContacted) {
    return new LynkrError('invalid_request', `The gateway could not translate this request: ${detail}`, { status: 400, origin: 'gateway', cause: error, code: 'LYNKR_REQUEST_UNTRANSLATABLE' })
  }
  return new LynkrError('api_error', `The gateway failed to handle the upstream's answer: ${detail}`, { status: 500, origin: 'gateway', cause: error, code: 'LYNKR_INTERNAL' })
}

/** The kind that best describes an HTTP status from an upstream. */
export function errorKindForStatus (status: number): ErrorKind {
  if (status === 401) return 'authentication'
  if (status === 402) return 'billing'
  if (status === 403) return 'permission'
  if (status === 404) return 'not_found'
  if (status === 408 || status === 504) return 'timeout'
  if (status === 413) return 'request_too_large'
  if (status === 429) return 'rate_limit'
  if (status === 503 || status === 529) return 'overloaded'
  if (status >= 500) return 'api_error'
  return 'invalid_request'
}

const CONTEXT_OVERFLOW = /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|input is too long|exceeds? the (?:model'?s? )?(?:maximum )?context|context size|exceed_context_size|n_ctx|num_ctx/i

/** Upstreams word context overflow many ways; Claude Code only compacts on "prompt is too long". */
export function looksLikeContextOverflow (message: string): boolean {
  return CONTEXT_OVERFLOW.test(message)
}
