import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Catalog } from './catalog.ts'
import { catalogEntry, configError } from './testing/catalog.ts'
import { howToEnable, knownProviders, selectPlugins } from './select-plugins.ts'

const catalog: Catalog = [
  catalogEntry({ id: 'api-anthropic', kind: 'front-door', defaultOn: true }),
  catalogEntry({ id: 'health', kind: 'ops', defaultOn: true }),
  catalogEntry({ id: 'router', kind: 'service' }),
  catalogEntry({ id: 'provider-ollama', kind: 'provider', providers: ['ollama'] }),
  catalogEntry({ id: 'provider-openai', kind: 'provider', providers: ['openai'], enabledBy: ['OPENAI_API_KEY'] }),
  catalogEntry({ id: 'provider-cloud', kind: 'provider', providers: ['bedrock', 'azure-openai'], enabledBy: ['AWS_BEDROCK_API_KEY', 'AZURE_OPENAI_API_KEY'] }),
  catalogEntry({ id: 'memory', kind: 'service', enabledBy: ['MEMORY_ENABLED'] })
]

describe('selectPlugins', () => {
  test('enabledBy works for every plugin kind; a variable saying false does not enable', () => {
    const withMemory: Catalog = [...catalog, catalogEntry({ id: 'memory', kind: 'service', enabledBy: ['MEMORY_ENABLED'] })]
    assert.ok(selectPlugins({ MEMORY_ENABLED: 'true' }, withMemory).ids.includes('memory'))
    assert.ok(!selectPlugins({ MEMORY_ENABLED: 'false' }, withMemory).ids.includes('memory'))
    assert.ok(!selectPlugins({}, withMemory).ids.includes('memory'))
  })

  test('defaults: default-on plugins plus the ollama provider', () => {
    const selection = selectPlugins({}, catalog)
    assert.deepEqual(selection.ids.sort(), ['api-anthropic', 'health', 'provider-ollama'])
    assert.equal(selection.defaultProvider, 'ollama')
    assert.deepEqual(selection.notes, [])
  })

  test('MODEL_PROVIDER picks the provider plugin, case- and whitespace-insensitively', () => {
    const selection = selectPlugins({ MODEL_PROVIDER: '  OpenAI ' }, catalog)
    assert.equal(selection.defaultProvider, 'openai')
    assert.ok(selection.ids.includes('provider-openai'))
    assert.ok(!selection.ids.includes('provider-ollama'))
    assert.equal(selectPlugins({ MODEL_PROVIDER: '' }, catalog).defaultProvider, 'ollama', 'empty means unset')
    assert.ok(selectPlugins({ MODEL_PROVIDER: 'azure-openai' }, catalog).ids.includes('provider-cloud'), 'a plugin with several providers')
  })

  test('an unknown MODEL_PROVIDER names the variable, the value and every valid value', () => {
    assert.throws(() => selectPlugins({ MODEL_PROVIDER: 'olama' }, catalog),
      configError('MODEL_PROVIDER', /MODEL_PROVIDER/, /"olama"/, /azure-openai, bedrock, ollama, openai/))
  })

  test('each enabled provider says what enabled it, the first reason winning', () => {
    const tiers = { TIER_SIMPLE: 'openai:gpt-4o-mini', TIER_MEDIUM: 'ollama:q', TIER_COMPLEX: 'ollama:q', TIER_REASONING: 'bedrock:claude', FALLBACK_ENABLED: 'false' }
    assert.deepEqual(selectPlugins({ ...tiers, OPENAI_API_KEY: 'sk' }, catalog).enabledBecause, {
      'provider-ollama': 'the default MODEL_PROVIDER=ollama',
      'provider-openai': 'TIER_SIMPLE=openai:gpt-4o-mini',
      'provider-cloud': 'TIER_REASONING=bedrock:claude'
    })
    assert.equal(selectPlugins({ MODEL_PROVIDER: 'ollama', AWS_BEDROCK_API_KEY: 'k' }, catalog).enabledBecause?.['provider-cloud'], 'AWS_BEDROCK_API_KEY is set')
    assert.equal(selectPlugins({ MODEL_PROVIDER: 'openai' }, catalog).enabledBecause?.['provider-openai'], 'MODEL_PROVIDER=openai')
  })

  test('howToEnable names the credentials and the selecting variables, or LYNKR_PLUGINS when that decides', () => {
    assert.equal(howToEnable(catalog[4]!, 'openai', false), 'set OPENAI_API_KEY (its credentials), or MODEL_PROVIDER=openai or a TIER_* variable naming it')
    assert.equal(howToEnable(catalog[3]!, 'ollama', false), 'set MODEL_PROVIDER=ollama or a TIER_* variable naming it')
    assert.equal(howToEnable(catalog[4]!, 'openai', true), 'add provider-openai to LYNKR_PLUGINS')
  })

  test('enabledBy: credentials make a provider usable by provider:model', () => {
    assert.ok(selectPlugins({ OPENAI_API_KEY: 'sk-test' }, catalog).ids.includes('provider-openai'))
    assert.ok(selectPlugins({ AZURE_OPENAI_API_KEY: 'k' }, catalog).ids.includes('provider-cloud'))
    assert.ok(!selectPlugins({ OPENAI_API_KEY: '   ' }, catalog).ids.includes('provider-openai'), 'blank values do not count')
  })

  test('enabledBy on a service is a switch: MEMORY_ENABLED=true turns it on, false or unset leaves it off', () => {
    assert.ok(selectPlugins({ MEMORY_ENABLED: 'true' }, catalog).ids.includes('memory'))
    for (const value of [undefined, '', 'false', 'FALSE', '0', 'off', 'no']) {
      assert.ok(!selectPlugins({ MEMORY_ENABLED: value }, catalog).ids.includes('memory'), String(value))
    }
  })

  test('all four tiers set: their providers are loaded', () => {
    const selection = selectPlugins({
      TIER_SIMPLE: 'ollama:qwen2.5:0.5b',
      TIER_MEDIUM: 'ollama:qwen2.5-coder:7b',
      TIER_COMPLEX: 'openai:gpt-4o',
      TIER_REASONING: 'Bedrock:anthropic.claude-sonnet',
      FALLBACK_ENABLED: 'false'
    }, catalog)
    assert.ok(selection.ids.includes('provider-openai'))
    assert.ok(selection.ids.includes('provider-cloud'))
    assert.deepEqual(selection.notes, [])
    assert.equal(new Set(selection.ids).size, selection.ids.length, 'no duplicates')
  })

  test('one to three tiers set: tier routing is off, with a note naming what is missing', () => {
    const one = selectPlugins({ TIER_SIMPLE: 'openai:gpt-4o-mini' }, catalog)
    assert.equal(one.notes.length, 1)
    assert.match(one.notes[0]!, /TIER_MEDIUM, TIER_COMPLEX, TIER_REASONING are not set/)
    assert.ok(!one.ids.includes('provider-openai'), 'partial tiers do not load providers')
    const three = selectPlugins({ TIER_SIMPLE: 'ollama:a', TIER_MEDIUM: 'ollama:b', TIER_COMPLEX: 'ollama:c' }, catalog)
    assert.match(three.notes[0]!, /TIER_REASONING is not set/)
  })

  test('malformed tiers name the variable and show the expected shape', () => {
    for (const bad of ['qwen2.5', ':model', 'ollama:', 'ollama']) {
      assert.throws(() => selectPlugins({ TIER_COMPLEX: bad }, catalog), configError('TIER_COMPLEX', /TIER_COMPLEX/, /provider:model/), bad)
    }
    assert.throws(() => selectPlugins({ TIER_MEDIUM: 'nope:model' }, catalog), configError('TIER_MEDIUM', /"nope"/, /valid values/))
  })

  test('LYNKR_TOKEN_PHASES=all turns on every token phase in the catalog and notes the ones not built', () => {
    const withPhases: Catalog = [...catalog, catalogEntry({ id: 'tool-selection', kind: 'service', enabledBy: ['SMART_TOOL_SELECTION_MODE'] }), catalogEntry({ id: 'prompt-cache', kind: 'service' })]
    const phases = ['tool-selection', 'history-compression', 'prompt-cache']
    const selection = selectPlugins({ LYNKR_TOKEN_PHASES: 'all' }, withPhases, phases)
    assert.ok(selection.ids.includes('tool-selection') && selection.ids.includes('prompt-cache'))
    assert.deepEqual(selection.enabledBecause?.['prompt-cache'], 'LYNKR_TOKEN_PHASES')
    assert.deepEqual(selection.notes, ['LYNKR_TOKEN_PHASES: history-compression is not in this build'])
    const some = selectPlugins({ LYNKR_TOKEN_PHASES: ' prompt-cache ' }, withPhases, phases)
    assert.ok(some.ids.includes('prompt-cache') && !some.ids.includes('tool-selection'))
    for (const off of ['false', '0', '']) assert.ok(!selectPlugins({ LYNKR_TOKEN_PHASES: off }, withPhases, phases).ids.includes('prompt-cache'))
    // A phase's own variable still works without the switch.
    assert.ok(selectPlugins({ SMART_TOOL_SELECTION_MODE: 'auto' }, withPhases, phases).ids.includes('tool-selection'))
  })

  test('LYNKR_TOKEN_PHASES naming something that is not a phase is a config error listing the phases', () => {
    assert.throws(() => selectPlugins({ LYNKR_TOKEN_PHASES: 'prompt-cache,health' }, catalog, ['prompt-cache', 'tool-selection']),
      configError('LYNKR_TOKEN_PHASES', /"health"/, /prompt-cache, tool-selection/))
  })

  test('LYNKR_PLUGINS replaces the derived list', () => {
    const selection = selectPlugins({ LYNKR_PLUGINS: ' health , provider-openai,,', OPENAI_API_KEY: 'sk' }, catalog)
    assert.deepEqual(selection.ids, ['health', 'provider-openai'])
    assert.deepEqual(selection.notes, ['plugins chosen by LYNKR_PLUGINS'])
  })

  test('LYNKR_PLUGINS with an unknown id names it and lists the known plugins', () => {
    assert.throws(() => selectPlugins({ LYNKR_PLUGINS: 'health,provider-olama' }, catalog),
      configError('LYNKR_PLUGINS', /"provider-olama"/, /api-anthropic, health, router, provider-ollama/))
  })
})

describe('knownProviders', () => {
  test('every provider id, sorted', () => {
    assert.deepEqual(knownProviders(catalog), ['azure-openai', 'bedrock', 'ollama', 'openai'])
  })
})
