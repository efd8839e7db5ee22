import { Agent, undiciErrors } from './undici-agent.ts'
import type { Dispatcher } from 'undici'
import { LynkrError } from '@lynkr/protocol'
import { mapUpstreamError } from './map-upstream-error.ts'
import { DEFAULT_CONNECT_TIMEOUT_MS } from './upstream-timeouts.ts'
import { UpstreamBody } from './upstream-body.ts'
import { markUpstreamContacted } from './upstream-contact.ts'

/** Request bodies from this size on are encoded in a task of their own (see `send`). */
const LARGE_BODY_CHARS = 1024 * 1024

export interface UpstreamClientOptions {
  /** A dispatcher owned by the embedder or a test; never closed by us. */
  dispatcher?: Dispatcher
  /** Milliseconds to wait for response headers (the model's first token on non-streaming calls). */
  headersTimeoutMs?: number
  /** Milliseconds of silence allowed between body chunks. */
  bodyTimeoutMs?: number
  connectTimeoutMs?: number
}

export interface UpstreamCall {
  provider: string
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
  /** Maps a non-2xx answer for upstreams whose error format needs headers (Bedrock's x-amzn-ErrorType). */
  mapError?: (status: number, bodyText: string, headers: Record<string, string | string[] | undefined>) => LynkrError
}

export interface UpstreamResponse {
  statusCode: number
  headers: Record<string, string | string[] | undefined>
  body: UpstreamBody
}

/**
 * Keep-alive HTTP for provider calls, on undici's `dispatch` over a pooled Agent: the upstream client on the
 * hot path decides throughput (global fetch measured at a fifth of a pooled undici client, and undici's
 * `request` with its stream body at three quarters of `dispatch`).
 */
export class UpstreamClient {
  private readonly dispatcher: Dispatcher
  private readonly owned: boolean
  private readonly headersTimeout: number
  private readonly bodyTimeout: number

  constructor (options: UpstreamClientOptions = {}) {
    this.headersTimeout = options.headersTimeoutMs ?? 600_000
    this.bodyTimeout = options.bodyTimeoutMs ?? 300_000
    this.owned = options.dispatcher === undefined
    this.dispatcher = options.dispatcher ?? new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      connections: 256,
      pipelining: 1
    })
  }

  /** Sends a call; a non-2xx answer is read and thrown as a mapped LynkrError. */
  async send (call: UpstreamCall): Promise<UpstreamResponse> {
    const target = splitUrl(call.url)
    markUpstreamContacted(call.signal)
    let response: UpstreamResponse
    let body: string | Buffer | undefined = call.body
    if (body !== undefined && body.length >= LARGE_BODY_CHARS) {
      // Building a 30 MB body (JSON.stringify) and encoding it are each a long task: the loop turns between
      // them, so the streams the gateway serves stall for one, not for the sum of a request's steps.
      await new Promise<void>((resolve) => setImmediate(resolve))
      body = Buffer.from(body)
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    try {
      response = await dispatchCall(this.dispatcher, {
        origin: target.origin,
        path: target.path,
        method: call.method ?? 'POST',
        headers: call.body === undefined ? call.headers : { 'content-type': 'application/json', ...call.headers },
        body,
        headersTimeout: this.headersTimeout,
        bodyTimeout: this.bodyTimeout
      }, call.signal)
    } catch (error) {
      throw transportError(call, error)
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response
    let text = ''
    try { text = await response.body.text() } catch {}
    throw (call.mapError ?? ((status, body, headers) => mapUpstreamError(call.provider, status, body, headers)))(response.statusCode, text, response.headers)
  }

  /** Sends a call and parses the JSON body. */
  async sendJson (call: UpstreamCall): Promise<unknown> {
    const response = await this.send(call)
    const text = await readBody(call, response)
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new LynkrError('api_error', `${call.provider} upstream returned invalid JSON: ${text.slice(0, 200)}`, { status: 502, provider: call.provider, cause: error })
    }
  }

  async close (): Promise<void> {
    if (this.owned) await this.dispatcher.close()
  }
}

/**
 * One call through undici's handler API: resolves with the response once its headers are in, the body
 * following as it arrives. The signal aborts it at any point (before the connection, or mid-body, when the
 * reader gets the signal's reason).
 */
function dispatchCall (dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason)
      return
    }
    let controller: Dispatcher.DispatchController | undefined
    let body: UpstreamBody | undefined
    const onAbort = (): void => {
      // Without a controller yet, the request is aborted as soon as it gets one (onRequestStart).
      controller?.abort(signal!.reason)
      if (body === undefined) reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const finished = (): void => { signal?.removeEventListener('abort', onAbort) }
    try {
      dispatcher.dispatch(options, {
        onRequestStart (started) {
          controller = started
          if (signal?.aborted === true) started.abort(signal.reason)
        },
        onResponseStart (started, statusCode, headers) {
          if (statusCode < 200) return // 1xx: the real answer follows
          body = new UpstreamBody(started)
          resolve({ statusCode, headers: headers as UpstreamResponse['headers'], body })
        },
        onResponseData (_controller, chunk) { body?.push(chunk) },
        onResponseEnd () {
          finished()
          body?.end()
        },
        onResponseError (_controller, error) {
          finished()
          if (body === undefined) reject(error)
          else body.fail(error)
        }
      })
    } catch (error) {
      finished()
      reject(error)
    }
  })
}

const splitCache = new Map<string, { origin: string, path: string }>()

/** Providers call the same few URLs over and over: parse each once. */
function splitUrl (url: string): { origin: string, path: string } {
  let split = splitCache.get(url)
  if (split === undefined) {
    const parsed = new URL(url)
    split = { origin: parsed.origin, path: parsed.pathname + parsed.search }
    if (splitCache.size < 1000) splitCache.set(url, split)
  }
  return split
}

async function readBody (call: UpstreamCall, response: UpstreamResponse): Promise<string> {
  try {
    return await response.body.text()
  } catch (error) {
    throw transportError(call, error)
  }
}

/** Maps connection failures and timeouts; an abort by our own client is rethrown untouched. */
export function transportError (call: Pick<UpstreamCall, 'provider' | 'url' | 'signal'>, error: unknown): unknown {
  if (call.signal?.aborted) return error
  if (error instanceof LynkrError) return error
  const where = safeOrigin(call.url)
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
    return new LynkrError('timeout', `${call.provider} upstream at ${where} timed out (${(error as Error).message})`, { status: 504, provider: call.provider, retryable: true, cause: error, code: 'LYNKR_UPSTREAM_TIMEOUT' })
  }
  const code = (error as { code?: string }).code ?? ''
  const message = (error as Error).message ?? String(error)
  return new LynkrError('api_error', `Could not reach ${call.provider} upstream at ${where}: ${code || message}`, {
    status: 502, provider: call.provider, retryable: true, cause: error, code: 'LYNKR_UPSTREAM_UNREACHABLE'
  })
}

function safeOrigin (url: string): string {
  try { return new URL(url).origin } catch { return 'an invalid URL' }
}
