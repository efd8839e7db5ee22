import type { CallContext, ChatRequest, Logger, MessageEvent, ProviderAdapter, RouteDecision, SessionIdentity, StepReport, UpstreamPart, Usage } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE, LynkrError, emptyUsage, gatewayFault, isLynkrError } from '@lynkr/protocol'
import type { Pipeline } from './pipeline.ts'
import { Capabilities } from './conversation/capabilities.ts'
import { Sessions } from './conversation/identity.ts'
import { LazyStepContext, Turn } from './conversation/turn.ts'
import type { PreparedRequest } from './conversation/turn.ts'
import type { ProviderRegistry } from './provider-registry.ts'
import type { Routing } from './routing.ts'
import type { Pricing } from './pricing.ts'
import { randomUUID } from 'node:crypto'
import { LynkrEvents, outcomeOf } from './events.ts'
import type { UpstreamOutcome } from './events.ts'
import { CallScope } from './call-scope.ts'
import { upstreamContacted } from './http/upstream-contact.ts'
import { MessageAssembler } from './stream/message-assembler.ts'
import { MessageCollector } from './stream/collect-message.ts'
import { TurnRecord, observeEvents } from './turn-record.ts'
import type { AssembledMessage } from './stream/collect-message.ts'
import { callForCount, composeMiddleware, orderMiddleware } from './chat-middleware.ts'
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
  /** `client` (the default) for front-door traffic; `internal:<name>` for a plugin's own model calls (no steps run). */
  purpose?: string
  /** The message id of an earlier answer this request continues (Responses `previous_response_id`): it joins that session. */
  continues?: string
  /** The client may continue this answer by its id (Responses API): the answer's session is remembered. */
  chainable?: boolean
  /**
   * The client shows the answer's text as one string (OpenAI's `content`), not as blocks: text from later
   * turns of a gateway tool loop is then set apart by a blank line, or the turns' sentences would run together.
   */
  textAsOneString?: boolean
  /** Runs `task` once the client has the whole response (front doors); observers wait for it. Default: the next turn of the event loop. */
  afterResponse?: (task: () => void) => void
}

/** A plugin's own model call (a summariser, an extractor): see `ChatService.internal`. */
export interface InternalCall {
  /** A short name: the call is labelled `internal:<purpose>` in metrics, the ledger and the log. */
  purpose: string
  request: ChatRequest
  /** Skip routing: this provider (and model, else its default). Without it the request is routed like a client's. */
  route?: { provider: string, model?: string }
  /** Ends the call early (the gateway's shutdown ends it too). */
  signal?: AbortSignal
  log?: Logger
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
  /**
   * Settles once the pipeline steps are done and the adapter is called: a policy starts its upstream
   * timeouts after it, so step time never counts against the provider. Rejects with the step's (gateway)
   * error, which is never retried nor charged to the provider.
   */
  ready: Promise<void>
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

/** Where a call is between the routing decision and the end of its answer. */
interface Flow<T> {
  turn: Turn
  started: number
  decision: RouteDecision
  result: T
}

/** The two ways to call a provider, so both entry points share one flow. */
interface Mode<T> {
  stream: boolean
  policy: (policy: CallPolicy, input: PolicyInput<T>) => Promise<PolicyResult<T>>
  call: (service: ChatService, call: ChatCall, adapter: ProviderAdapter, request: ChatRequest, context: CallContext, decision: RouteDecision) => Promise<T>
}

const STREAM_MODE: Mode<AsyncIterable<UpstreamPart>> = {
  stream: true,
  policy: async (policy, input) => await policy.stream(input),
  call: async (service, call, adapter, request, context, decision) => await service.attemptStream(call, adapter, request, context, decision)
}

const COMPLETE_MODE: Mode<UpstreamPart[]> = {
  stream: false,
  policy: async (policy, input) => await policy.complete(input),
  call: async (service, call, adapter, request, context, decision) => await service.attemptComplete(call, adapter, request, context, decision)
}

const NO_STEPS: readonly StepReport[] = Object.freeze([])

const silentLog: Logger = { debug () {}, info () {}, warn () {}, error () {} }

/** Routing → pipeline → call policy → adapter → the stream state machine. Front doors call only `stream` and `complete`. */
export class ChatService {
  private readonly providers: ProviderRegistry
  private readonly routing: Routing
  private readonly pipeline: Pipeline
  private readonly pricing: Pricing | undefined
  readonly events: LynkrEvents
  /** One answer to "which conversation is this?" (steps, observers, sticky routing). */
  readonly sessions = new Sessions()
  /** What each provider does with each model, for steps. */
  readonly capabilities: Capabilities
  private policy: CallPolicy = noPolicy
  /** Calls in flight, counted: a middleware's call holds its scope while the calls it makes come and go. */
  private readonly inFlight = new Map<CallScope, number>()
  private readonly turns = new WeakMap<ChatCall, Turn>()
  /** Per client call (its scope, which the calls a middleware makes share): what its turn-completed reports. */
  private readonly records = new WeakMap<CallScope, TurnRecord>()
  /** Step reports still being counted (off the requests' paths). */
  private readonly reporting = new Set<Promise<void>>()
  private streams = 0
  private idleWaiters: Array<() => void> = []
  private readonly middleware: ChatMiddleware[] = []
  private chain: MiddlewareChain | undefined

