import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { selectPlugins } from '@lynkr/core'
import type { Catalog } from '@lynkr/core/gateway'
import { catalogEntry, configError } from '@lynkr/core/testing'
import * as router from './index.ts'
import { parseFallbackEnabled, parseFallbackProvider } from './select-tier-providers.ts'

// The router's own manifest decides which providers tier routing loads; core only asks it.
const catalog: Catalog = [
  catalogEntry({ id: 'router', kind: 'service', defaultOn: true }, router),
  catalogEntry({ id: 'provider-ollama', kind: 'provider', providers: ['ollama'], local: true }),
  catalogEntry({ id: 'provider-llamacpp', kind: 'provider', providers: ['llamacpp'], local: true }),
  // Local by its own declaration: nothing keeps a list of local providers.
  catalogEntry({ id: 'provider-lmstudio', kind: 'provider', providers: ['lmstudio'], local: true }),
  catalogEntry({ id: 'provider-openai', kind: 'provider', providers: ['openai'], enabledBy: ['OPENAI_API_KEY'] }),
  catalogEntry({ id: 'provider-cloud', kind: 'provider', providers: ['bedrock', 'azure-openai'], enabledBy: ['AWS_BEDROCK_API_KEY'] }),
  catalogEntry({ id: 'provider-databricks', kind: 'provider', providers: ['databricks'], enabledBy: ['DATABRICKS_API_KEY'] })
]

const tiers = {
  TIER_SIMPLE: 'ollama:qwen2.5:0.5b',
  TIER_MEDIUM: 'ollama:qwen2.5-coder:7b',
  TIER_COMPLEX: 'ollama:qwen2.5-coder:32b',
  TIER_REASONING: 'openai:o3'
}

