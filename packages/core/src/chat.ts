import type { CallContext, ChatRequest, MessageEvent, ProviderAdapter, RouteDecision, UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError, gatewayFault, isLynkrError } from '@lynkr/protocol'
import type { Pipeline } from './pipeline.ts'
import type { ProviderRegistry } from './provider-registry.ts'
import type { Routing } from './routing.ts'
import type { Pricing } from './pricing.ts'
import { LynkrEvents, outcomeOf } from './events.ts'
import type { UpstreamOutcome } from './events.ts'
import type { CallScope } from './call-scope.ts'
import { upstreamContacted } from './http/upstream-contact.ts'
import { MessageAssembler } from './stream/message-assembler.ts'
import { MessageCollector } from './stream/collect-message.ts'
import type { AssembledMessage } from './stream/collect-message.ts'
import { composeMiddleware, orderMiddleware } from './chat-middleware.ts'
import type { ChatMiddleware, MiddlewareChain } from './chat-middleware.ts'
import { streamEndMissing } from './http/stream-end.ts'
import { countTextTokens } from './tokens/count-tokens.ts'

export interface ChatCall {
  request: ChatRequest
  context: CallContext
  /** Client headers, for routing decisions (session stickiness) and passthrough. */
  headers: Record<string, string | string[] | undefined>
  /** For message_start usage until the upstream reports real numbers. */
  inputTokensEstimate: number
  /** Whether and why the call was cut short (client gone, shutdown); each attempt's signal follows it. */
  scope: CallScope
}

export interface StreamOutcome { decision: RouteDecision, events: AsyncGenerator<MessageEvent> }
export interface MessageOutcome { decision: RouteDecision, message: AssembledMessage }

/**
 * One upstream attempt for a decision (pipeline, then the adapter), started by calling the `Attempt`.
 * It aborts when the client leaves or the gateway shuts down; `abort` ends just this attempt (the policy's
 * timeouts), and `result` then rejects with that error at once, whatever the adapter does.
 */
export interface AttemptHandle<T> {
  result: Promise<T>
  /** The attempt's own signal (what the adapter got). */
  signal: AbortSignal
  abort: (reason: LynkrError) => void
}

export type Attempt<T> = (decision: RouteDecision) => AttemptHandle<T>

export interface PolicyInput<T> {
  call: ChatCall
  decision: RouteDecision
  attempt: Attempt<T>
}

export interface PolicyResult<T> { decision: RouteDecision, result: T }

/**
 * Wraps the upstream call of every chat request: retries, fallback, breakers, timeouts (the router plugin
 * installs one). A stream policy resolves only once nothing can be retried any more without the client
 * noticing, i.e. before the first byte reaches the client.
 */
export interface CallPolicy {
  name: string
  stream: (input: PolicyInput<AsyncIterable<UpstreamPart>>) => Promise<PolicyResult<AsyncIterable<UpstreamPart>>>
  complete: (input: PolicyInput<UpstreamPart[]>) => Promise<PolicyResult<UpstreamPart[]>>
}

const noPolicy: CallPolicy = {
  name: 'direct',
  stream: async ({ decision, attempt }) => ({ decision, result: await attempt(decision).result }),
  complete: async ({ decision, attempt }) => ({ decision, result: await attempt(decision).result })
}

/** The failure an aborted attempt should report: why it was aborted (timeout, shutdown, client gone), else the error. */
function abortReason (signal: AbortSignal, error: unknown): unknown {
  if (signal.aborted && isLynkrError(signal.reason)) return signal.reason
  return error
}

/** Whatever an attempt threw that is not already a LynkrError came from the gateway's own code (protocol's gatewayFault). */
function asLynkrError (error: unknown, signal?: AbortSignal): LynkrError {
  return gatewayFault(error, signal !== undefined && upstreamContacted(signal))
}

/** Routing → pipeline → call policy → adapter → the stream state machine. Front doors call only `stream` and `complete`. */
export class ChatService {
  private readonly providers: ProviderRegistry
  private readonly routing: Routing
  private readonly pipeline: Pipeline
  private readonly pricing: Pricing | undefined
  readonly events: LynkrEvents
  private policy: CallPolicy = noPolicy
  /** Calls in flight, counted: a middleware's call holds its scope while the calls it makes come and go. */
  private readonly inFlight = new Map<CallScope, number>()
  private streams = 0
  private idleWaiters: Array<() => void> = []
  private readonly middleware: ChatMiddleware[] = []
  private chain: MiddlewareChain | undefined

