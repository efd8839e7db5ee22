import type { ProviderSelection } from '@lynkr/protocol'
import type { Catalog, CatalogEntry } from './catalog.ts'
import { LynkrConfigError } from './config-error.ts'

export interface Selection {
  /** Catalog ids to load (dependencies are added later, from fastify-plugin metadata). */
  ids: string[]
  /** MODEL_PROVIDER, or ollama when unset. */
  defaultProvider: string
  /** Why routing never reaches the default provider (then it is enabled only for another reason); undefined: it is the default route. */
  defaultUnused?: string
  /** Human notes for the boot log. */
  notes: string[]
  /** Why each provider plugin is on (`MODEL_PROVIDER=bedrock`, `AWS_BEDROCK_API_KEY is set`), for its config errors. */
  enabledBecause?: Record<string, string>
  /** Providers enabled only by another plugin's selection that words their configuration errors itself (the fallback). */
  explainConfigError?: Record<string, NonNullable<ProviderSelection['providers'][number]['explainConfigError']>>
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
 * environment"). LYNKR_PLUGINS, when set, replaces the derived list for experts and embedders. Loads only
 * the modules of enabled plugins that may select providers (never a provider's).
 * `phases`: the plugin ids LYNKR_TOKEN_PHASES may turn on.
 */
export async function selectPlugins (env: Record<string, string | undefined>, catalog: Catalog, phases: readonly string[] = []): Promise<Selection> {
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
  const defaultEntry = checkProvider(defaultProvider, 'MODEL_PROVIDER')
  const phaseIds = tokenPhases(env, catalog, phases, notes)

  // Providers other enabled plugins need (the router's tiers and fallback, a summariser's provider:model),
  // asked of their manifests: core knows no plugin's variables.
  const isLocal = (provider: string): boolean => providerEntry(catalog, provider)?.local === true
  const setByVariable = (entry: CatalogEntry): boolean => entry.enabledBy?.some((name) => enables(value(env, name))) === true
  const wanted: Array<ProviderSelection['providers'][number] & { entry: CatalogEntry }> = []
  let routedElsewhere: string | undefined
  for (const entry of catalog) {
    if (entry.kind === 'provider' || (entry.defaultOn !== true && !setByVariable(entry) && !phaseIds.includes(entry.id))) continue
    const selectProviders = (await entry.load()).manifest.selectProviders
    if (selectProviders === undefined) continue
    const selection = selectProviders(env, { all: valid, isLocal })
    notes.push(...selection.notes ?? [])
    routedElsewhere ??= selection.routesEveryRequest
    for (const one of selection.providers) wanted.push({ ...one, entry: checkProvider(one.provider, one.variable) })
  }

  // MODEL_PROVIDER enables its provider only when routing can reach it: with every request routed elsewhere
  // (all four TIER_*), an unreachable default (Ollama, when nothing is set) would only fail health checks.
  // First, so the first reason a provider is on is the selection, not its credentials.
  const modelProvider = value(env, 'MODEL_PROVIDER')
  if (routedElsewhere === undefined) enable(defaultEntry.id, modelProvider === undefined ? 'the default MODEL_PROVIDER=ollama' : `MODEL_PROVIDER=${defaultProvider}`)
  const explain: NonNullable<Selection['explainConfigError']> = {}
  for (const { entry, reason, explainConfigError, ifConfigured } of wanted) {
    if (ifConfigured !== undefined) continue
    if (explainConfigError !== undefined && !ids.has(entry.id) && !setByVariable(entry)) explain[entry.id] = explainConfigError
    enable(entry.id, reason)
  }

  // enabledBy works for every kind (MEMORY_ENABLED=true enables the memory plugin); "false"/"0" does not enable.
  for (const entry of catalog) {
    const setBy = entry.enabledBy?.find((name) => enables(value(env, name)))
    if (setBy !== undefined) enable(entry.id, `${setBy} is set`)
  }
  for (const id of phaseIds) enable(id, 'LYNKR_TOKEN_PHASES')
  // Defaults nobody chose: used when something else enabled them, else left off with their note.
  for (const { entry, ifConfigured } of wanted) {
    if (ifConfigured !== undefined && !ids.has(entry.id) && !notes.includes(ifConfigured)) notes.push(ifConfigured)
  }
  if (routedElsewhere !== undefined && modelProvider !== undefined) {
    const state = ids.has(defaultEntry.id) ? `${defaultProvider} is on only for ${because[defaultEntry.id]!}` : `${defaultProvider} is off`
    notes.push(`MODEL_PROVIDER=${defaultProvider} is configured but not used: ${routedElsewhere}, so ${state}`)
  }
  return { ids: [...ids], defaultProvider, defaultUnused: routedElsewhere, notes, enabledBecause: because, explainConfigError: explain }
}

/**
 * What a user sets to enable a provider this boot left off (for the 400 a `provider:model` naming it gets).
 * `defaultUnused`: routing never reaches MODEL_PROVIDER (Selection.defaultUnused), so naming it there would not help.
 */
export function howToEnable (entry: CatalogEntry, provider: string, explicitPlugins: boolean, defaultUnused?: string): string {
  if (explicitPlugins) return `add ${entry.id} to LYNKR_PLUGINS`
  const select = defaultUnused === undefined ? `MODEL_PROVIDER=${provider} or a TIER_* variable naming it` : `a TIER_* variable naming it (MODEL_PROVIDER is not used: ${defaultUnused})`
  const credentials = entry.enabledBy ?? []
  return credentials.length === 0 ? `set ${select}` : `set ${credentials.join(' or ')} (its credentials), or ${select}`
}
