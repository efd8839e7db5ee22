import type { LynkrError as LynkrErrorType, ChatRequest, RouteDecision, UpstreamPart } from '@lynkr/protocol'
import { LynkrError, gatewayFault, isGatewayFault } from '@lynkr/protocol'
import type { Attempt, AttemptHandle, CallPolicy, ChatCall, LynkrEvents } from '@lynkr/core'
import { outcomeOf } from '@lynkr/core'
import { retryDelay } from './backoff.ts'
import type { CircuitBreakers } from './circuit-breaker.ts'

export interface UpstreamTimeouts {
  /** Streams: until the first content part arrives (covers connecting and the prompt's processing). */
  firstByteMs: number
  /** Streams: longest silence between two parts once the answer started. */
  idleMs: number
  /** Non-streaming calls: the whole answer (retries included). */
  requestMs: number
  /** Streams: the whole answer, start to end (retries included), however steadily it arrives. */
  streamMs: number
}

export interface ResilienceOptions {
  breakers: CircuitBreakers
  events: LynkrEvents
  timeouts: (provider: string) => UpstreamTimeouts
  maxRetries: number
  retryBaseMs: number
  retryMaxDelayMs: number
  /** The fallback for a tier-routed decision, or undefined when there is none. */
  fallbackFor: (decision: RouteDecision, request: ChatRequest) => RouteDecision | undefined
  /** Told when a request fell back (the router moves the session there). */
  onFallback?: (call: ChatCall, from: RouteDecision, to: RouteDecision) => void
}

/** Rejects with the signal's reason as soon as it aborts, whatever `promise` does. */
async function raceAbort<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {})
    throw signal.reason
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
    promise.catch(() => {})
  }
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await raceAbort(new Promise<void>((resolve) => { setTimeout(resolve, ms).unref() }), signal)
}

/** Attempts reject with LynkrErrors; anything else was thrown by the gateway's own code before the upstream (a pipeline step). */
function toError (error: unknown): LynkrErrorType {
  return gatewayFault(error, false)
}

function timeoutError (provider: string, message: string, code = 'LYNKR_UPSTREAM_TIMEOUT'): LynkrErrorType {
  return new LynkrError('timeout', `${provider} upstream ${message}`, { status: 504, provider, retryable: true, code })
}

/**
 * The overall deadline of one request across retries and the fallback. It starts when the first attempt's
 * pipeline steps are done: step time is the gateway's, not the provider's.
 */
class Deadline {
  private at: number | undefined
  private readonly ms: number
  private readonly what: string
  private readonly variable: string

  constructor (ms: number, what: string, variable: string) {
    this.ms = ms
    this.what = what
    this.variable = variable
  }

  /** Called when an attempt is ready to go upstream; only the first call starts the clock. */
  start (): void { this.at ??= Date.now() + this.ms }

  left (): number { return this.at === undefined ? this.ms : Math.max(0, this.at - Date.now()) }

  error (provider: string): LynkrErrorType {
    return timeoutError(provider, `did not ${this.what} within ${this.ms} ms (${this.variable})`)
  }
}

/** Failures that say the provider cannot serve this request now: they trigger the fallback. */
function providerFault (error: LynkrErrorType): boolean {
  if (isGatewayFault(error)) return false
  const outcome = outcomeOf(error)
  return outcome === 'rate_limited' || outcome === 'server_error' || outcome === 'timeout' || outcome === 'connection_error' || outcome === 'stream_error' || outcome === 'circuit_open'
}

/**
 * Failures that say the provider is unwell: they count towards its breaker. A 429 does not: the provider
 * is up and throttling, and Retry-After (or the fallback) already handles that.
 */
function breakerFault (error: LynkrErrorType): boolean {
  return providerFault(error) && outcomeOf(error) !== 'rate_limited' && outcomeOf(error) !== 'circuit_open'
}

/**
 * Retries, fallback, circuit breakers and timeouts around each upstream call. Everything here happens
 * before the first byte reaches the client: a stream is handed back only once its first content part is
 * in hand, so a failure before that (HTTP error, refused or reset connection, an error as the first
 * event, no first byte in time) can still be retried or sent to the fallback transparently.
 */
