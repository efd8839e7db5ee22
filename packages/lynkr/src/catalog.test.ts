import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { catalog } from './catalog.ts'
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
    assert.equal(module.manifest.kind, entry.kind, `${entry.id}: manifest kind matches the catalog`)
    if (entry.kind === 'provider') assert.deepEqual(module.manifest.providers, entry.providers, `${entry.id}: provider ids`)
  }
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
