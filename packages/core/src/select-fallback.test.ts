import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Catalog } from './catalog.ts'
import { catalogEntry, configError } from './testing/catalog.ts'
import { parseFallbackEnabled, parseFallbackProvider, selectPlugins } from './select-plugins.ts'

const catalog: Catalog = [
  catalogEntry({ id: 'router', kind: 'service', defaultOn: true }),
  catalogEntry({ id: 'provider-ollama', kind: 'provider', providers: ['ollama'], local: true }),
  catalogEntry({ id: 'provider-llamacpp', kind: 'provider', providers: ['llamacpp'], local: true }),
  // Local by its own declaration: core keeps no list of local providers.
  catalogEntry({ id: 'provider-lmstudio', kind: 'provider', providers: ['lmstudio'], local: true }),
  catalogEntry({ id: 'provider-openai', kind: 'provider', providers: ['openai'], enabledBy: ['OPENAI_API_KEY'] }),
  catalogEntry({ id: 'provider-databricks', kind: 'provider', providers: ['databricks'], enabledBy: ['DATABRICKS_API_KEY'] })
]

const tiers = {
  TIER_SIMPLE: 'ollama:qwen2.5:0.5b',
  TIER_MEDIUM: 'ollama:qwen2.5-coder:7b',
  TIER_COMPLEX: 'ollama:qwen2.5-coder:32b',
  TIER_REASONING: 'openai:o3'
}

describe('fallback selection', () => {
  test('static routing ignores every fallback setting: MODEL_PROVIDER=ollama alone boots', () => {
    const selection = selectPlugins({ MODEL_PROVIDER: 'ollama' }, catalog)
    assert.equal(selection.fallback, undefined)
    assert.equal(selection.tiersActive, false)
    assert.ok(!selection.ids.includes('provider-databricks'))
    const odd = selectPlugins({ MODEL_PROVIDER: 'ollama', FALLBACK_PROVIDER: 'ollama', FALLBACK_ENABLED: 'banana' }, catalog)
    assert.equal(odd.fallback, undefined, 'not even validated without tiers')
  })

  test('tiers + default fallback: databricks is loaded as the fallback', () => {
    const selection = selectPlugins({ ...tiers, DATABRICKS_API_KEY: 'dapi' }, catalog)
    assert.equal(selection.tiersActive, true)
    assert.deepEqual(selection.fallback, { provider: 'databricks', pluginId: 'provider-databricks', alsoSelected: true })
    assert.ok(selection.ids.includes('provider-databricks'))
  })

  test('tiers + a fallback without credentials: the plugin is still selected, so its manifest names the variable', () => {
    const selection = selectPlugins(tiers, catalog)
    assert.deepEqual(selection.fallback, { provider: 'databricks', pluginId: 'provider-databricks', alsoSelected: false })
  })

  test('a local fallback is a boot error naming the cloud choices and FALLBACK_ENABLED=false', () => {
    for (const local of ['ollama', 'llamacpp', 'lmstudio', 'Ollama:qwen3']) {
      assert.throws(() => selectPlugins({ ...tiers, FALLBACK_PROVIDER: local }, catalog),
        configError('FALLBACK_PROVIDER', /is a local provider/, /databricks, openai/, /FALLBACK_ENABLED=false/), local)
    }
  })

  test('an unknown fallback names the valid cloud providers', () => {
    assert.throws(() => selectPlugins({ ...tiers, FALLBACK_PROVIDER: 'nowhere' }, catalog),
      configError('FALLBACK_PROVIDER', /"nowhere" is not a provider/, /databricks, openai/, /FALLBACK_ENABLED=false/))
  })

  test('FALLBACK_ENABLED=false turns the fallback off; junk values are refused', () => {
    const selection = selectPlugins({ ...tiers, FALLBACK_ENABLED: 'false', FALLBACK_PROVIDER: 'ollama' }, catalog)
    assert.equal(selection.fallback, undefined)
    assert.ok(!selection.ids.includes('provider-databricks'))
    assert.throws(() => selectPlugins({ ...tiers, FALLBACK_ENABLED: 'maybe' }, catalog), configError('FALLBACK_ENABLED', /true or false/))
    assert.equal(parseFallbackEnabled({}), true)
    assert.equal(parseFallbackEnabled({ FALLBACK_ENABLED: 'OFF' }), false)
  })

  test('FALLBACK_PROVIDER may name a model', () => {
    assert.deepEqual(parseFallbackProvider({ FALLBACK_PROVIDER: 'OpenAI:gpt-4o' }), { provider: 'openai', model: 'gpt-4o' })
    assert.deepEqual(parseFallbackProvider({}), { provider: 'databricks' })
  })
})
