import type { StepContext } from '@lynkr/protocol'

/**
 * A bounded memo for a step's per-session (or per-content) state: `get` returns what `make` made for the key
 * the first time, and the least recently used entry goes when the memo is full.
 */
export class BoundedMemo<T> {
  private readonly entries = new Map<string, T>()
  private readonly max: number

  constructor (max: number) { this.max = max }

  get (key: string, make: () => T): T {
    const found = this.entries.get(key)
    const value = found === undefined ? make() : found
    this.set(key, value)
    return value
  }

  /** Stores `value` for `key` as the most recently used entry (replacing what was there). */
  set (key: string, value: T): void {
    if (!this.entries.delete(key) && this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, value)
  }

  /** The entry, if there is one, without making it or changing its age (a count must not decide anything). */
  peek (key: string): T | undefined {
    return this.entries.get(key)
  }
}

/** A session on one target: a decision made for a local model need not hold for the cloud fallback. */
export function sessionTargetKey (context: Pick<StepContext, 'session' | 'decision'>): string {
  return `${context.session.id}\u0000${context.decision.provider}\u0000${context.decision.model}`
}
