import type { FastifyPluginAsync } from 'fastify'
import type { LynkrManifest, PluginKind } from '@lynkr/protocol'

/** What a plugin package exports: a Fastify plugin (default) and its Lynkr manifest. */
export interface LynkrPluginModule {
  default: FastifyPluginAsync<any>
  manifest: LynkrManifest<any, any>
}

/**
 * One known plugin. The catalog lives in the `lynkr` package (the only place that knows first-party
 * plugins); core receives it as data and never imports a plugin itself.
 */
export interface CatalogEntry {
  /** Short id used in LYNKR_PLUGINS (`provider-ollama`). */
  id: string
  /** npm name, as used in fastify-plugin `name`/`dependencies`. */
  packageName: string
  kind: PluginKind
  /** Provider ids it registers (MODEL_PROVIDER values). */
  providers?: string[]
  /** On without any configuration (front doors, health). */
  defaultOn?: boolean
  /** Its providers run on the user's own hardware (free; never a tier-routing fallback). */
  local?: boolean
  /** Also enabled when any of these variables is set (credentials make a provider usable by `provider:model`). */
  enabledBy?: string[]
  load: () => Promise<LynkrPluginModule>
}

export type Catalog = readonly CatalogEntry[]
