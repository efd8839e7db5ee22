import type { TSchema, Static } from 'typebox'

export type PluginKind = 'front-door' | 'provider' | 'service' | 'ops' | 'pipeline'

/** Objects the composer shares with every plugin's option mapping. */
export interface ManifestRuntime {
  /** An undici dispatcher injected by an embedder or test; providers create their own pools otherwise. */
  dispatcher?: unknown
  /** The whole environment record, for the few plugins that read another plugin's variables. */
  env: Record<string, string | undefined>
}

/**
 * A plugin's Lynkr metadata, exported next to its default (Fastify plugin) export: its env slice and how
 * that slice becomes plugin options.
 */
export interface LynkrManifest<S extends TSchema = TSchema, O = unknown> {
  kind: PluginKind
  /** Provider ids this plugin registers (for MODEL_PROVIDER validation). */
  providers?: string[]
  /** Its providers run on the user's own hardware (free; never a tier-routing fallback). */
  local?: boolean
  /** Enabled when any of these variables is set (`MEMORY_ENABLED`); any plugin kind. */
  enabledBy?: string[]
  env: S
  /** Variables in `env` that hold secrets: never logged or printed. */
  secrets?: string[]
  /**
   * Providers this plugin needs loaded, read from its own variables (the router's TIER_* and fallback). Asked
   * once the plugin is enabled, before any provider loads; bad values throw a configuration error naming the
   * variable.
   */
  selectProviders?: (env: Record<string, string | undefined>, known: KnownProviders) => ProviderSelection
  /** Required variables with a human explanation, checked only when the plugin is enabled. */
  toOptions: (env: Static<S>, runtime: ManifestRuntime) => O
}

/** The providers the catalog knows, for a plugin's `selectProviders`. */
export interface KnownProviders {
  /** Every provider id, sorted. */
  all: string[]
  isLocal: (provider: string) => boolean
}

export interface ProviderSelection {
  providers: Array<{
    provider: string
    /** What selected it, for its configuration errors (`TIER_SIMPLE=openai:gpt-4o`). */
    reason: string
    /** The variable that named it. */
    variable: string
    /**
     * How a configuration error of this provider reads when only this selection enabled it (the fallback:
     * "tier routing falls back to …, which needs …"): the message and the variable to name.
     */
    explainConfigError?: (message: string, variable: string | undefined) => { message: string, variable: string }
    /**
     * Wanted only if something else enables it (its credentials, another selection): a default nobody chose
     * (the fallback's databricks). Left off otherwise, with this note, instead of failing the boot on its config.
     */
    ifConfigured?: string
  }>
  /** What the operator should know (shown in the boot log and /health/ready). */
  notes?: string[]
  /**
   * Set when this plugin's routing sends every request that names no provider itself (the router with all
   * four TIER_*): MODEL_PROVIDER is then never routed to, so it enables nothing. Says why, for the boot note.
   */
  routesEveryRequest?: string
}

export function defineManifest<S extends TSchema, O> (manifest: LynkrManifest<S, O>): LynkrManifest<S, O> {
  return manifest
}

/** TypeBox, for plugins' env schemas (`Type.Object({ MEMORY_ENABLED: Type.Optional(Type.String()) })`). */
export { Type } from 'typebox'
