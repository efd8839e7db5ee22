import type { ChatRequest, Logger, ModelCapabilities, ProviderAdapter, RouteDecision, SessionIdentity, StepContext, StepReport, WorkspaceIdentity } from '@lynkr/protocol'
import type { Capabilities } from './capabilities.ts'
import type { Sessions } from './identity.ts'
import { workspaceOf } from './identity.ts'

/** What the pipeline made of the request for one provider/model, and what each step changed. */
/** The pipeline's request for one provider/model; `steps` is complete once `reported` (if any) settled: counted off the request's path. */
export interface PreparedRequest { request: ChatRequest, steps: StepReport[], reported?: Promise<void> }

export interface TurnInput {
  request: ChatRequest
  headers: Record<string, string | string[] | undefined>
  continues: string | undefined
  purpose: string
}

/**
 * One chat call's conversation facts, worked out on first use: a call no step or observer asks about
 * never hashes its prompt or scans it for a working directory.
 */
export class Turn {
  readonly purpose: string
  /** Pipeline results by provider/model (a fallback gets its own). */
  readonly prepared = new Map<string, Promise<PreparedRequest>>()
  private readonly input: TurnInput
  private readonly sessions: Sessions
  private sessionValue: SessionIdentity | undefined
  private workspaceValue: WorkspaceIdentity | null | undefined

  constructor (input: TurnInput, sessions: Sessions) {
    this.input = input
    this.sessions = sessions
    this.purpose = input.purpose
  }

  /** The request as the client sent it, before any step. */
  get request (): ChatRequest { return this.input.request }

  get session (): SessionIdentity {
    this.sessionValue ??= this.sessions.of(this.input.request, this.input.headers, this.input.continues)
    return this.sessionValue
  }

  get workspace (): WorkspaceIdentity | undefined {
    if (this.workspaceValue === undefined) this.workspaceValue = workspaceOf(this.input.request, this.input.headers) ?? null
    return this.workspaceValue ?? undefined
  }
}

/** The context one step run gets; the capabilities, session and workspace are looked up when first read. */
export class LazyStepContext implements StepContext {
  readonly decision: RouteDecision
  readonly requestId: string
  readonly log: Logger
  readonly #scope: { readonly signal: AbortSignal }
  readonly #turn: Turn
  readonly #adapter: ProviderAdapter
  readonly #capabilities: Capabilities
  #resolved: ModelCapabilities | undefined

  constructor (turn: Turn, decision: RouteDecision, adapter: ProviderAdapter, capabilities: Capabilities, call: { requestId: string, log: Logger, scope: { readonly signal: AbortSignal } }) {
    this.#turn = turn
    this.decision = decision
    this.#adapter = adapter
    this.#capabilities = capabilities
    this.requestId = call.requestId
    this.log = call.log
    this.#scope = call.scope
  }

  /** Made on first use (an AbortController per call otherwise). */
  get signal (): AbortSignal { return this.#scope.signal }

  get capabilities (): ModelCapabilities {
    this.#resolved ??= this.#capabilities.of(this.#adapter, this.decision.model)
    return this.#resolved
  }

  get session (): SessionIdentity { return this.#turn.session }
  get workspace (): WorkspaceIdentity | undefined { return this.#turn.workspace }
  get purpose (): string { return this.#turn.purpose }
  get clientRequest (): ChatRequest { return this.#turn.request }
}
