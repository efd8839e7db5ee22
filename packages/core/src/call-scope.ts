import { LynkrError, isLynkrError } from '@lynkr/protocol'

/** The reason a call stops when its client goes away: not an upstream failure, logged below error level. */
export function clientClosedError (): LynkrError {
  return new LynkrError('api_error', 'The client closed the connection before the answer was complete', { status: 499, retryable: false, code: 'LYNKR_CLIENT_CLOSED' })
}

export function isClientClosed (reason: unknown): boolean {
  return isLynkrError(reason) && reason.code === 'LYNKR_CLIENT_CLOSED'
}

/**
 * The abort state of one chat call: the client leaving or the gateway shutting down ends it. Each upstream
 * attempt gets one AbortController that follows the call and can also be aborted alone (policy timeouts);
 * the call-level signal exists only once something asks for it. Four linked controllers per request
 * (client, lifetime, policy, link) were about 8 % of the gateway's CPU under load (profiled).
 */
export class CallScope {
  private abortReason: unknown = undefined
  private isAborted = false
  // Attempt controllers still running, plus the lazy call-level one; usually a single entry.
  private readonly controllers: AbortController[] = []
  private callController: AbortController | undefined

  get aborted (): boolean { return this.isAborted }
  get reason (): unknown { return this.abortReason }
  /** The client went away (as opposed to a timeout or shutdown, which end the call with an error the client sees). */
  get clientClosed (): boolean { return this.isAborted && isClientClosed(this.abortReason) }

  /** A signal that aborts with the call (for waits that are not attempts, such as retry back-off). */
  get signal (): AbortSignal {
    if (this.callController === undefined) this.callController = this.follow()
    return this.callController.signal
  }

  abort (reason: unknown): void {
    if (this.isAborted) return
    this.isAborted = true
    this.abortReason = reason
    for (const controller of this.controllers.splice(0)) controller.abort(reason)
  }

  /** A controller that aborts with the call; `release` it when the attempt is over. */
  follow (): AbortController {
    const controller = new AbortController()
    if (this.isAborted) controller.abort(this.abortReason)
    else this.controllers.push(controller)
    return controller
  }

  release (controller: AbortController): void {
    const at = this.controllers.indexOf(controller)
    if (at !== -1) this.controllers.splice(at, 1)
  }
}
