import type { Catalog, CatalogEntry } from './catalog.ts'
import { LynkrConfigError } from './config-error.ts'
import { splitProviderModel } from './routing.ts'

export const TIER_VARIABLES = ['TIER_SIMPLE', 'TIER_MEDIUM', 'TIER_COMPLEX', 'TIER_REASONING'] as const

export interface Selection {
  /** Catalog ids to load (dependencies are added later, from fastify-plugin metadata). */
  ids: string[]
  defaultProvider: string
  /** Human notes for the boot log. */
  notes: string[]
  /** Whether all four TIER_* variables are set (tier routing is on). */
  tiersActive?: boolean
  /** The provider tier routing falls back to (only with tier routing on and FALLBACK_ENABLED). */
  fallback?: { provider: string, pluginId: string, alsoSelected: boolean }
  /** Why each provider plugin is on (`MODEL_PROVIDER=bedrock`, `AWS_BEDROCK_API_KEY is set`), for its config errors. */
  enabledBecause?: Record<string, string>
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

function providerEntry (catalog: Catalog, provider: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.providers?.includes(provider))
}

export function knownProviders (catalog: Catalog): string[] {
  return catalog.flatMap((entry) => entry.providers ?? []).sort()
}

/** A set variable enables its plugin, unless it says no (MEMORY_ENABLED=false). */
function enables (text: string | undefined): boolean {
  return text !== undefined && !['false', '0', 'no', 'off'].includes(text.toLowerCase())
}

