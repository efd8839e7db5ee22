import type { FastifyRequest } from 'fastify'
import type { ErrorKind, LynkrError, ModelInfo } from '@lynkr/protocol'
import type { Dialect } from '@lynkr/core'

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  authentication: 'authentication_error',
  billing: 'billing_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  timeout: 'timeout_error',
  overloaded: 'overloaded_error'
}

/** The Anthropic error object (`{type, message}`), used in JSON replies and in SSE `error` events. */
export function anthropicErrorObject (error: LynkrError): { type: string, message: string } {
  return { type: TYPE_BY_KIND[error.kind], message: error.message }
}

function isAnthropicErrorBody (body: unknown): boolean {
  const record = body as { type?: unknown, error?: { type?: unknown, message?: unknown } } | null
  return record?.type === 'error' && typeof record.error?.type === 'string' && typeof record.error.message === 'string'
}

export const anthropicDialect: Dialect = {
  name: 'anthropic',
  claims: (request: FastifyRequest, path = request.url) =>
    request.headers['anthropic-version'] !== undefined || request.headers['x-api-key'] !== undefined || path.includes('/v1/messages'),
  formatError (error, requestId) {
    // Claude Code matches on upstream wording: an Anthropic-format upstream's error goes back unmodified.
    const body = isAnthropicErrorBody(error.upstreamBody)
      ? { ...(error.upstreamBody as object), request_id: requestId }
      : { type: 'error', error: anthropicErrorObject(error), request_id: requestId }
    // Tell the SDK not to retry what cannot succeed on retry.
    return { status: error.status, headers: { 'x-should-retry': String(error.retryable) }, body }
  },
  formatModels (models: ModelInfo[]) {
    const data = models.map((model) => ({ type: 'model', id: model.id, display_name: model.id, created_at: '1970-01-01T00:00:00Z' }))
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
  }
}
