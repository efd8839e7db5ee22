import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Catalog } from './catalog.ts'
import { Type } from 'typebox'
import { catalogEntry, configError } from './testing/catalog.ts'
import type { LynkrPluginModule } from './catalog.ts'
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
  test('enabledBy works for every plugin kind; a variable saying false does not enable', async () => {
    const withMemory: Catalog = [...catalog, catalogEntry({ id: 'memory', kind: 'service', enabledBy: ['MEMORY_ENABLED'] })]
    assert.ok((await selectPlugins({ MEMORY_ENABLED: 'true' }, withMemory)).ids.includes('memory'))
    assert.ok(!(await selectPlugins({ MEMORY_ENABLED: 'false' }, withMemory)).ids.includes('memory'))
    assert.ok(!(await selectPlugins({}, withMemory)).ids.includes('memory'))
  })

  test('defaults: default-on plugins plus the ollama provider', async () => {
    const selection = (await selectPlugins({}, catalog))
    assert.deepEqual(selection.ids.sort(), ['api-anthropic', 'health', 'provider-ollama'])
    assert.equal(selection.defaultProvider, 'ollama')
    assert.deepEqual(selection.notes, [])
  })

  test('MODEL_PROVIDER picks the provider plugin, case- and whitespace-insensitively', async () => {
    const selection = (await selectPlugins({ MODEL_PROVIDER: '  OpenAI ' }, catalog))
    assert.equal(selection.defaultProvider, 'openai')
    assert.ok(selection.ids.includes('provider-openai'))
    assert.ok(!selection.ids.includes('provider-ollama'))
    assert.equal((await selectPlugins({ MODEL_PROVIDER: '' }, catalog)).defaultProvider, 'ollama', 'empty means unset')
    assert.ok((await selectPlugins({ MODEL_PROVIDER: 'azure-openai' }, catalog)).ids.includes('provider-cloud'), 'a plugin with several providers')
  })

  test('an unknown MODEL_PROVIDER names the variable, the value and every valid value', async () => {
    await assert.rejects(async () => await selectPlugins({ MODEL_PROVIDER: 'olama' }, catalog),
      configError('MODEL_PROVIDER', /MODEL_PROVIDER/, /"olama"/, /azure-openai, bedrock, ollama, openai/))
  })

  test('howToEnable names the credentials and the selecting variables, or LYNKR_PLUGINS when that decides', async () => {
    assert.equal(howToEnable(catalog[4]!, 'openai', false), 'set OPENAI_API_KEY (its credentials), or MODEL_PROVIDER=openai or a TIER_* variable naming it')
    assert.equal(howToEnable(catalog[3]!, 'ollama', false), 'set MODEL_PROVIDER=ollama or a TIER_* variable naming it')
    assert.equal(howToEnable(catalog[4]!, 'openai', true), 'add provider-openai to LYNKR_PLUGINS')
    // Routing never reaches MODEL_PROVIDER (all four tiers): naming it there would not help.
    assert.equal(howToEnable(catalog[3]!, 'ollama', false, 'tier routing routes every request'), 'set a TIER_* variable naming it (MODEL_PROVIDER is not used: tier routing routes every request)')
  })

  test('enabledBy: credentials make a provider usable by provider:model', async () => {
    assert.ok((await selectPlugins({ OPENAI_API_KEY: 'sk-test' }, catalog)).ids.includes('provider-openai'))
    assert.ok((await selectPlugins({ AZURE_OPENAI_API_KEY: 'k' }, catalog)).ids.includes('provider-cloud'))
    assert.ok(!(await selectPlugins({ OPENAI_API_KEY: '   ' }, catalog)).ids.includes('provider-openai'), 'blank values do not count')
  })

  test('enabledBy on a service is a switch: MEMORY_ENABLED=true turns it on, false or unset leaves it off', async () => {
    assert.ok((await selectPlugins({ MEMORY_ENABLED: 'true' }, catalog)).ids.includes('memory'))
    for (const value of [undefined, '', 'false', 'FALSE', '0', 'off', 'no']) {
      assert.ok(!(await selectPlugins({ MEMORY_ENABLED: value }, catalog)).ids.includes('memory'), String(value))
    }
  })

  test('an enabled plugin\'s manifest selects the providers it needs (selectProviders): reasons, notes, errors; disabled plugins are not asked', async () => {
    const asked: string[] = []
    const selector = (id: string, wants: Array<{ provider: string, variable: string }>): LynkrPluginModule => ({
      default: async () => {},
      manifest: {
        kind: 'service',
        env: Type.Object({}),
        toOptions: () => ({}),
        selectProviders: (env, known) => {
          asked.push(id)
          assert.deepEqual(known.all, ['azure-openai', 'bedrock', 'ollama', 'openai'])
          assert.equal(known.isLocal('ollama'), true)
          assert.equal(known.isLocal('openai'), false)
          return {
            providers: wants.map(({ provider, variable }) => ({ provider, variable, reason: `${variable}=${env[variable] ?? ''}`, explainConfigError: (message) => ({ message: `explained: ${message}`, variable }) })),
            notes: [`${id} was asked`]
          }
        }
      }
    })
    const withSelectors: Catalog = [
      ...catalog.filter((entry) => entry.id !== 'router' && entry.id !== 'provider-ollama'),
      catalogEntry({ id: 'provider-ollama', kind: 'provider', providers: ['ollama'], local: true }),
      catalogEntry({ id: 'picker', kind: 'service', defaultOn: true }, selector('picker', [{ provider: 'bedrock', variable: 'PICK' }, { provider: 'openai', variable: 'PICK_TOO' }])),
      catalogEntry({ id: 'off-picker', kind: 'service', enabledBy: ['OFF_PICKER'] }, selector('off-picker', [{ provider: 'nowhere', variable: 'NOPE' }]))
    ]
    const selection = await selectPlugins({ PICK: 'bedrock', PICK_TOO: 'openai', OPENAI_API_KEY: 'sk' }, withSelectors)
    assert.deepEqual(asked, ['picker'], 'only enabled plugins are asked; provider modules are never loaded')
    assert.ok(selection.ids.includes('provider-cloud') && selection.ids.includes('provider-openai'))
    assert.equal(selection.enabledBecause?.['provider-cloud'], 'PICK=bedrock', 'the selection is the first reason')
    assert.deepEqual(selection.notes, ['picker was asked'])
    assert.deepEqual(Object.keys(selection.explainConfigError ?? {}), ['provider-cloud'], 'not for a provider its credentials enable too')
    // A provider named by an enabled plugin that the catalog does not know names that plugin's variable.
    await assert.rejects(async () => await selectPlugins({ OFF_PICKER: 'true' }, withSelectors), configError('NOPE', /"nowhere" is not a provider/, /valid values/))
  })

  test('LYNKR_TOKEN_PHASES=all turns on every token phase in the catalog and notes the ones not built', async () => {
    const withPhases: Catalog = [...catalog, catalogEntry({ id: 'tool-selection', kind: 'service', enabledBy: ['SMART_TOOL_SELECTION_MODE'] }), catalogEntry({ id: 'prompt-cache', kind: 'service' })]
    const phases = ['tool-selection', 'history-compression', 'prompt-cache']
    const selection = (await selectPlugins({ LYNKR_TOKEN_PHASES: 'all' }, withPhases, phases))
    assert.ok(selection.ids.includes('tool-selection') && selection.ids.includes('prompt-cache'))
    assert.deepEqual(selection.enabledBecause?.['prompt-cache'], 'LYNKR_TOKEN_PHASES')
    assert.deepEqual(selection.notes, ['LYNKR_TOKEN_PHASES: history-compression is not in this build'])
    const some = (await selectPlugins({ LYNKR_TOKEN_PHASES: ' prompt-cache ' }, withPhases, phases))
    assert.ok(some.ids.includes('prompt-cache') && !some.ids.includes('tool-selection'))
    for (const off of ['false', '0', '']) assert.ok(!(await selectPlugins({ LYNKR_TOKEN_PHASES: off }, withPhases, phases)).ids.includes('prompt-cache'))
    // A phase's own variable still works without the switch.
    assert.ok((await selectPlugins({ SMART_TOOL_SELECTION_MODE: 'auto' }, withPhases, phases)).ids.includes('tool-selection'))
  })

  test('LYNKR_TOKEN_PHASES naming something that is not a phase is a config error listing the phases', async () => {
    await assert.rejects(async () => await selectPlugins({ LYNKR_TOKEN_PHASES: 'prompt-cache,health' }, catalog, ['prompt-cache', 'tool-selection']),
      configError('LYNKR_TOKEN_PHASES', /"health"/, /prompt-cache, tool-selection/))
  })

  test('LYNKR_PLUGINS replaces the derived list', async () => {
    const selection = (await selectPlugins({ LYNKR_PLUGINS: ' health , provider-openai,,', OPENAI_API_KEY: 'sk' }, catalog))
    assert.deepEqual(selection.ids, ['health', 'provider-openai'])
    assert.deepEqual(selection.notes, ['plugins chosen by LYNKR_PLUGINS'])
  })

  test('LYNKR_PLUGINS with an unknown id names it and lists the known plugins', async () => {
    await assert.rejects(async () => await selectPlugins({ LYNKR_PLUGINS: 'health,provider-olama' }, catalog),
      configError('LYNKR_PLUGINS', /"provider-olama"/, /api-anthropic, health, router, provider-ollama/))
  })
})

describe('knownProviders', () => {
  test('every provider id, sorted', async () => {
    assert.deepEqual(knownProviders(catalog), ['azure-openai', 'bedrock', 'ollama', 'openai'])
  })
})