function value (env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

/**
 * LYNKR_TOKEN_PHASES: `all`, or a comma list of phase plugin ids, turns several token-optimisation phases on
 * at once (each phase also has its own variable). `phases` is the embedder's list of phase ids; one that
 * is not in this build's catalog is noted, not an error, so the same setting works across versions.
 */
function tokenPhases (env: Record<string, string | undefined>, catalog: Catalog, phases: readonly string[], notes: string[]): string[] {
  const text = value(env, 'LYNKR_TOKEN_PHASES')
  if (text === undefined || !enables(text)) return []
  const wanted = text.toLowerCase() === 'all' ? [...phases] : text.split(',').map((id) => id.trim()).filter(Boolean)
  for (const id of wanted) {
    if (!phases.includes(id)) throw new LynkrConfigError(`LYNKR_TOKEN_PHASES names "${id}", which is not a token phase; use all or a comma list of: ${phases.join(', ')}`, 'LYNKR_TOKEN_PHASES')
  }
  const built = wanted.filter((id) => catalog.some((entry) => entry.id === id))
  const missing = wanted.filter((id) => !built.includes(id))
  if (missing.length > 0) notes.push(`LYNKR_TOKEN_PHASES: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in this build`)
  return built
}

/**
 * Derives the enabled plugins from Lynkr-style variables (design.md "Enabling plugins from the
 * environment"). LYNKR_PLUGINS, when set, replaces the derived list for experts and embedders.
 * `phases`: the plugin ids LYNKR_TOKEN_PHASES may turn on.
 */
export function selectPlugins (env: Record<string, string | undefined>, catalog: Catalog, phases: readonly string[] = []): Selection {
  const notes: string[] = []
  const valid = knownProviders(catalog)
  const checkProvider = (provider: string, variable: string): CatalogEntry => {
    const entry = providerEntry(catalog, provider)
    if (entry === undefined) {
      throw new LynkrConfigError(`${variable}="${provider}" is not a provider lynkr knows; valid values: ${valid.join(', ')}`, variable)
    }
    return entry
  }

  const defaultProvider = (value(env, 'MODEL_PROVIDER') ?? 'ollama').toLowerCase()
  const ids = new Set<string>()
  const because: Record<string, string> = {}
  const enable = (id: string, reason: string): void => {
    ids.add(id)
    because[id] ??= reason
  }

  const explicit = value(env, 'LYNKR_PLUGINS')
  if (explicit !== undefined) {
    for (const id of explicit.split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!catalog.some((entry) => entry.id === id)) {
        throw new LynkrConfigError(`LYNKR_PLUGINS names unknown plugin "${id}"; known plugins: ${catalog.map((e) => e.id).join(', ')}`, 'LYNKR_PLUGINS')
      }
      enable(id, 'LYNKR_PLUGINS')
    }
    return { ids: [...ids], defaultProvider, notes: ['plugins chosen by LYNKR_PLUGINS'], enabledBecause: because }
  }

  for (const entry of catalog) if (entry.defaultOn === true) ids.add(entry.id)
  enable(checkProvider(defaultProvider, 'MODEL_PROVIDER').id, value(env, 'MODEL_PROVIDER') === undefined ? 'the default MODEL_PROVIDER=ollama' : `MODEL_PROVIDER=${defaultProvider}`)

  const tiers = TIER_VARIABLES.map((name) => [name, value(env, name)] as const)
  const tierEntries: Array<{ entry: CatalogEntry, reason: string }> = []
  for (const [name, tier] of tiers) {
    if (tier === undefined) continue
    const split = splitProviderModel(tier)
    if (split === null) {
      throw new LynkrConfigError(`${name}="${tier}" must be provider:model (for example ollama:qwen2.5-coder:7b); valid providers: ${valid.join(', ')}`, name)
    }
    tierEntries.push({ entry: checkProvider(split.provider.toLowerCase(), name), reason: `${name}=${tier}` })
  }
  const setTiers = tiers.filter(([, tier]) => tier !== undefined)
  const tiersActive = setTiers.length === TIER_VARIABLES.length
  let fallback: Selection['fallback']
  if (tiersActive) {
    for (const { entry, reason } of tierEntries) enable(entry.id, reason)
    // The fallback matters only with tier routing; static routing ignores FALLBACK_* entirely.
    if (parseFallbackEnabled(env)) {
      const { provider } = parseFallbackProvider(env)
      const local = new Set(catalog.filter((entry) => entry.local === true).flatMap((entry) => entry.providers ?? []))
      const cloud = valid.filter((id) => !local.has(id))
      if (local.has(provider)) {
        throw new LynkrConfigError(`FALLBACK_PROVIDER="${provider}" is a local provider; the fallback must be a cloud provider that can take over when a tier fails (${cloud.join(', ')}), or set FALLBACK_ENABLED=false`, 'FALLBACK_PROVIDER')
      }
      const entry = providerEntry(catalog, provider)
      if (entry === undefined) {
        throw new LynkrConfigError(`FALLBACK_PROVIDER="${provider}" is not a provider lynkr knows (tier routing falls back to it); valid values: ${cloud.join(', ')}, or set FALLBACK_ENABLED=false`, 'FALLBACK_PROVIDER')
      }
      const alsoSelected = ids.has(entry.id) || entry.enabledBy?.some((name) => enables(value(env, name))) === true
      // Missing credentials surface when the provider's manifest reads its variables; core words that
      // error for the fallback (lynkr-core.ts).
      enable(entry.id, value(env, 'FALLBACK_PROVIDER') === undefined ? 'the default FALLBACK_PROVIDER=databricks' : `FALLBACK_PROVIDER=${provider}`)
      fallback = { provider, pluginId: entry.id, alsoSelected }
    }
  } else if (setTiers.length > 0) {
    const missing = tiers.filter(([, tier]) => tier === undefined).map(([name]) => name)
    notes.push(`tier routing is off: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set (all four TIER_* variables are needed)`)
  }

  // enabledBy works for every kind (MEMORY_ENABLED=true enables the memory plugin); "false"/"0" does not enable.
  for (const entry of catalog) {
    const setBy = entry.enabledBy?.find((name) => enables(value(env, name)))
    if (setBy !== undefined) enable(entry.id, `${setBy} is set`)
  }
  for (const id of tokenPhases(env, catalog, phases, notes)) enable(id, 'LYNKR_TOKEN_PHASES')
  return { ids: [...ids], defaultProvider, notes, tiersActive, fallback, enabledBecause: because }
}

/** What a user sets to enable a provider this boot left off (for the 400 a `provider:model` naming it gets). */
export function howToEnable (entry: CatalogEntry, provider: string, explicitPlugins: boolean): string {
  if (explicitPlugins) return `add ${entry.id} to LYNKR_PLUGINS`
  const select = `MODEL_PROVIDER=${provider} or a TIER_* variable naming it`
  const credentials = entry.enabledBy ?? []
  return credentials.length === 0 ? `set ${select}` : `set ${credentials.join(' or ')} (its credentials), or ${select}`
}