describe('tier routing selects its providers', () => {
  test('all four tiers set: their providers are loaded, each saying which tier enabled it', async () => {
    const selection = await selectPlugins({ ...tiers, TIER_REASONING: 'Bedrock:anthropic.claude-sonnet', TIER_COMPLEX: 'openai:gpt-4o', OPENAI_API_KEY: 'sk', FALLBACK_ENABLED: 'false' }, catalog)
    assert.ok(selection.ids.includes('provider-openai'))
    assert.ok(selection.ids.includes('provider-cloud'))
    assert.deepEqual(selection.notes, [])
    assert.equal(new Set(selection.ids).size, selection.ids.length, 'no duplicates')
    assert.equal(selection.enabledBecause?.['provider-openai'], 'TIER_COMPLEX=openai:gpt-4o', 'the tier, not the credentials, is the first reason')
    assert.equal(selection.enabledBecause?.['provider-cloud'], 'TIER_REASONING=Bedrock:anthropic.claude-sonnet')
  })

  test('one to three tiers set: tier routing is off, with a note naming what is missing', async () => {
    const one = await selectPlugins({ TIER_SIMPLE: 'openai:gpt-4o-mini' }, catalog)
    assert.equal(one.notes.length, 1)
    assert.match(one.notes[0]!, /TIER_MEDIUM, TIER_COMPLEX, TIER_REASONING are not set/)
    assert.ok(!one.ids.includes('provider-openai'), 'partial tiers do not load providers')
    const three = await selectPlugins({ TIER_SIMPLE: 'ollama:a', TIER_MEDIUM: 'ollama:b', TIER_COMPLEX: 'ollama:c' }, catalog)
    assert.match(three.notes[0]!, /TIER_REASONING is not set/)
  })

  test('malformed tiers name the variable and show the expected shape', async () => {
    for (const bad of ['qwen2.5', ':model', 'ollama:', 'ollama']) {
      await assert.rejects(async () => await selectPlugins({ TIER_COMPLEX: bad }, catalog), configError('TIER_COMPLEX', /TIER_COMPLEX/, /provider:model/), bad)
    }
    await assert.rejects(async () => await selectPlugins({ TIER_MEDIUM: 'nope:model' }, catalog), configError('TIER_MEDIUM', /"nope"/, /valid values/))
  })

  test('all four tiers set: MODEL_PROVIDER is never routed to, so it enables nothing; a set MODEL_PROVIDER gets a note', async () => {
    const elsewhere = { TIER_SIMPLE: 'openai:gpt-4o-mini', TIER_MEDIUM: 'openai:gpt-4o', TIER_COMPLEX: 'bedrock:claude', TIER_REASONING: 'openai:o3', FALLBACK_ENABLED: 'false' }
    const unset = await selectPlugins(elsewhere, catalog)
    assert.ok(!unset.ids.includes('provider-ollama'), 'the default ollama is not enabled')
    assert.match(unset.defaultUnused ?? '', /tier routing \(all four TIER_\* are set\) routes every request/)
    assert.deepEqual(unset.notes, [], 'nothing was configured, nothing to say')
    const set = await selectPlugins({ ...elsewhere, MODEL_PROVIDER: 'ollama' }, catalog)
    assert.ok(!set.ids.includes('provider-ollama'))
    assert.deepEqual(set.notes, ['MODEL_PROVIDER=ollama is configured but not used: tier routing (all four TIER_* are set) routes every request, so ollama is off'])
    // Named by MODEL_PROVIDER and a tier: on for the tier, and the note says so.
    const both = await selectPlugins({ ...elsewhere, MODEL_PROVIDER: 'openai' }, catalog)
    assert.ok(both.ids.includes('provider-openai'))
    assert.equal(both.enabledBecause?.['provider-openai'], 'TIER_SIMPLE=openai:gpt-4o-mini')
    assert.match(both.notes[0]!, /^MODEL_PROVIDER=openai is configured but not used: .*, so openai is on only for TIER_SIMPLE=openai:gpt-4o-mini$/)
    // A tier naming the default provider enables it, for the tier.
    const local = await selectPlugins({ ...elsewhere, TIER_SIMPLE: 'ollama:qwen2.5:0.5b' }, catalog)
    assert.equal(local.enabledBecause?.['provider-ollama'], 'TIER_SIMPLE=ollama:qwen2.5:0.5b')
    // Fewer than four tiers: MODEL_PROVIDER is the route, and on.
    const partial = await selectPlugins({ TIER_SIMPLE: 'openai:gpt-4o-mini' }, catalog)
    assert.equal(partial.enabledBecause?.['provider-ollama'], 'the default MODEL_PROVIDER=ollama')
    assert.equal(partial.defaultUnused, undefined)
  })

  test('with the router disabled (LYNKR_PLUGINS without it), tiers select nothing', async () => {
    const selection = await selectPlugins({ ...tiers, LYNKR_PLUGINS: 'provider-ollama' }, catalog)
    assert.deepEqual(selection.ids, ['provider-ollama'])
  })
})

