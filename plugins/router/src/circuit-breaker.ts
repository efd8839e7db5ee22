import type { BreakerState } from '@lynkr/core'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit (0 disables breakers). */
  failureThreshold: number
  /** How long an open circuit fails fast before one probe request is let through. */
  cooldownMs: number
  now?: () => number
  onChange?: (provider: string, state: BreakerState, previous: BreakerState) => void
}

interface Circuit { state: BreakerState, failures: number, openedAt: number, probing: boolean, opens: number }

export interface BreakerSnapshot { state: BreakerState, consecutiveFailures: number, opens: number, retryInMs?: number }

/**
 * One circuit per provider: closed → (N consecutive failures) → open → (cooldown) → half-open, where a
 * single probe decides: success closes, failure opens again for another cooldown.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>()
  private readonly options: BreakerOptions
  private readonly now: () => number

  constructor (options: BreakerOptions) {
    this.options = options
    this.now = options.now ?? Date.now
  }

  private circuit (provider: string): Circuit {
    let circuit = this.circuits.get(provider)
    if (circuit === undefined) {
      circuit = { state: 'closed', failures: 0, openedAt: 0, probing: false, opens: 0 }
      this.circuits.set(provider, circuit)
    }
    return circuit
  }

  private move (provider: string, circuit: Circuit, state: BreakerState): void {
    const previous = circuit.state
    if (previous === state) return
    circuit.state = state
    this.options.onChange?.(provider, state, previous)
  }

  get enabled (): boolean { return this.options.failureThreshold > 0 }

  /**
   * Whether a request may go to the provider now. In half-open state only one probe is admitted; the
   * caller must report its result with `success`/`failure` (or `release` when it proved nothing).
   */
  acquire (provider: string): { allowed: true, probe: boolean } | { allowed: false, retryInMs: number } {
    if (!this.enabled) return { allowed: true, probe: false }
    const circuit = this.circuit(provider)
    if (circuit.state === 'open') {
      const waited = this.now() - circuit.openedAt
      if (waited < this.options.cooldownMs) return { allowed: false, retryInMs: this.options.cooldownMs - waited }
      this.move(provider, circuit, 'half_open')
    }
    if (circuit.state === 'half_open') {
      if (circuit.probing) return { allowed: false, retryInMs: Math.max(1, Math.round(this.options.cooldownMs / 10)) }
      circuit.probing = true
      return { allowed: true, probe: true }
    }
    return { allowed: true, probe: false }
  }

  success (provider: string): void {
    if (!this.enabled) return
    const circuit = this.circuit(provider)
    circuit.failures = 0
    circuit.probing = false
    this.move(provider, circuit, 'closed')
  }

  failure (provider: string): void {
    if (!this.enabled) return
    const circuit = this.circuit(provider)
    circuit.failures++
    const wasProbe = circuit.state === 'half_open'
    circuit.probing = false
    if (wasProbe || (circuit.state === 'closed' && circuit.failures >= this.options.failureThreshold)) {
      circuit.openedAt = this.now()
      circuit.opens++
      this.move(provider, circuit, 'open')
    }
  }

  /** A probe that ended without saying anything about the provider (client went away, 4xx). */
  release (provider: string): void {
    const circuit = this.circuits.get(provider)
    if (circuit !== undefined) circuit.probing = false
  }

  state (provider: string): BreakerState { return this.circuits.get(provider)?.state ?? 'closed' }

  snapshot (providers: string[]): Record<string, BreakerSnapshot> {
    const out: Record<string, BreakerSnapshot> = {}
    for (const provider of new Set([...providers, ...this.circuits.keys()])) {
      const circuit = this.circuits.get(provider)
      if (circuit === undefined) { out[provider] = { state: 'closed', consecutiveFailures: 0, opens: 0 }; continue }
      const snapshot: BreakerSnapshot = { state: circuit.state, consecutiveFailures: circuit.failures, opens: circuit.opens }
      if (circuit.state === 'open') snapshot.retryInMs = Math.max(0, this.options.cooldownMs - (this.now() - circuit.openedAt))
      out[provider] = snapshot
    }
    return out
  }
}
