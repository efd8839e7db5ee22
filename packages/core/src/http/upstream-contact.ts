/**
 * Which attempts reached an upstream, keyed by the attempt's signal (every adapter hands its context's
 * signal to the UpstreamClient). Tells a translator's exception (nothing sent: the client's request could not
 * be translated) from a failure after an answer came, without each adapter having to say which it was.
 */
const contacted = new WeakSet<AbortSignal>()

export function markUpstreamContacted (signal: AbortSignal | undefined): void {
  if (signal !== undefined) contacted.add(signal)
}

export function upstreamContacted (signal: AbortSignal): boolean {
  return contacted.has(signal)
}