  constructor (providers: ProviderRegistry, routing: Routing, pipeline: Pipeline, events: LynkrEvents = new LynkrEvents(), pricing?: Pricing) {
    this.providers = providers
    this.routing = routing
    this.pipeline = pipeline
    this.events = events
    this.pricing = pricing
  }

  /** Installs the one call policy (retries, fallback, breakers, timeouts). */
  useCallPolicy (policy: CallPolicy): void {
    if (this.policy !== noPolicy) throw new Error(`Call policy "${this.policy.name}" is already installed`)
    this.policy = policy
  }

  /** Adds a middleware around every chat call of both front doors (see ChatMiddleware for the order). */
  use (middleware: ChatMiddleware): void {
    if (this.middleware.some((other) => other.name === middleware.name)) throw new Error(`Chat middleware "${middleware.name}" is already registered`)
    this.middleware.push(middleware)
    this.chain = composeMiddleware(this.middleware, {
      stream: async (call) => await this.streamCall(call),
      complete: async (call) => await this.completeCall(call),
      // In flight from the client's request to the end of the answer, between a tool loop's turns too.
      hold: (call) => {
        this.begin(call)
        return () => { this.end(call) }
      }
    })
  }

  /** Registered middleware names, outermost first. */
  get middlewareNames (): string[] { return orderMiddleware(this.middleware).map((middleware) => middleware.name) }

  /** Resolves once the answer can start (upstream HTTP errors reject here, before any byte is sent). */
  stream (call: ChatCall): Promise<StreamOutcome> {
    // No middleware: straight to the call, without an extra hop.
    return this.chain === undefined ? this.streamCall(call) : this.chain.stream(call)
  }

  complete (call: ChatCall): Promise<MessageOutcome> {
    return this.chain === undefined ? this.completeCall(call) : this.chain.complete(call)
  }

  get policyName (): string { return this.policy.name }
  /** Chat calls between the request and the end of the answer (streams included). */
  get activeCalls (): number { return this.inFlight.size }
  get activeStreams (): number { return this.streams }

