import type { ChatRequest, MessageEvent, RouteDecision, Usage } from '@lynkr/protocol'
import type { LynkrError } from '@lynkr/protocol'
import { emptyUsage, gatewayFault } from '@lynkr/protocol'
import { MessageCollector } from './stream/collect-message.ts'
import type { AssembledMessage } from './stream/collect-message.ts'
import { addUsage } from './tool-loop/continuous-message.ts'

/**
 * What the provider calls of one client call add up to, for its one `turn-completed` event: a middleware may
 * make several (a server-side tool loop) or none (a cache answer). Kept per call scope, which every call a
 * middleware makes for its client shares.
 */
export class TurnRecord {
  /** Provider calls made (each may have had retries or a fallback inside the call policy). */
  calls = 0
  /** Summed over those calls: what the providers billed. */
  readonly usage: Usage = emptyUsage()
  /** The latest call's route decision. */
  decision: RouteDecision | undefined
  /** The latest call's request after the pipeline steps (a tool loop's final turn). */
  private sentRequest: Promise<ChatRequest | undefined> | undefined

  addCall (decision: RouteDecision | undefined, usage: Usage, sent: Promise<ChatRequest | undefined> | undefined): void {
    if (decision === undefined) return
    this.calls++
    addUsage(this.usage, usage)
    this.decision = decision
    this.sentRequest = sent
  }

  async sent (): Promise<ChatRequest | undefined> { return await this.sentRequest }
}

/**
 * Passes a stream through unchanged while collecting the message the client sees; `done` runs once when it
 * ends, with the whole message (undefined when the stream failed or stopped short) and an in-stream error.
 */
export async function * observeEvents (events: AsyncIterable<MessageEvent>, done: (message: AssembledMessage | undefined, error: LynkrError | undefined) => void): AsyncGenerator<MessageEvent> {
  const collector = new MessageCollector()
  let broken = false
  let error: LynkrError | undefined
  let failed = false
  let stopped = false
  try {
    for await (const event of events) {
      if (event.type === 'error') error = event.error
      else if (event.type === 'message_stop') stopped = true
      else if (!broken) {
        try { collector.push(event) } catch { broken = true }
      }
      yield event
    }
  } catch (thrown) {
    failed = true
    error = gatewayFault(thrown, true)
    throw thrown
  } finally {
    let message: AssembledMessage | undefined
    if (stopped && !broken && !failed && error === undefined) {
      try { message = collector.result() } catch { message = undefined }
    }
    done(message, error)
  }
}
