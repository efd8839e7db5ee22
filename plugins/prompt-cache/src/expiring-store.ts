/**
 * Entries that expire after a TTL, at most `maxEntries` of them: a Map in use order (a hit moves an entry to
 * the end), so the least recently used goes first when it is full. Everything stays in this process's memory.
 */
export class ExpiringStore<V> {
  private readonly entries = new Map<string, { value: V, expires: number }>()
  private readonly maxEntries: number
  private readonly ttlMs: number
  private readonly now: () => number

  constructor (options: { maxEntries: number, ttlMs: number, now?: () => number }) {
    this.maxEntries = options.maxEntries
    this.ttlMs = options.ttlMs
    this.now = options.now ?? Date.now
  }

  get size (): number { return this.entries.size }

  get (key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    this.entries.delete(key)
    if (entry.expires <= this.now()) return undefined
    this.entries.set(key, entry)
    return entry.value
  }

  set (key: string, value: V): void {
    if (this.maxEntries <= 0) return
    this.entries.delete(key)
    this.entries.set(key, { value, expires: this.now() + this.ttlMs })
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
  }

  /** Live entries (expired ones are dropped on the way). */
  * values (): Generator<V> {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (entry.expires <= now) this.entries.delete(key)
      else yield entry.value
    }
  }
}
