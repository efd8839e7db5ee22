import type { MessageEvent } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import type { ChatCall, MessageOutcome, StreamOutcome } from './chat.ts'

export type StreamNext = (call: ChatCall) => Promise<StreamOutcome>
export type CompleteNext = (call: ChatCall) => Promise<MessageOutcome>

/**
 * Wraps the chat service for both front doors (the vercel/ai `wrapLanguageModel` idea). `next` runs the rest
 * of the chain and then routing → pipeline → call policy → adapter; a middleware may change the call, answer
 * without calling `next` (a cache hit: build the events with `replayMessage`), or call it several times (a
 * server-side tool loop). The events it returns are what the front door encodes in the client's dialect, so
 * they must keep the strict order (one message_start, growing block indices, message_delta, message_stop).
 * A hook it leaves out passes the call on unchanged.
 */
export interface ChatMiddleware {
  name: string
  /** Lower runs further out (sees the client's call first); equal orders keep registration order. Default 0. */
  order?: number
  stream?: (call: ChatCall, next: StreamNext) => Promise<StreamOutcome>
  complete?: (call: ChatCall, next: CompleteNext) => Promise<MessageOutcome>
  /**
   * The call as this middleware would hand it to `next` first (tools it adds, history it restores), for
   * `count_tokens`: it must not call a model nor decide anything new for the session. Left out: unchanged.
   */
  forCount?: (call: ChatCall) => ChatCall
}

export interface MiddlewareChain { stream: StreamNext, complete: CompleteNext }

/** The service's own entry points, and how a call is held in flight for as long as the chain works on it. */
export interface ChainBase extends MiddlewareChain { hold?: (call: ChatCall) => () => void }

/** The middleware in run order, outermost first. */
export function orderMiddleware (list: readonly ChatMiddleware[]): ChatMiddleware[] {
  return list.map((middleware, at) => ({ middleware, at }))
    .sort((a, b) => (a.middleware.order ?? 0) - (b.middleware.order ?? 0) || a.at - b.at)
    .map(({ middleware }) => middleware)
}

/** The call as the chain would pass it to the service on its first `next`, each middleware's `forCount` in run order. */
export function callForCount (list: readonly ChatMiddleware[], call: ChatCall): ChatCall {
  let counted = call
  for (const middleware of orderMiddleware(list)) if (middleware.forCount !== undefined) counted = middleware.forCount(counted)
  return counted
}

/**
 * Composes the middleware around the service's own entry points. A streamed answer from the chain is guarded:
 * a middleware that throws after the first byte ends the stream with an in-stream error event, not a cut
 * connection.
 */
export function composeMiddleware (list: readonly ChatMiddleware[], base: ChainBase): MiddlewareChain {
  let stream = base.stream
  let complete = base.complete
  for (const middleware of orderMiddleware(list).reverse()) {
    const wrapStream = middleware.stream
    if (wrapStream !== undefined) {
      const inner = stream
      stream = async (call) => await wrapStream(call, inner)
    }
    const wrapComplete = middleware.complete
    if (wrapComplete !== undefined) {
      const inner = complete
      complete = async (call) => await wrapComplete(call, inner)
    }
  }
  const chained = stream
  const chainedComplete = complete
  const hold = base.hold ?? (() => () => {})
  return {
    stream: async (call) => {
      const release = hold(call)
      try {
        const outcome = await chained(call)
        return { decision: outcome.decision, events: guardEvents(outcome.events, call, release) }
      } catch (error) {
        release()
        throw error
      }
    },
    complete: async (call) => {
      const release = hold(call)
      try {
        return await chainedComplete(call)
      } finally {
        release()
      }
    }
  }
}

/** Ends a throwing event source with an `error` event (nothing after it), or quietly when the client left. */
async function * guardEvents (events: AsyncIterable<MessageEvent>, call: ChatCall, release: () => void): AsyncGenerator<MessageEvent> {
  try {
    yield * events
  } catch (error) {
    if (call.scope.clientClosed) return
    const failure = error instanceof LynkrError
      ? error
      : new LynkrError('api_error', `A chat middleware failed: ${(error as Error)?.message ?? String(error)}`, { status: 500, cause: error, code: 'LYNKR_MIDDLEWARE_FAILED' })
    call.context.log.error({ err: error }, 'chat middleware failed mid-stream')
    yield { type: 'error', error: failure }
  } finally {
    release()
  }
}
