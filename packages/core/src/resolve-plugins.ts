import type { Catalog, CatalogEntry, LynkrPluginModule } from './catalog.ts'
import { LynkrConfigError } from './config-error.ts'

export interface LoadedPlugin { entry: CatalogEntry, module: LynkrPluginModule, dependencies: string[] }

interface PluginMeta { name?: string, dependencies?: string[] }

function readMeta (module: LynkrPluginModule): PluginMeta {
  return ((module.default as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')] ?? {}) as PluginMeta
}

/**
 * Loads the selected plugins lazily (disabled ones cost nothing, native modules included), adds their
 * transitive fastify-plugin `dependencies` and orders them depth-first so dependencies register first.
 */
export async function resolvePlugins (ids: readonly string[], catalog: Catalog): Promise<{ ordered: LoadedPlugin[], added: string[] }> {
  const byPackage = new Map(catalog.map((entry) => [entry.packageName, entry]))
  const byId = new Map(catalog.map((entry) => [entry.id, entry]))
  const loaded = new Map<string, LoadedPlugin>()
  const added: string[] = []

  async function load (entry: CatalogEntry): Promise<LoadedPlugin> {
    const existing = loaded.get(entry.id)
    if (existing) return existing
    const module = await entry.load()
    const meta = readMeta(module)
    if (meta.name !== entry.packageName) throw new Error(`Plugin ${entry.id} declares fastify-plugin name "${meta.name}", expected "${entry.packageName}"`)
    const plugin: LoadedPlugin = { entry, module, dependencies: meta.dependencies ?? [] }
    loaded.set(entry.id, plugin)
    for (const dependency of plugin.dependencies) {
      const target = byPackage.get(dependency)
      if (target === undefined) continue // a host-provided plugin (e.g. @fastify/sensible); Fastify checks it
      if (!loaded.has(target.id) && !ids.includes(target.id)) added.push(`${target.id} (required by ${entry.id})`)
      await load(target)
    }
    return plugin
  }

  for (const id of ids) {
    const entry = byId.get(id)
    if (entry === undefined) throw new LynkrConfigError(`Unknown plugin "${id}"`)
    await load(entry)
  }

  const ordered: LoadedPlugin[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (plugin: LoadedPlugin, path: string[]): void => {
    const mark = state.get(plugin.entry.id)
    if (mark === 'done') return
    if (mark === 'visiting') throw new Error(`Plugin dependency cycle: ${[...path, plugin.entry.id].join(' -> ')}`)
    state.set(plugin.entry.id, 'visiting')
    for (const dependency of plugin.dependencies) {
      const target = byPackage.get(dependency)
      const dep = target && loaded.get(target.id)
      if (dep) visit(dep, [...path, plugin.entry.id])
    }
    state.set(plugin.entry.id, 'done')
    ordered.push(plugin)
  }
  for (const plugin of loaded.values()) visit(plugin, [])
  return { ordered, added }
}
