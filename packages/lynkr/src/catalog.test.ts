import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { catalog, catalogLines } from './catalog.ts'
import { factsOf, withPluginIndex } from './plugin-index.ts'
import { pluginIndex } from './plugin-index.generated.ts'
import { renderEnvExample } from './env-example.ts'

// Conventions every first-party plugin follows; the catalog is the only list, so check it here.
test('every catalog entry is a fastify-plugin named after its package, with a manifest', async () => {
  const ids = new Set<string>()
  for (const entry of catalog) {
    assert.ok(!ids.has(entry.id), `duplicate id ${entry.id}`)
    ids.add(entry.id)
    const module = await entry.load()
    const meta = (module.default as unknown as Record<symbol, { name?: string }>)[Symbol.for('plugin-meta')]
    assert.equal(meta?.name, entry.packageName, `${entry.id}: fastify-plugin name`)
    assert.equal(typeof module.manifest?.toOptions, 'function', `${entry.id}: manifest.toOptions`)
    if (module.manifest.kind === 'provider') assert.ok((module.manifest.providers ?? []).length > 0, `${entry.id}: a provider names its provider ids`)
  }
})

test('the manifest is the one source: the generated index holds exactly what each manifest declares', async () => {
  const fromManifests: Record<string, unknown> = {}
  for (const line of catalogLines) fromManifests[line.id] = factsOf((await line.load()).manifest)
  assert.deepEqual(pluginIndex, fromManifests, 'regenerate with: npx tsc -b && node scripts/plugin-index.mjs')
  for (const line of catalogLines) {
    assert.deepEqual(Object.keys(line).filter((key) => !['id', 'packageName', 'defaultOn', 'load'].includes(key)), [], `${line.id}: the catalog line repeats what its manifest declares`)
  }
})

test('a catalog line missing from the index is a clear error naming the command that fixes it', () => {
  const line = { id: 'brand-new', packageName: '@lynkr/brand-new', load: async () => { throw new Error('not loaded') } }
  assert.throws(() => withPluginIndex([line], {}), /"brand-new" is missing from plugin-index\.generated\.ts: run npx tsc -b && node scripts\/plugin-index\.mjs/)
  assert.deepEqual(withPluginIndex([line], { 'brand-new': { kind: 'pipeline', enabledBy: ['BRAND_NEW'] } })[0], { ...line, kind: 'pipeline', enabledBy: ['BRAND_NEW'] })
})

test('no provider id is claimed twice', () => {
  const seen = new Map<string, string>()
  for (const entry of catalog) {
    for (const provider of entry.providers ?? []) {
      assert.ok(!seen.has(provider), `${provider} claimed by ${seen.get(provider)} and ${entry.id}`)
      seen.set(provider, entry.id)
    }
  }
})

test('config/lynkr.env.example documents exactly the variables the plugins read', async () => {
  const file = readFileSync(new URL('../../../config/lynkr.env.example', import.meta.url), 'utf8')
  assert.equal(file, await renderEnvExample(catalog), 'regenerate with: node scripts/env-example.mjs')
})
