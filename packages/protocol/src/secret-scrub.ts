/**
 * The gateway's configured secrets (provider keys, tokens), scrubbed from upstream error text before it is
 * logged or returned: upstreams quote keys back ("Incorrect API key provided: sk-live-…"). Process-wide, as
 * the secrets are; LynkrError applies it to every message and upstream body it carries.
 */
const secrets = new Set<string>()
let pattern: RegExp | undefined

const CENSOR = '[redacted]'
/** Shorter values would match ordinary words; longer ones are also caught quoted masked (first 8 characters, then `*`). */
const MIN_SECRET = 8
const PREFIX_FROM = 16

function escape (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function registerSecrets (values: Iterable<string | undefined>): void {
  let added = false
  for (const value of values) {
    const secret = value?.trim()
    if (secret === undefined || secret.length < MIN_SECRET || secrets.has(secret)) continue
    secrets.add(secret)
    added = true
  }
  if (!added) return
  const alternatives = [...secrets].sort((a, b) => b.length - a.length)
    // A long key is also caught when quoted masked, as upstreams quote it: its start, then asterisks.
    .flatMap((secret) => secret.length >= PREFIX_FROM ? [escape(secret), `${escape(secret.slice(0, MIN_SECRET))}[^\\s"'<>*]*\\*+[^\\s"'<>]*`] : [escape(secret)])
  pattern = new RegExp(alternatives.join('|'), 'g')
}

export function scrubSecrets (text: string): string {
  if (pattern === undefined) return text
  pattern.lastIndex = 0
  return text.replace(pattern, CENSOR)
}

/** Strings anywhere in a JSON-like value (an upstream error body), copied only where something changed. */
export function scrubSecretsIn<T> (value: T, depth = 0): T {
  if (pattern === undefined) return value
  if (typeof value === 'string') return scrubSecrets(value) as T
  if (value === null || typeof value !== 'object' || depth > 8) return value
  if (Array.isArray(value)) return value.map((item) => scrubSecretsIn(item, depth + 1)) as T
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = scrubSecretsIn(item, depth + 1)
  return out as T
}

/** Environment variables that hold secrets, by name. */
export function secretVariables (env: Record<string, string | undefined>): string[] {
  return Object.entries(env).filter(([name]) => /KEY|TOKEN|SECRET|PASSWORD/i.test(name) && !/_ID$|_FILE$|_PATH$/.test(name)).map(([, value]) => value ?? '')
}
