import { LynkrError } from '@lynkr/protocol'

export interface AccessToken {
  token: string
  /** Epoch milliseconds. */
  expiresAt: number
}

/**
 * After a failed fetch, calls get the same error for a moment instead of asking again (Entra ID throttles
 * clients that retry in a loop, and a refused secret will not fix itself).
 */
const REFUSED_HOLD_MS = 5_000
const FAILED_HOLD_MS = 1_000

/**
 * One Entra ID token per credential and scope, shared by every call: fetched on first use, refreshed in the
 * background once most of its life is gone (5 minutes before expiry for real tokens, half-way for short-lived
 * ones) while the old one keeps serving, and awaited only when it is about to expire. Concurrent callers share
 * one fetch.
 */
export class TokenCache {
  private current: { token: string, refreshAt: number, staleAt: number } | undefined
  private pending: Promise<string> | undefined
  private failure: { error: unknown, until: number } | undefined
  private readonly fetchToken: () => Promise<AccessToken>

  constructor (fetchToken: () => Promise<AccessToken>) {
    this.fetchToken = fetchToken
  }

  async token (): Promise<string> {
    const now = Date.now()
    const current = this.current
    if (current !== undefined && now < current.refreshAt) return current.token
    const failure = this.failure !== undefined && now < this.failure.until ? this.failure : undefined
    if (current !== undefined && now < current.staleAt) {
      if (failure === undefined) this.refresh().catch(() => {}) // a failure shows once the token is about to expire
      return current.token
    }
    if (failure !== undefined) throw failure.error
    return await this.refresh()
  }

  private refresh (): Promise<string> {
    this.pending ??= this.fetchToken().then((fresh) => {
      const now = Date.now()
      const life = Math.max(0, fresh.expiresAt - now)
      this.current = { token: fresh.token, refreshAt: fresh.expiresAt - Math.min(300_000, life / 2), staleAt: fresh.expiresAt - Math.min(30_000, life / 10) }
      this.failure = undefined
      return fresh.token
    }, (error: unknown) => {
      const refused = error instanceof LynkrError && error.retryable === false
      this.failure = { error, until: Date.now() + (refused ? REFUSED_HOLD_MS : FAILED_HOLD_MS) }
      throw error
    }).finally(() => { this.pending = undefined })
    return this.pending
  }
}
