import { lookup as dnsLookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import { Agent, buildConnector, fetch } from 'undici'
import type { WebPolicy } from '@lynkr/policy'
import { PolicyError } from '@lynkr/policy'

export type Resolve = (hostname: string) => Promise<string[]>

export interface GuardedFetchOptions {
  policy: WebPolicy
  timeoutMs: number
  maxBytes: number
  signal?: AbortSignal
  /** DNS, replaceable in tests (default: the system resolver, all addresses). */
  resolve?: Resolve
  maxRedirects?: number
}

export interface FetchedPage { url: string, status: number, contentType: string, body: Buffer, truncated: boolean, redirects: string[] }

const systemResolve: Resolve = (hostname) => new Promise((resolve, reject) => {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => { if (error !== null) reject(error); else resolve(addresses.map((entry) => entry.address)) })
})

/**
 * The connection's own name lookup: every address the name resolves to must pass the SSRF guard (one bad
 * address refuses the host: a rebinding name alternates), and the socket connects to exactly the address
 * checked here — nothing resolves the name again between check and connect.
 */
function checkedLookup (policy: WebPolicy, resolve: Resolve) {
  return (hostname: string, options: LookupOptions, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname).then((addresses) => {
      if (addresses.length === 0) throw new Error(`${hostname} did not resolve`)
      for (const address of addresses) policy.checkAddress(address, hostname)
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter((address) => isIP(address) === options.family) : addresses
      if (wanted.length === 0) throw new Error(`${hostname} has no IPv${String(options.family)} address`)
      if (options.all === true) callback(null, wanted.map((address) => ({ address, family: isIP(address) })))
      else callback(null, wanted[0]!, isIP(wanted[0]!))
    }).catch((error: Error) => { callback(error, '') })
  }
}

/** An undici dispatcher whose every connection passes the guard, including addresses given as the host (no lookup runs for those). */
export function guardedAgent (policy: WebPolicy, resolve: Resolve = systemResolve): Agent {
  const connector = buildConnector({ lookup: checkedLookup(policy, resolve) as never })
  return new Agent({
    connect: (options, callback) => {
      const host = options.hostname.replace(/^\[|\]$/g, '')
      if (isIP(host) !== 0) {
        try { policy.checkAddress(host, host) } catch (error) { callback(error as Error, null); return }
      }
      connector(options, callback)
    }
  })
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * GET a URL under the web policy: the URL and every redirect target checked (scheme, hosts, literal
 * addresses), each connection through the guarded agent, redirects followed by hand (at most
 * `maxRedirects`), the body cut at `maxBytes`, the whole fetch bounded by `timeoutMs`.
 */
export async function guardedFetch (target: string, options: GuardedFetchOptions): Promise<FetchedPage> {
  const agent = guardedAgent(options.policy, options.resolve)
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal === undefined ? [] : [options.signal])]
  const signal = AbortSignal.any(signals)
  const redirects: string[] = []
  try {
    let url = options.policy.checkUrl(target)
    for (;;) {
      let response
      try {
        response = await fetch(url, { dispatcher: agent, redirect: 'manual', signal, headers: { 'user-agent': 'lynkr-web-fetch', accept: 'text/html,text/plain,application/json,*/*;q=0.5' } })
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause
        if (cause instanceof PolicyError) throw cause
        if (signal.aborted) throw new Error(options.signal?.aborted === true ? 'the request was cancelled' : `no answer within ${options.timeoutMs} ms`)
        throw new Error(`fetching ${url.href} failed: ${(cause as Error)?.message ?? (error as Error).message}`)
      }
      const location = response.headers.get('location')
      if (REDIRECTS.has(response.status) && location !== null) {
        await response.body?.cancel()
        if (redirects.length >= (options.maxRedirects ?? 5)) throw new Error(`more than ${options.maxRedirects ?? 5} redirects`)
        const next = new URL(location, url).href
        redirects.push(next)
        url = options.policy.checkUrl(next)
        continue
      }
      const { body, truncated } = await readCapped(response.body, options.maxBytes)
      return { url: url.href, status: response.status, contentType: response.headers.get('content-type') ?? '', body, truncated, redirects }
    }
  } finally {
    void agent.close()
  }
}

async function readCapped (stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<{ body: Buffer, truncated: boolean }> {
  if (stream === null) return { body: Buffer.alloc(0), truncated: false }
  const chunks: Buffer[] = []
  let size = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { body: Buffer.concat(chunks), truncated: false }
    chunks.push(Buffer.from(value))
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      return { body: Buffer.concat(chunks).subarray(0, maxBytes), truncated: true }
    }
  }
}
