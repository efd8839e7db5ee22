export interface BackoffOptions {
  /** First delay; doubles per attempt. */
  baseMs: number
  /** Longest wait we accept, Retry-After included; beyond it the error goes back to the client. */
  maxDelayMs: number
  random?: () => number
}

/**
 * The wait before retry number `attempt` (0-based): the upstream's Retry-After when it sent one, else
 * exponential backoff with "equal jitter" (half fixed, half random) so clients that failed together do not
 * retry together. Null when the wait would exceed `maxDelayMs`.
 */
export function retryDelay (attempt: number, retryAfterSeconds: number | undefined, options: BackoffOptions): number | null {
  if (retryAfterSeconds !== undefined) {
    const wait = Math.ceil(retryAfterSeconds * 1000)
    return wait > options.maxDelayMs ? null : wait
  }
  const random = options.random ?? Math.random
  const ceiling = Math.min(options.maxDelayMs, options.baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}
