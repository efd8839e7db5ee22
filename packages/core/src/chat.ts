import type { CallContext, ChatRequest, MessageEvent, ProviderAdapter, RouteDecision, UpstreamPart, Usage } from '@lynkr/protocol'
import { LynkrError, isLynkrError } from '@lynkr/protocol'
import type { Pipeline } from './pipeline.ts'
import type { ProviderRegistry } from './provider-registry.ts'
import type { Routing } from './routing.ts'
import type { Pricing } from './pricing.ts'
import { LynkrEvents, outcomeOf } from './events.ts'
import type { UpstreamOutcome } from './events.ts'
import { linkSignals } from './link-signals.ts'
import { MessageAssembler } from './stream/message-assembler.ts'
import { MessageCollector } from './stream/collect-message.ts'
import type { AssembledMessage } from './stream/collect-message.ts'

export interface ChatCall {
  request: ChatRequest
  context: CallContext
  /** Client headers, for routing decisions (session stickiness) and passthrough. */
  headers: Record<string, string | string[] | undefined>
  /** For message_start usage until the upstream reports real numbers. */
  inputTokensEstimate: number
}

export interface StreamOutcome { decision: RouteDecision, events: AsyncGenerator<MessageEvent> }
export interface MessageOutcome { decision: RouteDecision, message: AssembledMessage }

/**
 * One upstream attempt for a decision: pipeline, then the adapter. `signal` (optional) is the policy's own
 * abort (timeouts); the attempt also aborts when the client leaves or the gateway shuts down. When the
 * policy aborts with a LynkrError as the reason, the attempt fails with that error.
 */
export type Attempt<T> = (decision: RouteDecision, signal?: AbortSignal) => Promise<T>

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
  stream: async ({ decision, attempt }) => ({ decision, result: await attempt(decision) }),
  complete: async ({ decision, attempt }) => ({ decision, result: await attempt(decision) })
}

/** The failure an aborted attempt should report: the policy's or shutdown's LynkrError reason, else the error. */
function abortReason (signal: AbortSignal, client: AbortSignal, error: unknown): unknown {
  if (signal.aborted && !client.aborted && isLynkrError(signal.reason)) return signal.reason
  return error
}

function asLynkrError (error: unknown): LynkrError {
  if (isLynkrError(error)) return error
  return new LynkrError('api_error', `Upstream call failed: ${(error as Error)?.message ?? String(error)}`, { status: 502, cause: error, code: 'LYNKR_UPSTREAM_FAILED' })
}