  /**
   * For graceful shutdown: resolves once no call is in flight, or at the deadline, when the remaining calls
   * are aborted (their streams end with an error event in the client's dialect).
   */
  async drain (graceMs: number): Promise<number> {
    if (this.inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs)
        timer.unref()
        this.idleWaiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
    const left = this.inFlight.size
    if (left === 0) return 0
    const reason = new LynkrError('overloaded', 'The gateway is shutting down; retry the request', { status: 503, retryable: true, code: 'LYNKR_SHUTTING_DOWN' })
    for (const scope of this.inFlight.keys()) scope.abort(reason)
    // Give the aborted streams a moment to write their error event and end.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      timer.unref()
      this.idleWaiters.push(() => { clearTimeout(timer); resolve() })
    })
    return left
  }

  private begin (call: ChatCall): void {
    this.inFlight.set(call.scope, (this.inFlight.get(call.scope) ?? 0) + 1)
  }

  private end (call: ChatCall): void {
    const held = (this.inFlight.get(call.scope) ?? 1) - 1
    if (held > 0) {
      this.inFlight.set(call.scope, held)
      return
    }
    this.inFlight.delete(call.scope)
    if (this.inFlight.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const wake of waiters) wake()
    }
  }

  private decide (call: ChatCall): RouteDecision {
    return this.routing.decide({ request: call.request, headers: call.headers, log: call.context.log })
  }

  /** Builds the attempt function for one call: the pipeline runs once per distinct provider/model. */
  private attemptFor<T> (call: ChatCall, run: (adapter: ProviderAdapter, request: ChatRequest, context: CallContext, decision: RouteDecision) => Promise<T>): Attempt<T> {
    let prepared: Map<string, Promise<ChatRequest>> | undefined
    const prepare = (decision: RouteDecision): Promise<ChatRequest> => {
      const key = `${decision.provider}\u0000${decision.model}`
      prepared ??= new Map()
      let request = prepared.get(key)
      if (request === undefined) {
        request = this.pipeline.run({ ...call.request, model: decision.model }, call.context)
        prepared.set(key, request)
      }
      return request
    }
    return (decision) => {
      const controller = call.scope.follow()
      let rejectNow: (reason: unknown) => void = () => {}
      const result = new Promise<T>((resolve, reject) => {
        rejectNow = reject
        const adapter = this.providers.get(decision.provider)
        if (adapter === undefined) {
          reject(new LynkrError('not_found', `Provider "${decision.provider}" is not enabled; enabled providers: ${this.providers.list().map((p) => p.id).join(', ')}`, { code: 'LYNKR_ROUTING_UNKNOWN_PROVIDER' }))
          return
        }
        prepare(decision)
          .then(async (ready) => await run(adapter, ready, { ...call.context, signal: controller.signal }, decision))
          .then(resolve, reject)
      })
      // A failed attempt is over; a successful one may still be streaming, so it keeps following the call.
      result.catch(() => call.scope.release(controller))
      return {
        result,
        signal: controller.signal,
        abort: (reason) => {
          controller.abort(reason)
          rejectNow(reason)
        }
      }
    }
  }

  private recordAttempt (call: ChatCall, decision: RouteDecision, stream: boolean, started: number, outcome: UpstreamOutcome, error?: LynkrError, firstPartMs?: number): void {
    if (!this.events.has('upstream-attempt')) return
    this.events.emit('upstream-attempt', {
      provider: decision.provider,
      model: decision.model,
      outcome,
      durationMs: Date.now() - started,
      firstPartMs,
      stream,
      error,
      requestId: call.context.requestId
    })
  }

  private completed (call: ChatCall, decision: RouteDecision, stream: boolean, started: number, usage: Usage, error: LynkrError | undefined): void {
    const aborted = call.scope.clientClosed
    const outcome = aborted ? 'aborted' : error === undefined ? 'success' : 'error'
    const log = call.context.log
    const listened = this.events.has('call-completed')
    if (!listened && log.isLevelEnabled?.('debug') === false) return
    const costUsd = this.pricing?.cost(decision.provider, decision.model, usage)
    const durationMs = Date.now() - started
    // Debug: the server's one line per request carries who served it, tokens and cost.
    log.debug({
      provider: decision.provider,
      model: decision.model,
      tier: decision.tier,
      route: decision.reason,
      outcome,
      usage,
      costUsd,
      durationMs
    }, 'chat call finished')
    if (listened) this.events.emit('call-completed', {
      requestId: call.context.requestId,
      clientModel: call.request.clientModel,
      decision,
      stream,
      outcome,
      error,
      usage,
      costUsd,
      durationMs,
      log: call.context.log
    })
  }

  /** Resolves once the upstream accepted the call; upstream HTTP errors reject here, before any byte is sent. */
  private async streamCall (call: ChatCall): Promise<StreamOutcome> {
    const started = Date.now()
    this.begin(call)
    let decision: RouteDecision | undefined
    try {
      decision = this.decide(call)
      const attempt = this.attemptFor<AsyncIterable<UpstreamPart>>(call, async (adapter, request, context, target) => {
        const attemptStarted = Date.now()
        let parts: AsyncIterable<UpstreamPart>
        try {
          parts = await adapter.chatStream(request, context)
        } catch (error) {
          const failure = asLynkrError(abortReason(context.signal, error), context.signal)
          this.recordAttempt(call, target, true, attemptStarted, call.scope.clientClosed ? 'aborted' : outcomeOf(failure), failure)
          throw failure
        }
        return this.instrumentParts(parts, call, target, attemptStarted, context.signal)
      })
      const { decision: served, result } = await this.policy.stream({ call, decision, attempt })
      decision = served
      const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
      this.streams++
      const finish = (usage: Usage, error: LynkrError | undefined, output?: Promise<number>): void => {
        this.streams--
        this.end(call)
        if (output === undefined) return this.completed(call, served, true, started, usage, error)
        // Cut short before the upstream reported its output: what was streamed is counted (and charged).
        output.then((tokens) => { this.completed(call, served, true, started, { ...usage, output_tokens: tokens }, error) },
          () => { this.completed(call, served, true, started, usage, error) })
      }
      return { decision: served, events: assembleEvents(result, assembler, call.scope, finish) }
    } catch (error) {
      this.end(call)
      const failure = settledFailure(call, error)
      if (decision !== undefined) this.completed(call, decision, true, started, zeroUsage(), asLynkrError(failure))
      throw failure
    }
  }

  private async completeCall (call: ChatCall): Promise<MessageOutcome> {
    const started = Date.now()
    this.begin(call)
    let decision: RouteDecision | undefined
    try {
      decision = this.decide(call)
      const attempt = this.attemptFor<UpstreamPart[]>(call, async (adapter, request, context, target) => {
        const attemptStarted = Date.now()
        try {
          const parts = await adapter.chat(request, context)
          const failure = parts.find((part): part is Extract<UpstreamPart, { type: 'error' }> => part.type === 'error')
          this.recordAttempt(call, target, false, attemptStarted, failure === undefined ? 'success' : outcomeOf(failure.error), failure?.error)
          return parts
        } catch (error) {
          const failure = asLynkrError(abortReason(context.signal, error), context.signal)
          this.recordAttempt(call, target, false, attemptStarted, call.scope.clientClosed ? 'aborted' : outcomeOf(failure), failure)
          throw failure
        }
      })
      const { decision: served, result: parts } = await this.policy.complete({ call, decision, attempt })
      decision = served
      const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
      const collector = new MessageCollector()
      const events: MessageEvent[] = []
      for (const part of parts) assembler.push(part, events)
      assembler.end(events)
      for (const event of events) collector.push(event)
      const message = collector.result()
      this.end(call)
      this.completed(call, served, false, started, message.usage, undefined)
      return { decision: served, message }
    } catch (error) {
      this.end(call)
      const failure = settledFailure(call, error)
      if (decision !== undefined) this.completed(call, decision, false, started, zeroUsage(), asLynkrError(failure))
      throw failure
    }
  }

  /** Reports how the stream of one attempt ended (success, in-stream error, broken connection). */
  private instrumentParts (parts: AsyncIterable<UpstreamPart>, call: ChatCall, decision: RouteDecision, started: number, signal: AbortSignal): AsyncIterable<UpstreamPart> {
    const service = this
    return (async function * (): AsyncGenerator<UpstreamPart> {
      let firstPartMs: number | undefined
      let failure: LynkrError | undefined
      let finished = false
      let content = false
      let ended = false
      try {
        for await (const part of parts) {
          firstPartMs ??= Date.now() - started
          if (part.type === 'error') failure = part.error
          else if (part.type !== 'response-start') content = true
          if (part.type === 'finish' || part.type === 'error') ended = true
          yield part
        }
        // Whatever the adapter: a stream without a finish is cut short, never a finished answer.
        if (!ended && !signal.aborted) throw streamEndMissing({ provider: decision.provider, expected: 'a finish reason', events: 1 })
        finished = true
      } catch (error) {
        failure = asLynkrError(abortReason(signal, error), signal)
        throw failure
      } finally {
        const outcome: UpstreamOutcome = call.scope.clientClosed
          ? 'aborted'
          : failure !== undefined ? outcomeOf(failure, content) : finished ? 'success' : 'aborted'
        service.recordAttempt(call, decision, true, started, outcome, failure, firstPartMs)
      }
    })()
  }
}

