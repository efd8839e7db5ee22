import type { FastifyRequest } from 'fastify'
import type { ErrorKind, LynkrError, ModelInfo } from '@lynkr/protocol'
import type { Dialect } from '@lynkr/core'

export interface OpenAIErrorObject { message: string, type: string, param: string | null, code: string | null }

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  context_length_exceeded: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  not_found: 'invalid_request_error',
  authentication: 'invalid_request_error',
  permission: 'permission_error',
  billing: 'insufficient_quota',
  rate_limit: 'rate_limit_error',
  api_error: 'server_error',
  timeout: 'server_error',
  overloaded: 'server_error'
}

function codeFor (error: LynkrError): string | null {
  switch (error.kind) {
    case 'context_length_exceeded': return 'context_length_exceeded'
    case 'rate_limit': return 'rate_limit_exceeded'
    case 'authentication': return 'invalid_api_key'
    case 'billing': return 'insufficient_quota'
    case 'request_too_large': return 'request_too_large'
    case 'timeout': return 'timeout'
    case 'overloaded': return 'overloaded'
    case 'not_found': return error.code === 'LYNKR_ROUTE_NOT_FOUND' ? 'unknown_url' : /model/i.test(error.message) ? 'model_not_found' : 'not_found'
    default: return error.code === 'LYNKR_REQUEST_INVALID' ? null : error.code.toLowerCase()
  }
}

/** The `param` of an OpenAI-shaped upstream error, so SDK users see which field the upstream refused. */
function upstreamParam (body: unknown): string | null {
  const error = (body as { error?: { param?: unknown } } | null)?.error
  return typeof error?.param === 'string' ? error.param : null
}

/**
 * Errors of Anthropic-format upstreams keep the upstream's bare message, since Claude Code gets their body
 * unmodified and matches on its wording. OpenAI clients get it with who said it, like every other upstream
 * error; the Anthropic error type stands for the status, because in-stream errors carry no HTTP status.
 */
function namedMessage (error: LynkrError): string {
  const body = error.upstreamBody as { type?: unknown, error?: { type?: unknown, message?: unknown } } | null | undefined
  if (error.provider === undefined || body?.type !== 'error' || body.error?.message !== error.message) return error.message
  return `${error.provider} upstream returned ${String(body.error.type)}: ${error.message}`
}

/**
 * The OpenAI error object (`{message, type, param, code}`) for JSON replies and in-stream error frames.
 * The message is the gateway's own: it names the upstream and its real status, because Cursor shows
 * every 429/5xx as "rate limit" and the user needs to know what really happened.
 */
export function openAIErrorObject (error: LynkrError): OpenAIErrorObject {
  return { message: namedMessage(error), type: TYPE_BY_KIND[error.kind], param: upstreamParam(error.upstreamBody), code: codeFor(error) }
}

/** HTTP status for OpenAI clients: Anthropic's 529 "overloaded" does not exist in OpenAI's world. */
export function openAIStatus (error: LynkrError): number {
  return error.status === 529 ? 503 : error.status
}

const CREATED = Math.floor(Date.now() / 1000)

export const openAIDialect: Dialect = {
  name: 'openai',
  // Anthropic clients identify themselves by headers or path; every other /v1/ caller speaks OpenAI.
  claims: (request: FastifyRequest, path = request.url) =>
    path.startsWith('/v1/') && !path.startsWith('/v1/messages') &&
    request.headers['anthropic-version'] === undefined && request.headers['x-api-key'] === undefined,
  formatError (error) {
    // openai-node reads x-should-retry before its own status rules.
    return { status: openAIStatus(error), headers: { 'x-should-retry': String(error.retryable) }, body: { error: openAIErrorObject(error) } }
  },
  formatModels (models: ModelInfo[]) {
    return { object: 'list', data: models.map((model) => ({ id: model.id, object: 'model', created: CREATED, owned_by: model.provider })) }
  }
}
