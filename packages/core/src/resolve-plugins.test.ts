import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import type { Catalog, CatalogEntry, LynkrPluginModule } from './catalog.ts'
import { LynkrConfigError } from './config-error.ts'
import { resolvePlugins } from './resolve-plugins.ts'

/** A tiny real plugin module: a fastify-plugin-wrapped function carrying name/dependencies metadata. */
function fakeModule (name: string | undefined, dependencies: string[] = []): LynkrPluginModule {
  const plugin = async (): Promise<void> => {}
  return {
    default: name === undefined ? plugin : fp(plugin, { name, dependencies, fastify: '5.x' }),
    manifest: defineManifest({ kind: 'service', env: Type.Object({}), toOptions: () => ({}) })
  }
}

function fakeCatalog (specs: Array<{ id: string, dependsOn?: string[], declaredName?: string | null }>): { catalog: Catalog, loads: Map<string, number> } {
  const loads = new Map<string, number>()
  const catalog = specs.map((spec): CatalogEntry => ({
    id: spec.id,
    packageName: `@test/${spec.id}`,
    kind: 'service',
    load: async () => {
      loads.set(spec.id, (loads.get(spec.id) ?? 0) + 1)
      const name = spec.declaredName === null ? undefined : spec.declaredName ?? `@test/${spec.id}`
      return fakeModule(name, (spec.dependsOn ?? []).map((dep) => dep.startsWith('@') ? dep : `@test/${dep}`))
    }
  }))
  return { catalog, loads }
}

describe('resolvePlugins', () => {
  test('transitive dependencies are added, reported and ordered before their dependents', async () => {
    const { catalog, loads } = fakeCatalog([
      { id: 'front', dependsOn: ['router'] },
      { id: 'router', dependsOn: ['metrics', '@fastify/sensible'] },
      { id: 'metrics' },
      { id: 'unused' }
    ])
    const { ordered, added } = await resolvePlugins(['front'], catalog)
    assert.deepEqual(ordered.map((p) => p.entry.id), ['metrics', 'router', 'front'])
    assert.deepEqual(added, ['router (required by front)', 'metrics (required by router)'])
    assert.deepEqual(ordered.find((p) => p.entry.id === 'router')!.dependencies, ['@test/metrics', '@fastify/sensible'])
    assert.equal(loads.get('unused'), undefined, 'unselected plugins are never loaded')
    assert.ok([...loads.values()].every((count) => count === 1), 'each module is loaded once')
  })

  test('a dependency that is also selected is not reported as added, and order still respects it', async () => {
    const { catalog } = fakeCatalog([{ id: 'a', dependsOn: ['b'] }, { id: 'b' }, { id: 'c' }])
    const { ordered, added } = await resolvePlugins(['c', 'a', 'b'], catalog)
    assert.deepEqual(added, [])
    assert.deepEqual(ordered.map((p) => p.entry.id), ['c', 'b', 'a'])
  })

  test('a diamond loads the shared dependency once, first', async () => {
    const { catalog, loads } = fakeCatalog([{ id: 'top', dependsOn: ['left', 'right'] }, { id: 'left', dependsOn: ['base'] }, { id: 'right', dependsOn: ['base'] }, { id: 'base' }])
    const { ordered } = await resolvePlugins(['top'], catalog)
    assert.deepEqual(ordered.map((p) => p.entry.id), ['base', 'left', 'right', 'top'])
    assert.equal(loads.get('base'), 1)
  })

  test('a dependency cycle is detected and its path reported', async () => {
    const { catalog } = fakeCatalog([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['c'] }, { id: 'c', dependsOn: ['a'] }])
    await assert.rejects(resolvePlugins(['a'], catalog), /Plugin dependency cycle: a -> b -> c -> a/)
  })

  test('a fastify-plugin name that differs from the package name is rejected', async () => {
    const { catalog } = fakeCatalog([{ id: 'a', declaredName: '@test/not-a' }])
    await assert.rejects(resolvePlugins(['a'], catalog), /Plugin a declares fastify-plugin name "@test\/not-a", expected "@test\/a"/)
  })

  test('a plugin without fastify-plugin metadata is rejected', async () => {
    const { catalog } = fakeCatalog([{ id: 'bare', declaredName: null }])
    await assert.rejects(resolvePlugins(['bare'], catalog), /Plugin bare declares fastify-plugin name "undefined"/)
  })

  test('an unknown id is a configuration error', async () => {
    const { catalog } = fakeCatalog([{ id: 'a' }])
    await assert.rejects(resolvePlugins(['nope'], catalog), (error) => error instanceof LynkrConfigError && /Unknown plugin "nope"/.test(error.message))
  })
})
