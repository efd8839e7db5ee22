/** What a session was last routed to. */
export interface SessionRoute { tier: string, provider: string, model: string }

/**
 * Remembers each session's provider per tier so a session keeps its provider (and that provider's warm
 * prompt cache) while its tier is unchanged. Bounded: least recently used sessions go first, entries
 * expire after `ttlMs` of inactivity.
 */
export class SessionStore {
  private readonly entries = new Map<string, SessionRoute & { at: number }>()
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly now: () => number

  constructor (options: { ttlMs: number, maxEntries?: number, now?: () => number }) {
    this.ttlMs = options.ttlMs
    this.maxEntries = options.maxEntries ?? 10_000
    this.now = options.now ?? Date.now
  }

  get (session: string): SessionRoute | undefined {
    const entry = this.entries.get(session)
    if (entry === undefined) return undefined
    if (this.now() - entry.at > this.ttlMs) {
      this.entries.delete(session)
      return undefined
    }
    // Refresh recency (Map iteration order is insertion order).
    this.entries.delete(session)
    entry.at = this.now()
    this.entries.set(session, entry)
    return { tier: entry.tier, provider: entry.provider, model: entry.model }
  }

  set (session: string, route: SessionRoute): void {
    this.entries.delete(session)
    this.entries.set(session, { ...route, at: this.now() })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest === undefined) break
      this.entries.delete(oldest)
    }
  }

  get size (): number { return this.entries.size }
}
