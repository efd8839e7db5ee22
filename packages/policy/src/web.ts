import ipaddr from 'ipaddr.js'
import { PolicyError } from './policy-error.ts'

export interface WebPolicyOptions {
  /** POLICY_WEB_FETCH_ALLOWED_HOSTS: when not empty, only these hosts (`example.com`, `*.example.com`). */
  allowedHosts?: string[]
  /** POLICY_WEB_FETCH_BLOCKED_HOSTS: never these hosts. */
  blockedHosts?: string[]
  /**
   * POLICY_WEB_FETCH_ALLOW_LOOPBACK — dangerous, for tests and local development: loopback addresses become
   * reachable, but only for hosts named exactly (no wildcard) in the allowed hosts. Other private ranges never.
   */
  allowLoopback?: boolean
}

const SSRF = 'the SSRF guard'

function normalizeHost (host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
}

function hostMatches (host: string, rule: string): boolean {
  const pattern = normalizeHost(rule)
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1))
  if (pattern.startsWith('.')) return host === pattern.slice(1) || host.endsWith(pattern)
  return host === pattern
}

/** The kind of address, by ipaddr.js's ranges; IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 it carries. */
export function addressRange (address: string): string {
  let parsed = ipaddr.parse(normalizeHost(address))
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range()
}

/**
 * Host allow/deny lists and the SSRF guard for addresses. Only public unicast addresses pass: loopback,
 * private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud metadata address,
 * fe80::/10), CGNAT (100.64/10), unspecified, multicast, broadcast, reserved and the IPv6 forms that carry
 * an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused.
 */
export class WebPolicy {
  private readonly allowed: string[]
  private readonly blocked: string[]
  private readonly loopbackHosts: Set<string>

  constructor (options: WebPolicyOptions = {}) {
    this.allowed = (options.allowedHosts ?? []).map(normalizeHost).filter((host) => host !== '')
    this.blocked = (options.blockedHosts ?? []).map(normalizeHost).filter((host) => host !== '')
    this.loopbackHosts = new Set(options.allowLoopback === true ? this.allowed.filter((host) => !host.startsWith('*') && !host.startsWith('.')) : [])
  }

  /** The URL a fetch may go to (http or https, a permitted host), or a PolicyError. */
  checkUrl (text: string): URL {
    let url: URL
    try { url = new URL(text) } catch { throw new PolicyError('web_fetch', `"${text}" is not a URL`) }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PolicyError('web_fetch', `only http and https URLs are fetched, not ${url.protocol}`)
    if (url.username !== '' || url.password !== '') throw new PolicyError('web_fetch', 'URLs with credentials are not fetched')
    const host = normalizeHost(url.hostname)
    const blocked = this.blocked.find((rule) => hostMatches(host, rule))
    if (blocked !== undefined) throw new PolicyError('POLICY_WEB_FETCH_BLOCKED_HOSTS', `${host} is blocked (${blocked})`)
    if (this.allowed.length > 0 && !this.allowed.some((rule) => hostMatches(host, rule))) throw new PolicyError('POLICY_WEB_FETCH_ALLOWED_HOSTS', `${host} is not an allowed host`)
    // An address written as the host (http://169.254.169.254/, http://[::1]/) is checked without DNS.
    if (ipaddr.isValid(host)) this.checkAddress(host, host)
    return url
  }

  /** An address `host` resolved to: refused unless public unicast (or loopback for an exactly allowed host under the test override). */
  checkAddress (address: string, host: string): void {
    let range: string
    try { range = addressRange(address) } catch { throw new PolicyError(SSRF, `${host} resolved to an invalid address ${address}`) }
    if (range === 'unicast') return
    if (range === 'loopback' && this.loopbackHosts.has(normalizeHost(host))) return
    throw new PolicyError(SSRF, `${host} resolves to ${address}, a ${describe(range)} address`)
  }
}

function describe (range: string): string {
  switch (range) {
    case 'linkLocal': return 'link-local (cloud metadata)'
    case 'carrierGradeNat': return 'carrier-grade NAT'
    case 'uniqueLocal': return 'private (unique local)'
    case 'ipv4Mapped':
    case 'rfc6052':
    case 'rfc6145':
    case '6to4':
    case 'teredo': return `IPv4-carrying IPv6 (${range})`
    default: return range
  }
}
