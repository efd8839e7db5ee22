import type { ProviderAdapter } from '@lynkr/protocol'
import { withLearnedLimits } from './limits/learned-limits.ts'
import { withServerToolNotice } from './server-tool-notice.ts'
import { withSignatureOrigin } from './signature-origin.ts'

export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>()

  register (adapter: ProviderAdapter): void {
    if (adapter.specificationVersion !== 'v1') throw new Error(`Provider ${adapter.id} implements an unknown adapter version`)
    if (this.adapters.has(adapter.id)) throw new Error(`Provider "${adapter.id}" is already registered`)
    // Every upstream may refuse a max_tokens above a cap no table knows; the refusal names it (learned-limits.ts).
    // Server tools it cannot serve are removed with a notice, not silently (server-tool-notice.ts).
    // Thinking signatures reach only the family that issued them (signature-origin.ts).
    this.adapters.set(adapter.id, withLearnedLimits(withServerToolNotice(withSignatureOrigin(adapter))))
  }

  get (id: string): ProviderAdapter | undefined { return this.adapters.get(id) }
  has (id: string): boolean { return this.adapters.has(id) }
  list (): ProviderAdapter[] { return [...this.adapters.values()] }
}
