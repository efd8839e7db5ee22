import type { Catalog, CatalogEntry, LynkrPluginModule } from '@lynkr/core/gateway'
import type { LynkrManifest } from '@lynkr/protocol'
import { pluginIndex } from './plugin-index.generated.ts'

/** A catalog line: what only the composition knows about a plugin. The rest is in its manifest. */
export interface CatalogLine {
  /** Short id used in LYNKR_PLUGINS (`provider-ollama`). */
  id: string
  /** npm name, as used in fastify-plugin `name`/`dependencies`. */
  packageName: string
  /** On without any configuration (front doors, health). */
  defaultOn?: boolean
  load: () => Promise<LynkrPluginModule>
}

/** The part of a manifest selection needs before anything is imported. */
export type PluginFacts = Pick<LynkrManifest, 'kind' | 'providers' | 'local' | 'enabledBy'>

export function factsOf (manifest: LynkrManifest): PluginFacts {
  const facts: PluginFacts = { kind: manifest.kind }
  if (manifest.providers !== undefined) facts.providers = manifest.providers
  if (manifest.local === true) facts.local = true
  if (manifest.enabledBy !== undefined) facts.enabledBy = manifest.enabledBy
  return facts
}

/**
 * Catalog lines completed with their manifests' facts from the generated index: importing all 21 plugins to
 * read them cost ~0.6 s and ~8 MB at boot on the development machine (measured), where only the enabled ones
 * are needed. A test keeps the index equal to the manifests.
 */
export function withPluginIndex (lines: readonly CatalogLine[], index: Record<string, PluginFacts> = pluginIndex): Catalog {
  return lines.map((line): CatalogEntry => {
    const facts = index[line.id]
    if (facts === undefined) throw new Error(`plugin "${line.id}" is missing from plugin-index.generated.ts: run npx tsc -b && node scripts/plugin-index.mjs`)
    return { ...facts, ...line }
  })
}
