import type { CallContext, ChatRequest, MessageEvent, ProviderAdapter, RouteDecision, UpstreamPart } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import type { Pipeline } from './pipeline.ts'
import type { ProviderRegistry } from './provider-registry.ts'
import type { Routing } from './routing.ts'
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

/** Routing → pipeline → adapter → the stream state machine. Front doors call only these two functions. */
export class ChatService {
  private readonly providers: ProviderRegistry
  private readonly routing: Routing
  private readonly pipeline: Pipeline

  constructor (providers: ProviderRegistry, routing: Routing, pipeline: Pipeline) {
    this.providers = providers
    this.routing = routing
    this.pipeline = pipeline
  }

  private async prepare (call: ChatCall): Promise<{ decision: RouteDecision, adapter: ProviderAdapter, request: ChatRequest }> {
    const decision = this.routing.decide({ request: call.request, headers: call.headers })
    const adapter = this.providers.get(decision.provider)
    if (adapter === undefined) {
      throw new LynkrError('not_found', `Provider "${decision.provider}" is not enabled; enabled providers: ${this.providers.list().map((p) => p.id).join(', ')}`, { code: 'LYNKR_ROUTING_UNKNOWN_PROVIDER' })
    }
    const request = await this.pipeline.run({ ...call.request, model: decision.model }, call.context)
    return { decision, adapter, request }
  }

  /** Resolves once the upstream accepted the call; upstream HTTP errors reject here, before any byte is sent. */
  async stream (call: ChatCall): Promise<StreamOutcome> {
    const { decision, adapter, request } = await this.prepare(call)
    const parts = await adapter.chatStream(request, call.context)
    const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
    return { decision, events: assembleEvents(parts, assembler, call.context.signal) }
  }

  async complete (call: ChatCall): Promise<MessageOutcome> {
    const { decision, adapter, request } = await this.prepare(call)
    const parts = await adapter.chat(request, call.context)
    const assembler = new MessageAssembler({ clientModel: call.request.clientModel, inputTokensEstimate: call.inputTokensEstimate })
    const collector = new MessageCollector()
    const events: MessageEvent[] = []
    for (const part of parts) assembler.push(part, events)
    assembler.end(events)
    for (const event of events) collector.push(event)
    return { decision, message: collector.result() }
  }
}

async function * assembleEvents (parts: AsyncIterable<UpstreamPart>, assembler: MessageAssembler, signal: AbortSignal): AsyncGenerator<MessageEvent> {
  const batch: MessageEvent[] = []
  try {
    for await (const part of parts) {
      assembler.push(part, batch)
      if (batch.length > 0) {
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
    yield * batch
    return
  }
  assembler.end(batch)
  yield * batch
}
