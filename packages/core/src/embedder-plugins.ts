import type { CatalogEntry, LynkrPluginModule } from './catalog.ts'

/** A plugin an embedder passes in `lynkr` options: a module (default export + manifest), or a catalog entry. */
export type ExtraPlugin = LynkrPluginModule | CatalogEntry

function pluginName (module: LynkrPluginModule): string | undefined {
  return ((module.default as unknown as Record<symbol, { name?: string } | undefined>)[Symbol.for('plugin-meta')])?.name
}

/**
 * The catalog line of an embedder's plugin, from its manifest and fastify-plugin name. It joins the same
 * composition as first-party plugins (dependency order, env slice, boot errors); it is on unless its
 * manifest names `enabledBy` variables, none of which is set.
 */
export function catalogEntryOf (plugin: ExtraPlugin): CatalogEntry {
  if ('load' in plugin) return plugin
  const name = pluginName(plugin)
  if (name === undefined) throw new Error('An extra plugin must be wrapped with fastify-plugin and given a name (fp(plugin, { name: "my-plugin" }))')
  const { manifest } = plugin
  return {
    id: name.replace(/^@[^/]+\//, ''),
    packageName: name,
    kind: manifest.kind,
    providers: manifest.providers,
    local: manifest.local,
    enabledBy: manifest.enabledBy,
    defaultOn: manifest.enabledBy === undefined,
    load: async () => plugin
  }
}
