import type { ChatRequest, LynkrError, Logger, RouteDecision, SessionIdentity, StepReport, Usage, WorkspaceIdentity } from '@lynkr/protocol'
import type { AssembledMessage } from './stream/collect-message.ts'

/**
 * How one upstream attempt ended. Failures that say the provider is unwell (breakers count them, fallback
 * triggers on them): rate_limited, server_error, timeout, connection_error, stream_error, circuit_open.
 * `gateway_error` is the gateway's own failure (a step, a translator): never the provider's.
 */
export type UpstreamOutcome =
  | 'success' | 'rate_limited' | 'server_error' | 'client_error' | 'timeout' | 'connection_error'
  | 'stream_error' | 'circuit_open' | 'aborted'
  /** The gateway's own code failed or could not translate the request (protocol's isGatewayFault): no provider's fault. */
  | 'gateway_error'

/** One call to one provider (a retried or fallen-back request makes several). */
export interface UpstreamAttemptEvent {
  provider: string
  model: string
  outcome: UpstreamOutcome
  /** From sending the request to the end of the answer (or the failure). */
  durationMs: number
  /** From sending the request to the first part (streams that got that far). */
  firstPartMs?: number
  stream: boolean
  error?: LynkrError
  requestId: string
}

/** A chat call the gateway finished answering (successfully or not), with what it cost. */
export interface CallCompletedEvent {
  requestId: string
  clientModel: string
  /** The decision that served it (after any fallback). */
  decision: RouteDecision
  stream: boolean
  outcome: 'success' | 'error' | 'aborted'
  error?: LynkrError
  /** Anthropic semantics: input excludes cache reads and writes. From the final stream event. */
  usage: Usage
  /** USD, from the price table; undefined when the model has no known price. */
  costUsd: number | undefined
  durationMs: number
  log: Logger
  /** `client` for front-door traffic, `internal:<name>` for a plugin's own model calls. */
  purpose: string
  /** What each pipeline step that changed the request did to its token count (empty when none did). */
  steps: readonly StepReport[]
}

/** A step changed the request: its token counts before and after, for savings per stage. */
export interface StepCompletedEvent extends StepReport {
  requestId: string
  provider: string
  model: string
  purpose: string
}

/**
 * A client call is over and its client has its whole response (observers: memory extraction, savings
 * reports). Emitted once per client call, at the outermost middleware level — however many provider calls a
 * server-side tool loop made, and also when a middleware answered without a provider (a cache hit) — for
 * both front doors, streamed or not, after the response finished. An internal call (`chat.internal`) emits
 * it once too, with purpose `internal:<name>`.
 */
export interface TurnCompletedEvent {
  requestId: string
  purpose: string
  /** The request as the client sent it (as its front door parsed it: before any middleware or step). */
  request: ChatRequest
  /**
   * What the provider got on the last provider call (after the pipeline steps; a tool loop's final turn,
   * with the gateway's tool calls and results appended); undefined when no provider was called.
   */
  sent: ChatRequest | undefined
  /** The answer as the client received it (a tool loop's turns assembled); undefined when the call failed, or stopped short. */
  message: AssembledMessage | undefined
  /** What the providers billed, summed over the provider calls (zero when a middleware answered alone). */
  usage: Usage
  /** Provider calls made for this client call (a tool loop makes several, a cache answer none). */
  calls: number
  /** The decision the client's answer carried (a middleware's own for its answers), else the last call's. */
  decision: RouteDecision | undefined
  session: SessionIdentity
  workspace: WorkspaceIdentity | undefined
  stream: boolean
  outcome: 'success' | 'error' | 'aborted'
  error?: LynkrError
  log: Logger
}
export interface FallbackEvent { from: RouteDecision, to: RouteDecision, outcome: UpstreamOutcome, requestId: string }
export interface RouteEvent { decision: RouteDecision, sticky: boolean, factors?: Record<string, number> }
export type BreakerState = 'closed' | 'open' | 'half_open'
export interface BreakerEvent { provider: string, state: BreakerState, previous: BreakerState }
export interface ShedEvent { reason: string, value?: number }
/** A response cache looked a client request up: `hit` answered it without a provider, `miss` did not, `stored` kept its answer. */
export interface ResponseCacheEvent { cache: 'exact' | 'semantic', outcome: 'hit' | 'miss' | 'stored', provider: string, model: string }

/** The gateway's observable moments. Core owns the vocabulary; plugins emit and subscribe. */
export interface LynkrEventMap {
  'upstream-attempt': UpstreamAttemptEvent
  'call-completed': CallCompletedEvent
  'step-completed': StepCompletedEvent
  'turn-completed': TurnCompletedEvent
  'route-decided': RouteEvent
  'fallback': FallbackEvent
  'breaker-changed': BreakerEvent
  'request-shed': ShedEvent
  'response-cache': ResponseCacheEvent
}

/** A listener may be async (observers writing to a store): its rejection is reported like a throw. */
type Listener<T> = (event: T) => unknown

/**
 * A small synchronous event hub on `lynkr.events` (metrics, the usage ledger and the router listen). A
 * listener that throws is logged and never breaks the request that emitted the event.
 */
export class LynkrEvents {
  private readonly listeners = new Map<keyof LynkrEventMap, Array<Listener<any>>>()
  private readonly onListenerError: (error: unknown, name: string) => void

  constructor (onListenerError: (error: unknown, name: string) => void = () => {}) {
    this.onListenerError = onListenerError
  }

  on<K extends keyof LynkrEventMap> (name: K, listener: Listener<LynkrEventMap[K]>): () => void {
    const list = this.listeners.get(name) ?? []
    list.push(listener)
    this.listeners.set(name, list)
    return () => {
      const current = this.listeners.get(name) ?? []
      this.listeners.set(name, current.filter((l) => l !== listener))
    }
  }

  emit<K extends keyof LynkrEventMap> (name: K, event: LynkrEventMap[K]): void {
    const list = this.listeners.get(name)
    if (list === undefined) return
    for (const listener of list) {
      try {
        const result = listener(event)
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, (error: unknown) => { this.onListenerError(error, name) })
      } catch (error) { this.onListenerError(error, name) }
    }
  }

  has (name: keyof LynkrEventMap): boolean { return (this.listeners.get(name)?.length ?? 0) > 0 }
}

/** Classifies a failed attempt for metrics, breakers and fallback. */
export function outcomeOf (error: LynkrError, midStream = false): UpstreamOutcome {
  if (error.origin === 'gateway') return 'gateway_error'
  if (error.code === 'LYNKR_CIRCUIT_OPEN') return 'circuit_open'
  if (error.kind === 'timeout' || error.code === 'LYNKR_UPSTREAM_TIMEOUT') return 'timeout'
  if (error.code === 'LYNKR_UPSTREAM_UNREACHABLE') return midStream ? 'stream_error' : 'connection_error'
  if (midStream) return 'stream_error'
  if (error.status === 429 || error.kind === 'rate_limit') return 'rate_limited'
  if (error.status >= 500) return 'server_error'
  return 'client_error'
}