export function createResiliencePolicy (options: ResilienceOptions): CallPolicy {
  const { breakers } = options

  function admit (decision: RouteDecision): boolean {
    const gate = breakers.acquire(decision.provider)
    if (gate.allowed) return gate.probe
    throw new LynkrError('overloaded', `${decision.provider} is failing; its circuit breaker is open (retry in ${Math.ceil(gate.retryInMs / 1000)} s)`, {
      status: 503, provider: decision.provider, retryable: true, retryAfter: Math.ceil(gate.retryInMs / 1000), code: 'LYNKR_CIRCUIT_OPEN'
    })
  }

  /** Breakers count requests, not attempts: a request's retries on one provider are one success or failure. */
  function judge (call: ChatCall, provider: string, error: LynkrErrorType): void {
    if (call.scope.aborted || error.code === 'LYNKR_CIRCUIT_OPEN' || error.code === 'LYNKR_SHUTTING_DOWN') return breakers.release(provider)
    if (breakerFault(error)) breakers.failure(provider)
    else breakers.release(provider)
  }

  /** One stream attempt: resolves with the first content part buffered, or rejects. */
  async function streamOnce (call: ChatCall, decision: RouteDecision, attempt: Attempt<AsyncIterable<UpstreamPart>>, deadline: Deadline): Promise<AsyncIterable<UpstreamPart>> {
    const limits = options.timeouts(decision.provider)
    const handle = attempt(decision)
    let timer: NodeJS.Timeout | undefined
    let iterator: AsyncIterator<UpstreamPart> | undefined
    try {
      // Pipeline steps run first; their time is the gateway's, not the provider's first byte.
      await raceAbort(handle.ready, handle.signal)
      deadline.start()
      const firstByte = deadline.left() < limits.firstByteMs
        ? deadline.error(decision.provider)
        : timeoutError(decision.provider, `sent no first byte within ${limits.firstByteMs} ms`)
      timer = setTimeout(() => handle.abort(firstByte), Math.min(limits.firstByteMs, deadline.left()))
      const parts = await handle.result
      iterator = parts[Symbol.asyncIterator]()
      const buffered: UpstreamPart[] = []
      while (true) {
        const next = await raceAbort(iterator.next(), handle.signal)
        if (next.done === true) break
        if (next.value.type === 'error') throw next.value.error
        buffered.push(next.value)
        if (next.value.type !== 'response-start') break
      }
      clearTimeout(timer)
      return guardIdle(call, decision, iterator, buffered, limits.idleMs, handle, deadline)
    } catch (error) {
      clearTimeout(timer)
      const failure = toError(error)
      if (!handle.signal.aborted) handle.abort(failure)
      if (iterator?.return !== undefined) void iterator.return().catch(() => {})
      throw failure
    }
  }

  /** After the first part: the idle timeout between parts, and breaker accounting for mid-stream failures. */
  async function * guardIdle (call: ChatCall, decision: RouteDecision, iterator: AsyncIterator<UpstreamPart>, buffered: UpstreamPart[], idleMs: number, handle: AttemptHandle<unknown>, deadline: Deadline): AsyncGenerator<UpstreamPart> {
    let done = false
    // A stream that keeps dripping parts never goes idle: the request's deadline ends it.
    const overall = setTimeout(() => handle.abort(deadline.error(decision.provider)), deadline.left())
    // One timer refreshed per part: a timer per streamed token showed up in profiles. No race against the
    // abort per part either: adapters honour their signal (the upstream body fails with its reason at once),
    // so an idle timeout or a departed client ends the pending read itself.
    const timer = setTimeout(() => handle.abort(timeoutError(decision.provider, `went silent mid-stream (no data for ${idleMs} ms)`, 'LYNKR_UPSTREAM_IDLE_TIMEOUT')), idleMs)
    try {
      yield * buffered
      while (true) {
        timer.refresh()
        const next = await iterator.next()
        if (next.done === true) { done = true; return }
        if (next.value.type === 'error' && !call.scope.aborted && breakerFault(next.value.error)) breakers.failure(decision.provider)
        yield next.value
      }
    } catch (error) {
      const failure = toError(error)
      if (!call.scope.aborted && breakerFault(failure)) breakers.failure(decision.provider)
      throw failure
    } finally {
      clearTimeout(timer)
      clearTimeout(overall)
      if (!done) {
        if (!handle.signal.aborted) handle.abort(new LynkrError('api_error', 'stream abandoned', { status: 499 }))
        void iterator.return?.().catch(() => {})
      }
    }
  }

  async function completeOnce (decision: RouteDecision, attempt: Attempt<UpstreamPart[]>, deadline: Deadline): Promise<UpstreamPart[]> {
    const handle = attempt(decision)
    let timer: NodeJS.Timeout | undefined
    try {
      await raceAbort(handle.ready, handle.signal)
      deadline.start()
      timer = setTimeout(() => handle.abort(deadline.error(decision.provider)), deadline.left())
      const parts = await handle.result
      const failed = parts.find((part): part is Extract<UpstreamPart, { type: 'error' }> => part.type === 'error')
      if (failed !== undefined) throw failed.error
      return parts
    } catch (error) {
      const failure = toError(error)
      if (!handle.signal.aborted) handle.abort(failure)
      throw failure
    } finally {
      clearTimeout(timer)
    }
  }

  /** One request on one provider: the breaker admits it once, then up to `maxRetries` retries. */
  async function onProvider<T> (call: ChatCall, decision: RouteDecision, maxRetries: number, once: () => Promise<T>): Promise<T> {
    admit(decision)
    for (let retry = 0; ; retry++) {
      try {
        const result = await once()
        breakers.success(decision.provider)
        return result
      } catch (error) {
        const failure = toError(error)
        // A timeout already cost the client its patience; the gateway shutting down will not get better.
        const final = call.scope.aborted || !failure.retryable || isGatewayFault(failure) || retry >= maxRetries || failure.kind === 'timeout' || failure.code === 'LYNKR_SHUTTING_DOWN'
        const wait = final ? null : retryDelay(retry, failure.retryAfter, { baseMs: options.retryBaseMs, maxDelayMs: options.retryMaxDelayMs })
        if (wait === null) {
          judge(call, decision.provider, failure)
          throw failure
        }
        call.context.log.info({ provider: decision.provider, status: failure.status, code: failure.code, retry: retry + 1, waitMs: wait }, `retrying ${decision.provider} in ${wait} ms: ${failure.message}`)
        try {
          await sleep(wait, call.scope.signal)
        } catch (aborted) {
          breakers.release(decision.provider)
          throw aborted
        }
      }
    }
  }

  async function run<T> (call: ChatCall, decision: RouteDecision, once: (target: RouteDecision) => Promise<T>): Promise<{ decision: RouteDecision, result: T }> {
    const fallback = options.fallbackFor(decision, call.request)
    if (fallback === undefined) return { decision, result: await onProvider(call, decision, options.maxRetries, async () => await once(decision)) }
    try {
      // With a fallback available the primary gets one try: the fallback is the retry.
      return { decision, result: await onProvider(call, decision, 0, async () => await once(decision)) }
    } catch (error) {
      const failure = toError(error)
      if (call.scope.aborted || !providerFault(failure) || failure.code === 'LYNKR_SHUTTING_DOWN') throw failure
      call.context.log.warn({ from: decision.provider, to: fallback.provider, status: failure.status, code: failure.code }, `${decision.provider} failed before the first byte (${failure.message}); falling back to ${fallback.provider}`)
      options.events.emit('fallback', { from: decision, to: fallback, outcome: outcomeOf(failure), requestId: call.context.requestId })
      options.onFallback?.(call, decision, fallback)
      return { decision: fallback, result: await onProvider(call, fallback, options.maxRetries, async () => await once(fallback)) }
    }
  }

  return {
    name: 'resilience',
    stream: async ({ call, decision, attempt }) => {
      const deadline = new Deadline(options.timeouts(decision.provider).streamMs, 'finish the answer', 'UPSTREAM_STREAM_TIMEOUT_MS')
      return await run(call, decision, async (target) => await streamOnce(call, target, attempt, deadline))
    },
    complete: async ({ call, decision, attempt }) => {
      const deadline = new Deadline(options.timeouts(decision.provider).requestMs, 'answer', 'UPSTREAM_REQUEST_TIMEOUT_MS')
      return await run(call, decision, async (target) => await completeOnce(target, attempt, deadline))
    }
  }
}