/** Routing → pipeline → call policy → adapter → the stream state machine. Front doors call only `stream` and `complete`. */
export class ChatService {
  private readonly providers: ProviderRegistry
  private readonly routing: Routing
  private readonly pipeline: Pipeline
  private readonly pricing: Pricing | undefined
  readonly events: LynkrEvents
  private policy: CallPolicy = noPolicy
  private readonly inFlight = new Set<AbortController>()
  private streams = 0
  private idleWaiters: Array<() => void> = []

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
    for (const controller of this.inFlight) controller.abort(reason)
    // Give the aborted streams a moment to write their error event and end.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000)
      timer.unref()
      this.idleWaiters.push(() => { clearTimeout(timer); resolve() })
    })
    return left
  }

  private begin (): AbortController {
    const controller = new AbortController()
    this.inFlight.add(controller)
    return controller
  }

  private end (controller: AbortController): void {
    this.inFlight.delete(controller)
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
  private attemptFor<T> (call: ChatCall, lifetime: AbortController, run: (adapter: ProviderAdapter, request: ChatRequest, context: CallContext, decision: RouteDecision) => Promise<T>): Attempt<T> {
    const prepared = new Map<string, Promise<ChatRequest>>()
    return async (decision, policySignal) => {
      const adapter = this.providers.get(decision.provider)
      if (adapter === undefined) {
        throw new LynkrError('not_found', `Provider "${decision.provider}" is not enabled; enabled providers: ${this.providers.list().map((p) => p.id).join(', ')}`, { code: 'LYNKR_ROUTING_UNKNOWN_PROVIDER' })
      }
      const key = `${decision.provider}\u0000${decision.model}`
      let request = prepared.get(key)
      if (request === undefined) {
        request = this.pipeline.run({ ...call.request, model: decision.model }, call.context)
        prepared.set(key, request)
      }
      const ready = await request
      const signals = [call.context.signal, lifetime.signal]
      if (policySignal !== undefined) signals.push(policySignal)
      return await run(adapter, ready, { ...call.context, signal: linkSignals(signals) }, decision)
    }
  }

  private recordAttempt (call: ChatCall, decision: RouteDecision, stream: boolean, started: number, outcome: UpstreamOutcome, error?: LynkrError, firstPartMs?: number): void {
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
    const aborted = call.context.signal.aborted
    const outcome = aborted ? 'aborted' : error === undefined ? 'success' : 'error'
    const costUsd = this.pricing?.cost(decision.provider, decision.model, usage)
    const durationMs = Date.now() - started
    call.context.log.info({
      provider: decision.provider,
      model: decision.model,
      tier: decision.tier,
      route: decision.reason,
      outcome,
      usage,
      costUsd,
      durationMs
    }, 'chat call finished')
    this.events.emit('call-completed', {
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
  async stream (call: ChatCall): Promise<StreamOutcome> {
    const started = Date.now()
    const lifetime = this.begin()
    let decision: RouteDecision | undefined
    try {
      decision = this.decide(call)
      const attempt = this.attemptFor<AsyncIterable<UpstreamPart>>(call, lifetime, async (adapter, request, context, target) => {
        const attemptStarted = Date.now()
        let parts: AsyncIterable<UpstreamPart>
        try {
          parts = await adapter.chatStream(request, context)
        } catch (error) {
          const failure = asLynkrError(abortReason(context.signal, call.context.signal, error))
          this.recordAttempt(call, target, true, attemptStarted, call.context.signal.aborted ? 'aborted' : outcomeOf(failure), failure)
          throw failure
        }
        return this.instrumentParts(parts, call, target, attemptStarted, context.signal)
      })
      const { decision: served, result } = await this.policy.stream({ call, decision, attempt })
      decision = served
      const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
      this.streams++
      const finish = (usage: Usage, error: LynkrError | undefined): void => {
        this.streams--
        this.end(lifetime)
        this.completed(call, served, true, started, usage, error)
      }
      return { decision: served, events: assembleEvents(result, assembler, call.context.signal, finish) }
    } catch (error) {
      this.end(lifetime)
      if (decision !== undefined) this.completed(call, decision, true, started, zeroUsage(), asLynkrError(error))
      throw error
    }
  }

  async complete (call: ChatCall): Promise<MessageOutcome> {
    const started = Date.now()
    const lifetime = this.begin()
    let decision: RouteDecision | undefined
    try {
      decision = this.decide(call)
      const attempt = this.attemptFor<UpstreamPart[]>(call, lifetime, async (adapter, request, context, target) => {
        const attemptStarted = Date.now()
        try {
          const parts = await adapter.chat(request, context)
          const failure = parts.find((part): part is Extract<UpstreamPart, { type: 'error' }> => part.type === 'error')
          this.recordAttempt(call, target, false, attemptStarted, failure === undefined ? 'success' : outcomeOf(failure.error), failure?.error)
          return parts
        } catch (error) {
          const failure = asLynkrError(abortReason(context.signal, call.context.signal, error))
          this.recordAttempt(call, target, false, attemptStarted, call.context.signal.aborted ? 'aborted' : outcomeOf(failure), failure)
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
      this.end(lifetime)
      this.completed(call, served, false, started, message.usage, undefined)
      return { decision: served, message }
    } catch (error) {
      this.end(lifetime)
      if (decision !== undefined) this.completed(call, decision, false, started, zeroUsage(), asLynkrError(error))
      throw error
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
      try {
        for await (const part of parts) {
          firstPartMs ??= Date.now() - started
          if (part.type === 'error') failure = part.error
          else if (part.type !== 'response-start') content = true
          yield part
        }
        finished = true
      } catch (error) {
        failure = asLynkrError(abortReason(signal, call.context.signal, error))
        throw failure
      } finally {
        const outcome: UpstreamOutcome = call.context.signal.aborted
          ? 'aborted'
          : failure !== undefined ? outcomeOf(failure, content) : finished ? 'success' : 'aborted'
        service.recordAttempt(call, decision, true, started, outcome, failure, firstPartMs)
      }
    })()
  }
}

function zeroUsage (): Usage {
  return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
}

async function * assembleEvents (parts: AsyncIterable<UpstreamPart>, assembler: MessageAssembler, signal: AbortSignal, finish: (usage: Usage, error: LynkrError | undefined) => void): AsyncGenerator<MessageEvent> {
  const batch: MessageEvent[] = []
  let usage = zeroUsage()
  let failure: LynkrError | undefined
  // The final message_delta carries the cumulative usage of the whole answer: that is what gets priced.
  const note = (events: MessageEvent[]): void => {
    for (const event of events) {
      if (event.type === 'message_start') usage = { ...event.message.usage, output_tokens: 0 }
      else if (event.type === 'message_delta') usage = { ...usage, ...event.usage }
      else if (event.type === 'error') failure = event.error
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
      if (signal.aborted) return
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
    finish(usage, failure)
  }
}
