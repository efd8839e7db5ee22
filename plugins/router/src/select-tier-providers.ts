import { LynkrConfigError, splitProviderModel } from '@lynkr/core'
import type { KnownProviders, ProviderSelection } from '@lynkr/protocol'

export const TIER_VARIABLES = ['TIER_SIMPLE', 'TIER_MEDIUM', 'TIER_COMPLEX', 'TIER_REASONING'] as const

function value (env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

/** FALLBACK_ENABLED: true unless set to false/0/no/off. */
export function parseFallbackEnabled (env: Record<string, string | undefined>): boolean {
  const text = value(env, 'FALLBACK_ENABLED')?.toLowerCase()
  if (text === undefined || ['true', '1', 'yes', 'on'].includes(text)) return true
  if (['false', '0', 'no', 'off'].includes(text)) return false
  throw new LynkrConfigError(`FALLBACK_ENABLED="${text}" must be true or false`, 'FALLBACK_ENABLED')
}

/** FALLBACK_PROVIDER as provider (or provider:model); defaults to databricks. */
export function parseFallbackProvider (env: Record<string, string | undefined>): { provider: string, model?: string } {
  const text = value(env, 'FALLBACK_PROVIDER') ?? 'databricks'
  const colon = text.indexOf(':')
  if (colon <= 0) return { provider: text.toLowerCase() }
  const model = text.slice(colon + 1)
  return { provider: text.slice(0, colon).toLowerCase(), model: model === '' ? undefined : model }
}

/**
 * The providers tier routing needs (the router manifest's `selectProviders`): every TIER_* provider when all
 * four are set, and the fallback (a cloud provider) unless FALLBACK_ENABLED=false; then MODEL_PROVIDER is never
 * routed to (`routesEveryRequest`). Static routing ignores the fallback settings (a set FALLBACK_PROVIDER gets a
 * note); one to three tiers leave tier routing off, with a note.
 */
export function selectTierProviders (env: Record<string, string | undefined>, known: KnownProviders): ProviderSelection {
  const tiers = TIER_VARIABLES.map((name) => [name, value(env, name)] as const)
  const selected: ProviderSelection['providers'] = []
  for (const [name, tier] of tiers) {
    if (tier === undefined) continue
    const split = splitProviderModel(tier)
    if (split === null) {
      throw new LynkrConfigError(`${name}="${tier}" must be provider:model (for example ollama:qwen2.5-coder:7b); valid providers: ${known.all.join(', ')}`, name)
    }
    const provider = split.provider.toLowerCase()
    if (!known.all.includes(provider)) throw new LynkrConfigError(`${name}="${provider}" is not a provider lynkr knows; valid values: ${known.all.join(', ')}`, name)
    selected.push({ provider, reason: `${name}=${tier}`, variable: name })
  }
  const missing = tiers.filter(([, tier]) => tier === undefined).map(([name]) => name)
  if (missing.length > 0) {
    const notes = missing.length === TIER_VARIABLES.length ? [] : [`tier routing is off: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (all four TIER_* variables are needed)`]
    const fallback = value(env, 'FALLBACK_PROVIDER')
    const fallbackOff = ['false', '0', 'no', 'off'].includes(value(env, 'FALLBACK_ENABLED')?.toLowerCase() ?? '')
    if (fallback !== undefined && !fallbackOff) notes.push(`FALLBACK_PROVIDER=${fallback} is not used: the fallback serves tier routing only (all four TIER_* variables), so it enables nothing`)
    return { providers: [], notes }
  }
  const routesEveryRequest = 'tier routing (all four TIER_* are set) routes every request'
  if (!parseFallbackEnabled(env)) return { providers: selected, routesEveryRequest }
  const { provider } = parseFallbackProvider(env)
  const cloud = known.all.filter((id) => !known.isLocal(id))
  if (known.isLocal(provider)) {
    throw new LynkrConfigError(`FALLBACK_PROVIDER="${provider}" is a local provider; the fallback must be a cloud provider that can take over when a tier fails (${cloud.join(', ')}), or set FALLBACK_ENABLED=false`, 'FALLBACK_PROVIDER')
  }
  if (!known.all.includes(provider)) {
    throw new LynkrConfigError(`FALLBACK_PROVIDER="${provider}" is not a provider lynkr knows (tier routing falls back to it); valid values: ${cloud.join(', ')}, or set FALLBACK_ENABLED=false`, 'FALLBACK_PROVIDER')
  }
  const chosen = value(env, 'FALLBACK_PROVIDER') !== undefined
  selected.push({
    provider,
    reason: chosen ? `FALLBACK_PROVIDER=${provider}` : 'the default FALLBACK_PROVIDER=databricks',
    variable: 'FALLBACK_PROVIDER',
    // The default fallback nobody configured does not fail the boot (Lynkr only warned): tier routing runs without one.
    ...chosen ? {} : { ifConfigured: `tier routing has no fallback: the default FALLBACK_PROVIDER=${provider} is not configured (set its credentials, choose another FALLBACK_PROVIDER, or set FALLBACK_ENABLED=false to say so)` },
    // Only the fallback enabled it: say so, rather than "databricks needs DATABRICKS_API_KEY" out of nowhere.
    explainConfigError: (message, variable) => {
      const needs = variable === undefined ? 'is not configured' : `needs ${variable}`
      const fix = variable === undefined ? 'configure it' : `set ${variable}`
      return { message: `tier routing falls back to FALLBACK_PROVIDER=${provider}, which ${needs}: ${fix}, choose another FALLBACK_PROVIDER, or set FALLBACK_ENABLED=false (${message})`, variable: variable ?? 'FALLBACK_PROVIDER' }
    }
  })
  return { providers: selected, routesEveryRequest }
}