/** A call whose client left fails with that (499, logged as info), not with whatever the abort broke upstream. */
function settledFailure (call: ChatCall, error: unknown): unknown {
  return call.scope.clientClosed ? call.scope.reason : error
}

function zeroUsage (): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
}

async function * assembleEvents (parts: AsyncIterable<UpstreamPart>, assembler: MessageAssembler, scope: CallScope, finish: (usage: Usage, error: LynkrError | undefined, output?: Promise<number>) => void): AsyncGenerator<MessageEvent> {
  const batch: MessageEvent[] = []
  let usage = zeroUsage()
  let failure: LynkrError | undefined
  let reported = false
  // What reached the client, for an answer that ends (failure, client gone) before its final usage.
  const sent: string[] = []
  // The final message_delta carries the cumulative usage of the whole answer: that is what gets priced.
  const note = (events: MessageEvent[]): void => {
    for (const event of events) {
      if (event.type === 'message_start') usage = { ...event.message.usage, output_tokens: 0 }
      else if (event.type === 'message_delta') {
        usage = { ...usage, ...event.usage }
        reported = true
      } else if (event.type === 'content_block_delta') {
        const delta = event.delta
        if (delta.type === 'text_delta') sent.push(delta.text)
        else if (delta.type === 'thinking_delta') sent.push(delta.thinking)
        else if (delta.type === 'input_json_delta') sent.push(delta.partial_json)
      } else if (event.type === 'error') failure = event.error
    }
  }
  try {
    try {
      for await (const part of parts) {
        assembler.push(part, batch)
        if (batch.length > 0) {
          note(batch)
          yield * batch
          batch.length = 0
        }
        if (assembler.isEnded) return
      }
    } catch (error) {
      if (scope.clientClosed) return
      const failure = error instanceof LynkrError
        ? error
        : new LynkrError('api_error', `Upstream stream failed: ${(error as Error).message ?? String(error)}`, { status: 502, cause: error, code: 'LYNKR_UPSTREAM_STREAM_BROKEN' })
      assembler.push({ type: 'error', error: failure }, batch)
      note(batch)
      yield * batch
      return
    }
    assembler.end(batch)
    note(batch)
    yield * batch
  } finally {
    if (reported || sent.length === 0 || usage.output_tokens > 0) finish(usage, failure)
    else finish(usage, failure, countTextTokens(sent))
  }
}