describe('fallback selection', () => {
  test('static routing ignores every fallback setting: MODEL_PROVIDER=ollama alone boots', async () => {
    const selection = await selectPlugins({ MODEL_PROVIDER: 'ollama' }, catalog)
    assert.ok(!selection.ids.includes('provider-databricks'))
    const odd = await selectPlugins({ MODEL_PROVIDER: 'ollama', FALLBACK_PROVIDER: 'ollama', FALLBACK_ENABLED: 'banana' }, catalog)
    assert.ok(!odd.ids.includes('provider-databricks'), 'not even validated without tiers')
  })

  test('tiers + default fallback: databricks is loaded as the fallback when its credentials are set', async () => {
    const selection = await selectPlugins({ ...tiers, DATABRICKS_API_KEY: 'dapi' }, catalog)
    assert.ok(selection.ids.includes('provider-databricks'))
    assert.equal(selection.enabledBecause?.['provider-databricks'], 'DATABRICKS_API_KEY is set')
    assert.equal(selection.explainConfigError?.['provider-databricks'], undefined, 'enabled by its credentials')
    assert.deepEqual(selection.notes, [])
  })

  test('tiers + the default fallback nobody configured: left off with a note, not a boot error (Lynkr only warned)', async () => {
    const selection = await selectPlugins(tiers, catalog)
    assert.ok(!selection.ids.includes('provider-databricks'))
    assert.deepEqual(selection.notes, ['tier routing has no fallback: the default FALLBACK_PROVIDER=databricks is not configured (set its credentials, choose another FALLBACK_PROVIDER, or set FALLBACK_ENABLED=false to say so)'])
  })

  test('tiers + a chosen fallback without credentials: still selected, and its configuration error speaks of the fallback', async () => {
    const selection = await selectPlugins({ ...tiers, FALLBACK_PROVIDER: 'databricks' }, catalog)
    assert.ok(selection.ids.includes('provider-databricks'))
    const explained = selection.explainConfigError?.['provider-databricks']?.('DATABRICKS_API_KEY is required', 'DATABRICKS_API_KEY')
    assert.equal(explained?.variable, 'DATABRICKS_API_KEY')
    assert.match(explained?.message ?? '', /tier routing falls back to FALLBACK_PROVIDER=databricks, which needs DATABRICKS_API_KEY: set DATABRICKS_API_KEY, choose another FALLBACK_PROVIDER, or set FALLBACK_ENABLED=false/)
  })

  test('a local fallback is a boot error naming the cloud choices and FALLBACK_ENABLED=false', async () => {
    for (const local of ['ollama', 'llamacpp', 'lmstudio', 'Ollama:qwen3']) {
      await assert.rejects(async () => await selectPlugins({ ...tiers, FALLBACK_PROVIDER: local }, catalog),
        configError('FALLBACK_PROVIDER', /is a local provider/, /azure-openai, bedrock, databricks, openai/, /FALLBACK_ENABLED=false/), local)
    }
  })

  test('an unknown fallback names the valid cloud providers', async () => {
    await assert.rejects(async () => await selectPlugins({ ...tiers, FALLBACK_PROVIDER: 'nowhere' }, catalog),
      configError('FALLBACK_PROVIDER', /"nowhere" is not a provider/, /databricks, openai/, /FALLBACK_ENABLED=false/))
  })

  test('FALLBACK_ENABLED=false turns the fallback off; junk values are refused', async () => {
    const selection = await selectPlugins({ ...tiers, FALLBACK_ENABLED: 'false', FALLBACK_PROVIDER: 'ollama' }, catalog)
    assert.ok(!selection.ids.includes('provider-databricks'))
    await assert.rejects(async () => await selectPlugins({ ...tiers, FALLBACK_ENABLED: 'maybe' }, catalog), configError('FALLBACK_ENABLED', /true or false/))
    assert.equal(parseFallbackEnabled({}), true)
    assert.equal(parseFallbackEnabled({ FALLBACK_ENABLED: 'OFF' }), false)
  })

  test('a FALLBACK_PROVIDER set without tier routing is configured but unused: a note, nothing enabled', async () => {
    const selection = await selectPlugins({ FALLBACK_PROVIDER: 'openai', OPENAI_API_KEY: '' }, catalog)
    assert.ok(!selection.ids.includes('provider-openai'))
    assert.deepEqual(selection.notes, ['FALLBACK_PROVIDER=openai is not used: the fallback serves tier routing only (all four TIER_* variables), so it enables nothing'])
    assert.deepEqual((await selectPlugins({ FALLBACK_PROVIDER: 'openai', FALLBACK_ENABLED: 'false' }, catalog)).notes, [], 'turned off: nothing to say')
    assert.deepEqual((await selectPlugins({}, catalog)).notes, [], 'the default fallback was not configured')
  })

  test('FALLBACK_PROVIDER may name a model', () => {
    assert.deepEqual(parseFallbackProvider({ FALLBACK_PROVIDER: 'OpenAI:gpt-4o' }), { provider: 'openai', model: 'gpt-4o' })
    assert.deepEqual(parseFallbackProvider({}), { provider: 'databricks' })
  })
})