  constructor (providers: ProviderRegistry, routing: Routing, pipeline: Pipeline, events: LynkrEvents = new LynkrEvents(), pricing?: Pricing, isLocal: (provider: string) => boolean = () => false) {
    this.providers = providers
    this.routing = routing
    this.pipeline = pipeline
    this.events = events
    this.pricing = pricing
    this.capabilities = new Capabilities(pricing, isLocal)
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
      stream: async (call) => await this.streamVia(call),
      complete: async (call) => await this.completeVia(call),
      // In flight from the client's request to the end of the answer, between a tool loop's turns too.
      hold: (call) => {
        this.begin(call)
        return () => { this.end(call) }
      }
    })
  }

  /** Whether `prepareForCount` may count something other than the client's request (a middleware adds tools or history). */
  get changesCount (): boolean { return this.middleware.some((middleware) => middleware.forCount !== undefined) }

  /** Registered middleware names, outermost first. */
  get middlewareNames (): string[] { return orderMiddleware(this.middleware).map((middleware) => middleware.name) }

  /** Resolves once the answer can start (upstream HTTP errors reject here, before any byte is sent). */
  stream (call: ChatCall): Promise<StreamOutcome> {
    // No middleware: straight to the call, without an extra hop.
    const run = (): Promise<StreamOutcome> => this.chain === undefined ? this.streamVia(call) : this.chain.stream(call)
    return this.events.has('turn-completed') ? this.observeStream(call, run) : run()
  }

  complete (call: ChatCall): Promise<MessageOutcome> {
    const run = (): Promise<MessageOutcome> => this.chain === undefined ? this.completeVia(call) : this.chain.complete(call)
    return this.events.has('turn-completed') ? this.observeComplete(call, run) : run()
  }

  /**
   * The one turn-completed event of a client call, at the outermost level: after the whole chain (a tool
   * loop's turns, or a middleware that answered alone), with the message as the client saw it.
   */
  private async observeStream (call: ChatCall, run: () => Promise<StreamOutcome>): Promise<StreamOutcome> {
    const record = new TurnRecord()
    this.records.set(call.scope, record)
    let outcome: StreamOutcome
    try {
      outcome = await run()
    } catch (error) {
      this.turnCompleted(call, record, true, undefined, undefined, gatewayFault(error, false))
      throw error
    }
    const events = observeEvents(outcome.events, (message, error) => { this.turnCompleted(call, record, true, outcome.decision, message, error) })
    return { decision: outcome.decision, events }
  }

  private async observeComplete (call: ChatCall, run: () => Promise<MessageOutcome>): Promise<MessageOutcome> {
    const record = new TurnRecord()
    this.records.set(call.scope, record)
    try {
      const outcome = await run()
      this.turnCompleted(call, record, false, outcome.decision, outcome.message, undefined)
      return outcome
    } catch (error) {
      this.turnCompleted(call, record, false, undefined, undefined, gatewayFault(error, false))
      throw error
    }
  }

  /** Emits turn-completed once the client has its whole response (never before, never delaying it). */
  private turnCompleted (call: ChatCall, record: TurnRecord, stream: boolean, decision: RouteDecision | undefined, message: AssembledMessage | undefined, error: LynkrError | undefined): void {
    const turn = this.turnOf(call)
    const outcome = call.scope.clientClosed ? 'aborted' : error === undefined ? 'success' : 'error'
    const run = (): void => {
      record.sent().then((sent) => {
        this.events.emit('turn-completed', {
          requestId: call.context.requestId,
          purpose: turn.purpose,
          request: call.request,
          sent,
          message,
          usage: record.usage,
          calls: record.calls,
          decision: decision ?? record.decision,
          session: turn.session,
          workspace: turn.workspace,
          stream,
          outcome,
          error,
          log: call.context.log
        })
      }, (failure: unknown) => { call.context.log.error({ err: failure }, 'turn-completed failed') })
    }
    if (call.afterResponse !== undefined) call.afterResponse(run)
    else setImmediate(run)
  }

  get policyName (): string { return this.policy.name }
  /** Chat calls between the request and the end of the answer (streams included). */
  get activeCalls (): number { return this.inFlight.size }
  get activeStreams (): number { return this.streams }

  /** The session a call belongs to (the same answer steps, observers and sticky routing get). */
  sessionOf (call: ChatCall): SessionIdentity { return this.turnOf(call).session }

  /**
   * The request as the middleware and the pipeline would send it to the provider routing picks, without
   * calling it: what `count_tokens` counts, so the count reflects what will be sent (gateway tools included).
   * Steps see purpose `count-tokens`. A step or routing failure counts the request as the client sent it (a
   * count never fails on the gateway's account).
   */
  async prepareForCount (client: ChatCall): Promise<ChatRequest> {
    try {
      const call = callForCount(this.middleware, client)
      const turn = this.turnOf({ ...call, purpose: COUNT_TOKENS_PURPOSE })
      const decision = this.decide(call, turn)
      const adapter = this.providers.get(decision.provider)
      if (adapter === undefined) return call.request
      const context = this.stepContext(call, turn, adapter, decision)
      return await this.pipeline.run({ ...call.request, model: decision.model }, context)
    } catch (error) {
      client.context.log.warn({ err: error }, 'count_tokens: the pipeline failed; counting the request as sent by the client')
      return client.request
    }
  }

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

  private turnOf (call: ChatCall): Turn {
    let turn = this.turns.get(call)
    if (turn === undefined) {
      turn = new Turn({ request: call.request, headers: call.headers, continues: call.continues, purpose: call.purpose ?? 'client' }, this.sessions)
      this.turns.set(call, turn)
    }
    return turn
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

  private decide (call: ChatCall, turn: Turn): RouteDecision {
    return this.routing.decide({ request: call.request, headers: call.headers, log: call.context.log, get session () { return turn.session } })
  }

  /** What the steps see of a call on one provider/model (the real call's and count_tokens' alike). */
  private stepContext (call: ChatCall, turn: Turn, adapter: ProviderAdapter, decision: RouteDecision): LazyStepContext {
    return new LazyStepContext(turn, decision, adapter, this.capabilities, { requestId: call.context.requestId, log: call.context.log, scope: call.scope })
  }

  /** The pipeline's result for one provider/model, run once per call however often the policy retries it. */
  private prepare (call: ChatCall, turn: Turn, adapter: ProviderAdapter, decision: RouteDecision): Promise<PreparedRequest> {
    const key = `${decision.provider}\u0000${decision.model}`
    let prepared = turn.prepared.get(key)
    if (prepared === undefined) {
      const request = { ...call.request, model: decision.model }
      if (turn.purpose !== 'client') {
        // A plugin's own call (a summariser): the client's steps are not for it.
        prepared = Promise.resolve({ request, steps: NO_STEPS as StepReport[] })
      } else {
        const steps: StepReport[] = []
        const listened = this.events.has('step-completed') || this.events.has('call-completed')
        const context = this.stepContext(call, turn, adapter, decision)
        prepared = this.pipeline.prepare(request, context, listened ? (report) => { steps.push(report); this.stepReported(call, turn, decision, report) } : undefined)
          .then((ready) => {
            if (ready.reported !== undefined) this.track(ready.reported)
            return { request: ready.request, steps, reported: ready.reported }
          })
      }
      turn.prepared.set(key, prepared)
    }
    return prepared
  }

  private track (reported: Promise<void>): void {
    this.reporting.add(reported)
    void reported.finally(() => { this.reporting.delete(reported) })
  }

  /**
   * Settles once every step report being counted now was heard, so a scrape right after an answer sees its
   * savings — or after `maxWaitMs`, so a stalled tokenizer never holds a scrape.
   */
  async reportsSettled (maxWaitMs = 2000): Promise<void> {
    if (this.reporting.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, maxWaitMs); timer.unref() })
    await Promise.race([Promise.all(this.reporting), waited])
    clearTimeout(timer)
  }

  private stepReported (call: ChatCall, turn: Turn, decision: RouteDecision, report: StepReport): void {
    if (!this.events.has('step-completed')) return
    this.events.emit('step-completed', { ...report, requestId: call.context.requestId, provider: decision.provider, model: decision.model, purpose: turn.purpose })
  }

  /** Builds the attempt function for one call: the pipeline runs once per distinct provider/model. */
  private attemptFor<T> (call: ChatCall, turn: Turn, mode: Mode<T>): Attempt<T> {
    return (decision) => {
      const controller = call.scope.follow()
      let rejectNow: (reason: unknown) => void = () => {}
      let ready: Promise<void>
      const result = new Promise<T>((resolve, reject) => {
        rejectNow = reject
        const adapter = this.providers.get(decision.provider)
        if (adapter === undefined) {
          const error = new LynkrError('not_found', `Provider "${decision.provider}" is not enabled; enabled providers: ${this.providers.list().map((p) => p.id).join(', ')}`, { code: 'LYNKR_ROUTING_UNKNOWN_PROVIDER' })
          ready = Promise.reject(error)
          reject(error)
          return
        }
        const prepared = this.prepare(call, turn, adapter, decision)
        ready = prepared.then(() => {})
        prepared
          .then(async ({ request }) => await mode.call(this, call, adapter, request, { ...call.context, signal: controller.signal }, decision))
          .then(resolve, reject)
      })
      ready!.catch(() => {})
      // A failed attempt is over; a successful one may still be streaming, so it keeps following the call.
      result.catch(() => call.scope.release(controller))
      return {
        result,
        ready: ready!,
        signal: controller.signal,
        abort: (reason) => {
          controller.abort(reason)
          rejectNow(reason)
        }
      }
    }
  }

  /** @internal One streamed upstream attempt, instrumented. */
  async attemptStream (call: ChatCall, adapter: ProviderAdapter, request: ChatRequest, context: CallContext, target: RouteDecision): Promise<AsyncIterable<UpstreamPart>> {
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
  }

  /** @internal One whole-answer upstream attempt, instrumented. */
  async attemptComplete (call: ChatCall, adapter: ProviderAdapter, request: ChatRequest, context: CallContext, target: RouteDecision): Promise<UpstreamPart[]> {
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

  /**
   * The one flow both entry points share: route, run the policy around pipeline + adapter attempts. A
   * failure before the answer ends the call here (reported, then thrown for the front door to answer).
   */
  private async open<T> (call: ChatCall, mode: Mode<T>, route?: RouteDecision): Promise<Flow<T>> {
    const started = Date.now()
    const turn = this.turnOf(call)
    this.begin(call)
    let decision: RouteDecision | undefined
    try {
      decision = route ?? this.decide(call, turn)
      const attempt = this.attemptFor(call, turn, mode)
      const served = await mode.policy(this.policy, { call, decision, attempt })
      return { turn, started, decision: served.decision, result: served.result }
    } catch (error) {
      this.end(call)
      const failure = settledFailure(call, error)
      this.finish(call, turn, decision, mode.stream, started, emptyUsage(), asLynkrError(failure), undefined)
      throw failure
    }
  }

  /** Reports a finished provider call (log line, call-completed) and adds it to its client call's record. */
  private finish (call: ChatCall, turn: Turn, decision: RouteDecision | undefined, stream: boolean, started: number, usage: Usage, error: LynkrError | undefined, messageId: string | undefined): void {
    const outcome = call.scope.clientClosed ? 'aborted' : error === undefined ? 'success' : 'error'
    const prepared = decision === undefined ? undefined : turn.prepared.get(`${decision.provider}\u0000${decision.model}`)
    if (decision !== undefined) {
      if (prepared === undefined) this.completed(call, turn, decision, stream, started, usage, error, outcome, NO_STEPS)
      // Settled by now (the attempt ran after it); its step reports may still be counting. A failed pipeline reports no steps.
      else {
        prepared.then((ready) => {
          const done = (): void => { this.completed(call, turn, decision, stream, started, usage, error, outcome, ready.steps) }
          if (ready.reported === undefined) done()
          else void ready.reported.then(done)
        }, () => { this.completed(call, turn, decision, stream, started, usage, error, outcome, NO_STEPS) })
      }
    }
    if (messageId !== undefined && call.chainable === true && outcome === 'success') this.sessions.answer(messageId, turn.session)
    // The client call's one turn-completed event adds this provider call up with the others it made.
    this.records.get(call.scope)?.addCall(decision, usage, prepared?.then((ready) => ready.request, () => undefined))
  }

  private completed (call: ChatCall, turn: Turn, decision: RouteDecision, stream: boolean, started: number, usage: Usage, error: LynkrError | undefined, outcome: 'success' | 'error' | 'aborted', steps: readonly StepReport[]): void {
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
      purpose: turn.purpose === 'client' ? undefined : turn.purpose,
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
      log: call.context.log,
      purpose: turn.purpose,
      steps
    })
  }

  /** The logger internal calls use when they bring none (the gateway's). */
  log: Logger = silentLog

  /**
   * A model call a plugin makes for itself, without a client request: routed (or sent to `route`) and run
   * through the call policy (retries, fallback, breakers, timeouts) like any other, but no pipeline step
   * runs and it is labelled `internal:<purpose>` in metrics and the ledger, never as client traffic.
   */
  async internal (options: InternalCall): Promise<MessageOutcome> {
    if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(options.purpose)) throw new Error(`internal call purpose "${options.purpose}" must be a short name (letters, digits, - _ .)`)
    const scope = new CallScope()
    const signal = options.signal
    if (signal !== undefined) {
      if (signal.aborted) scope.abort(signal.reason)
      else signal.addEventListener('abort', () => { scope.abort(signal.reason) }, { once: true })
    }
    const log = options.log ?? this.log
    const requestId = `internal-${randomUUID()}`
    const request: ChatRequest = { ...options.request, clientModel: options.request.clientModel || options.request.model, stream: false }
    const call: ChatCall = {
      request,
      context: { log, requestId, get signal () { return scope.signal } },
      headers: {},
      inputTokensEstimate: 0,
      scope,
      purpose: `internal:${options.purpose}`
    }
    let route: RouteDecision | undefined
    if (options.route !== undefined) {
      const adapter = this.providers.get(options.route.provider)
      if (adapter === undefined) throw new LynkrError('not_found', `Provider "${options.route.provider}" is not enabled; enabled providers: ${this.providers.list().map((p) => p.id).join(', ')}`, { code: 'LYNKR_ROUTING_UNKNOWN_PROVIDER', origin: 'gateway' })
      route = { provider: adapter.id, model: options.route.model ?? adapter.defaultModel, reason: 'internal' }
    }
    const run = async (): Promise<MessageOutcome> => await this.completeVia(call, route)
    return this.events.has('turn-completed') ? await this.observeComplete(call, run) : await run()
  }

  /** Resolves once the upstream accepted the call; upstream HTTP errors reject here, before any byte is sent. */
  /** @internal `stream` with an optional fixed route (internal calls that name their provider). */
  async streamVia (call: ChatCall, route?: RouteDecision): Promise<StreamOutcome> {
    const flow = await this.open(call, STREAM_MODE, route)
    const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
    this.streams++
    const finish = (usage: Usage, error: LynkrError | undefined, messageId: string | undefined, output?: Promise<number>): void => {
      this.streams--
      this.end(call)
      if (output === undefined) return this.finish(call, flow.turn, flow.decision, true, flow.started, usage, error, messageId)
      // Cut short before the upstream reported its output: what was streamed is counted (and charged).
      output.then((tokens) => { this.finish(call, flow.turn, flow.decision, true, flow.started, { ...usage, output_tokens: tokens }, error, messageId) },
        () => { this.finish(call, flow.turn, flow.decision, true, flow.started, usage, error, messageId) })
    }
    return { decision: flow.decision, events: assembleEvents(flow.result, assembler, call.scope, finish) }
  }

  /** @internal `complete` with an optional fixed route. */
  async completeVia (call: ChatCall, route?: RouteDecision): Promise<MessageOutcome> {
    const flow = await this.open(call, COMPLETE_MODE, route)
    let message: AssembledMessage
    try {
      const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
      const collector = new MessageCollector()
      const events: MessageEvent[] = []
      for (const part of flow.result) assembler.push(part, events)
      assembler.end(events)
      for (const event of events) collector.push(event)
      message = collector.result()
    } catch (error) {
      this.end(call)
      const failure = settledFailure(call, error)
      this.finish(call, flow.turn, flow.decision, false, flow.started, emptyUsage(), asLynkrError(failure), undefined)
      throw failure
    }
    this.end(call)
    this.finish(call, flow.turn, flow.decision, false, flow.started, message.usage, undefined, message.id)
    return { decision: flow.decision, message }
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

async function * assembleEvents (parts: AsyncIterable<UpstreamPart>, assembler: MessageAssembler, scope: CallScope, finish: (usage: Usage, error: LynkrError | undefined, messageId: string | undefined, output?: Promise<number>) => void): AsyncGenerator<MessageEvent> {
  const batch: MessageEvent[] = []
  let messageId: string | undefined
  let usage = emptyUsage()
  let failure: LynkrError | undefined
  let reported = false
  // What reached the client, for an answer that ends (failure, client gone) before its final usage.
  const sent: string[] = []
  // The final message_delta carries the cumulative usage of the whole answer: that is what gets priced.
  const note = (events: MessageEvent[]): void => {
    for (const event of events) {
      if (event.type === 'message_start') {
        usage = { ...event.message.usage, output_tokens: 0 }
        messageId = event.message.id
      } else if (event.type === 'message_delta') {
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
    if (reported || sent.length === 0 || usage.output_tokens > 0) finish(usage, failure, messageId)
    else finish(usage, failure, messageId, countTextTokens(sent))
  }
}
