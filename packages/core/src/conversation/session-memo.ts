/**
 * Per-session state for steps that must decide once and repeat the decision (memoised rewrites keep provider
 * prompt caches warm). Bounded: the least recently used session is forgotten first, so a gateway that runs
 * for months holds at most `maxSessions` of them.
 */
export class SessionMemo<T> {
  private readonly states = new Map<string, T>()
  private readonly maxSessions: number
  private readonly create: (session: string) => T

  constructor (create: (session: string) => T, maxSessions = 1000) {
    this.create = create
    this.maxSessions = maxSessions
  }

  /** The session's state, created on first use; marks it most recently used. */
  of (session: string): T {
    let state = this.states.get(session)
    if (state === undefined) {
      state = this.create(session)
      if (this.states.size >= this.maxSessions) this.states.delete(this.states.keys().next().value!)
    } else {
      this.states.delete(session)
    }
    this.states.set(session, state)
    return state
  }

  get size (): number { return this.states.size }
}
