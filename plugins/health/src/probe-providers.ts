import type { ProviderAdapter } from '@lynkr/protocol'

export interface ProbeResult { provider: string, ok: boolean, detail: string, latencyMs?: number, checkedAt: string }

/** Probes one provider with a deadline; never throws. */
export async function probeProvider (adapter: ProviderAdapter, timeoutMs: number): Promise<ProbeResult> {
  const checkedAt = new Date().toISOString()
  if (adapter.checkHealth === undefined) return { provider: adapter.id, ok: true, detail: 'no health check for this provider', checkedAt }
  // A timer of our own (AbortSignal.timeout is unreferenced, so an awaited probe could outlive it).
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error('probe deadline')), timeoutMs)
  const signal = controller.signal
  try {
    const status = await adapter.checkHealth({ signal })
    return { provider: adapter.id, ...status, checkedAt }
  } catch (error) {
    const detail = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message
    return { provider: adapter.id, ok: false, detail, checkedAt }
  } finally {
    clearTimeout(timer)
  }
}
