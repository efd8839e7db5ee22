import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { totalmem } from 'node:os'
import { getHeapStatistics } from 'node:v8'
import { catalog } from '../catalog.ts'
import { buildServer } from '../server.ts'
import { ALIASES, ALWAYS_ON, DIFFERENT_MEANING, IGNORED, READ_BY_OPT_IN_PLUGIN, SAME_NAME, UNSUPPORTED } from './lynkr-variables.ts'
import { describeMigration, migrateLynkrEnv, withPluginsOff } from './migrate-env.ts'
import { renderMigrationTable } from './migration-table.ts'

const envExample = readFileSync(new URL('../../../../config/lynkr.env.example', import.meta.url), 'utf8')
const documented = (name: string): boolean => new RegExp(`^# ${name}=`, 'm').test(envExample)
/** Every variable Lynkr reads or documents, as found in its repository (the file says where). */
const inventory = readFileSync(new URL('./lynkr-variable-inventory.txt', import.meta.url), 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))

test('every Lynkr variable said to keep its name, and every alias target, is a variable lynkr reads', () => {
  for (const name of SAME_NAME) assert.ok(documented(name), `${name} is not in config/lynkr.env.example`)
  for (const name of Object.keys(DIFFERENT_MEANING)) assert.ok(documented(name), `${name} is said to mean something else in lynkr, which does not read it`)
  for (const [from, alias] of Object.entries(ALIASES)) assert.ok(documented(alias.to), `${from} → ${alias.to}, which lynkr does not read`)
})

test('each Lynkr variable has exactly one status', () => {
  const seen = new Map<string, string>()
  const add = (name: string, status: string): void => {
    assert.ok(!seen.has(name), `${name} is both ${seen.get(name)} and ${status}`)
    seen.set(name, status)
  }
  for (const name of SAME_NAME) add(name, 'same name')
  for (const name of Object.keys(ALIASES)) add(name, 'alias')
  for (const name of Object.keys(DIFFERENT_MEANING)) add(name, 'different meaning')
  for (const name of Object.keys(ALWAYS_ON)) add(name, 'always on')
  for (const name of Object.keys(IGNORED)) add(name, 'ignored')
  for (const [feature, { variables }] of Object.entries(UNSUPPORTED)) for (const name of variables) add(name, feature)
  // Lynkr's own names, never ours: an unsupported variable lynkr reads would be a lie in the boot warning.
  for (const [name, status] of seen) if (status !== 'same name' && status !== 'different meaning') assert.ok(!documented(name), `${name} (${status}) is read by lynkr`)
})

test('every variable Lynkr reads or documents has a status, and every status is for one of Lynkr\'s variables', () => {
  const classified = new Set([...SAME_NAME, ...Object.keys(ALIASES), ...Object.keys(DIFFERENT_MEANING), ...Object.keys(ALWAYS_ON), ...Object.keys(IGNORED), ...Object.values(UNSUPPORTED).flatMap(({ variables }) => variables)])
  assert.equal(new Set(inventory).size, inventory.length, 'a name is listed twice in lynkr-variable-inventory.txt')
  assert.deepEqual(inventory.filter((name) => !classified.has(name)), [], 'Lynkr variables with no status in lynkr-variables.ts: a Lynkr .env setting them would be ignored without a word')
  assert.deepEqual([...classified].filter((name) => !inventory.includes(name)), [], 'statuses for names not in lynkr-variable-inventory.txt (not Lynkr\'s, or missing from the inventory)')
  assert.ok(inventory.length >= 300, `${inventory.length} variables`)
})

test('a variable lynkr reads with another meaning is reported when set, in the warning and /health/ready\'s data', () => {
  const migration = migrateLynkrEnv({ LYNKR_MAX_TOOL_TURNS: '25', LYNKR_MAX_SESSION_TURNS: '80', CLAUDE_DESKTOP_GATEWAY: '0', ORCA_BASE_URL: 'https://orca.example' })
  assert.deepEqual(migration.differentMeaning, ['LYNKR_MAX_TOOL_TURNS'])
  assert.equal(migration.env.LYNKR_MAX_TOOL_TURNS, '25', 'the value itself is kept: lynkr reads it')
  assert.deepEqual(migration.unsupported, { 'loop guard': ['LYNKR_MAX_SESSION_TURNS'] }, 'the desktop gateway turned off and OrcaRouter\'s URL without its key ask for nothing')
  const lines = describeMigration(migration)
  assert.ok(lines.some((line) => line.startsWith('LYNKR_MAX_TOOL_TURNS means something else in lynkr: Lynkr answered 429')), lines.join('\n'))
  assert.deepEqual(migrateLynkrEnv({}).differentMeaning, [])
})

test('the README\'s migration tables are generated from this table', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
  assert.ok(readme.includes(renderMigrationTable()), 'regenerate with: node scripts/migration-table.mjs')
})

test('aliases convert units and never override lynkr\'s own variable', () => {
  const migration = migrateLynkrEnv({ SESSION_DB_PATH: '/var/lib/lynkr/sessions.db', CIRCUIT_BREAKER_TIMEOUT: '60000', GRACEFUL_SHUTDOWN_TIMEOUT: '30000', SHUTDOWN_GRACE_MS: '5000', LOAD_SHEDDING_HEAP_THRESHOLD: '0.5' })
  assert.equal(migration.env.LYNKR_DATA_DIR, '/var/lib/lynkr')
  assert.equal(migration.env.CIRCUIT_BREAKER_COOLDOWN_MS, '60000')
  assert.equal(migration.env.SHUTDOWN_GRACE_MS, '5000')
  assert.deepEqual(migration.shadowed, [{ from: 'GRACEFUL_SHUTDOWN_TIMEOUT', to: 'SHUTDOWN_GRACE_MS' }])
  assert.ok(Number(migration.env.LOAD_SHED_MAX_HEAP_USED) > 1_000_000, 'a fraction of the heap limit, in bytes')
  assert.equal(migrateLynkrEnv({ MEMORY_DECAY_HALF_LIFE: '14' }).env.MEMORY_DECAY_HALF_LIFE_DAYS, '14', 'Lynkr counted days too')
  assert.equal(migrateLynkrEnv({ MEMORY_DECAY_HALF_LIFE: '14', MEMORY_DECAY_ENABLED: 'true' }).env.MEMORY_DECAY_HALF_LIFE_DAYS, '14')
  assert.equal(migrateLynkrEnv({ MEMORY_DECAY_HALF_LIFE: '14', MEMORY_DECAY_ENABLED: 'false' }).env.MEMORY_DECAY_HALF_LIFE_DAYS, '0', 'decay off: no decay')
  assert.equal(migrateLynkrEnv({ MEMORY_DECAY_HALF_LIFE: '14', MEMORY_DECAY_HALF_LIFE_DAYS: '7' }).env.MEMORY_DECAY_HALF_LIFE_DAYS, '7')
  assert.throws(() => migrateLynkrEnv({ MEMORY_DECAY_HALF_LIFE: 'a month' }), /MEMORY_DECAY_HALF_LIFE="a month"/)
  assert.throws(() => migrateLynkrEnv({ API_RETRY_MAX_RETRIES: 'three' }), /API_RETRY_MAX_RETRIES="three" \(Lynkr's name for UPSTREAM_MAX_RETRIES/)
})

test('providers are enabled by credentials, never by an endpoint or a model', async () => {
  for (const entry of catalog) {
    // A service's enabledBy is its on/off switch (MEMORY_ENABLED), not a credential.
    if (entry.enabledBy === undefined || entry.kind !== 'provider') continue
    const { manifest } = await entry.load()
    for (const name of entry.enabledBy) {
      assert.ok(manifest.secrets?.includes(name) === true || name.endsWith('_AUTH'), `${entry.id} is enabled by ${name}, which is not a credential`)
    }
  }
})

test('every alias the migration promises lands on lynkr\'s variable in lynkr\'s unit', () => {
  // Lynkr's value → lynkr's variable and value. Lynkr counted all of these in ms, as lynkr does; the load-shedding
  // fractions become bytes and SESSION_DB_PATH's file becomes lynkr's data directory.
  const cases: Array<[string, string, string, string]> = [
    ['API_RETRY_MAX_RETRIES', '3', 'UPSTREAM_MAX_RETRIES', '3'],
    ['API_RETRY_INITIAL_DELAY', '1000', 'UPSTREAM_RETRY_BASE_MS', '1000'],
    ['API_RETRY_MAX_DELAY', '30000', 'UPSTREAM_RETRY_MAX_DELAY_MS', '30000'],
    ['CIRCUIT_BREAKER_TIMEOUT', '60000', 'CIRCUIT_BREAKER_COOLDOWN_MS', '60000'],
    ['LYNKR_STREAM_IDLE_TIMEOUT_MS', '45000', 'UPSTREAM_IDLE_TIMEOUT_MS', '45000'],
    ['LYNKR_STICKY_TTL_MS', '21600000', 'ROUTER_SESSION_TTL_MS', '21600000'],
    ['GRACEFUL_SHUTDOWN_TIMEOUT', '30000', 'SHUTDOWN_GRACE_MS', '30000'],
    ['LOAD_SHEDDING_ACTIVE_REQUESTS_THRESHOLD', '1000', 'LOAD_SHED_MAX_CONCURRENT_UPSTREAM', '1000'],
    ['LOAD_SHEDDING_MEMORY_THRESHOLD', '0.5', 'LOAD_SHED_MAX_RSS', String(Math.floor(0.5 * totalmem()))],
    ['LOAD_SHEDDING_HEAP_THRESHOLD', '0.5', 'LOAD_SHED_MAX_HEAP_USED', String(Math.floor(0.5 * getHeapStatistics().heap_size_limit))],
    ['SESSION_DB_PATH', './data/sessions.db', 'LYNKR_DATA_DIR', './data'],
    ['SESSION_DB_PATH', ':memory:', 'LYNKR_DATA_DIR', ':memory:'],
    ['OLLAMA_API_BASE', 'http://ollama:11434', 'OLLAMA_ENDPOINT', 'http://ollama:11434'],
    ['LYNKR_HEALTH_PROBE_INTERVAL_MS', '60000', 'HEALTH_PROBE_INTERVAL_MS', '60000'],
    ['LYNKR_HEALTH_PROBE_TIMEOUT_MS', '2000', 'HEALTH_PROBE_TIMEOUT_MS', '2000'],
    ['LYNKR_HEALTH_PROBE_ENABLED', 'false', 'HEALTH_PROBE_INTERVAL_MS', '0']
  ]
  for (const [from, value, to, expected] of cases) {
    const migration = migrateLynkrEnv({ [from]: value })
    assert.equal(migration.env[to], expected, `${from}=${value}`)
    assert.deepEqual(migration.aliases, [{ from, to, value: expected }], `${from} is reported as an alias`)
    assert.equal(migration.env[from], value, 'Lynkr\'s own variable is left as it was')
  }
  // Lynkr read an interval of 0 as its default (30 s), not as "off"; its switch off wins over any interval.
  assert.equal(migrateLynkrEnv({ LYNKR_HEALTH_PROBE_INTERVAL_MS: '0' }).env.HEALTH_PROBE_INTERVAL_MS, undefined)
  assert.equal(migrateLynkrEnv({ LYNKR_HEALTH_PROBE_INTERVAL_MS: '60000', LYNKR_HEALTH_PROBE_ENABLED: 'false' }).env.HEALTH_PROBE_INTERVAL_MS, '0')
  // Values the target would refuse are refused under Lynkr's name, before any plugin sees them.
  for (const [from, bad] of [['LYNKR_STREAM_IDLE_TIMEOUT_MS', '45s'], ['CIRCUIT_BREAKER_TIMEOUT', '-1'], ['LOAD_SHEDDING_MEMORY_THRESHOLD', '85'], ['GRACEFUL_SHUTDOWN_TIMEOUT', '30 s']]) {
    assert.throws(() => migrateLynkrEnv({ [from!]: bad }), new RegExp(`${from}="${bad}" \\(Lynkr's name for`), `${from}=${bad}`)
  }
})

test('the Lynkr variables only an opt-in plugin reads are the ones its manifest declares (providers aside)', async () => {
  // Lynkr's name → the variable lynkr reads for it (the same name, or an alias's target).
  const lynkrSide = new Map<string, string>([...SAME_NAME.map((name): [string, string] => [name, name]), ...Object.entries(ALIASES).map(([from, { to }]): [string, string] => [from, to])])
  // What a boot with no configuration runs (storage comes with the usage ledger) is never off.
  const bare = await buildServer({ env: { LYNKR_DATA_DIR: ':memory:', HEALTH_PROBE_INTERVAL_MS: '0' }, logger: false })
  await bare.ready()
  const alwaysOn = [...bare.lynkr.plugins]
  await bare.close()
  const expected: Record<string, string[]> = {}
  for (const entry of catalog) {
    if (alwaysOn.includes(entry.id) || entry.kind === 'provider') continue
    const { manifest } = await entry.load()
    const declared = Object.keys((manifest.env as { properties?: Record<string, unknown> }).properties ?? {})
    for (const [lynkrName, ours] of lynkrSide) {
      // A plugin's own switch turns it on: setting it never leaves the plugin off.
      if (declared.includes(ours) && !(entry.enabledBy ?? []).includes(ours)) (expected[entry.id] ??= []).push(lynkrName)
    }
  }
  const sorted = (table: Record<string, string[]>): Record<string, string[]> => Object.fromEntries(Object.keys(table).sort().map((id) => [id, [...table[id]!].sort()]))
  assert.deepEqual(sorted(READ_BY_OPT_IN_PLUGIN), sorted(expected))
})

test('Lynkr variables read only by a plugin that is off are reported with how to turn it on', () => {
  const env = { MEMORY_RETRIEVAL_LIMIT: '5', MEMORY_DEDUP_ENABLED: 'false', WORKSPACE_ROOT: '/src', HISTORY_KEEP_RECENT_TURNS: '10', HISTORY_COMPRESSION_ENABLED: 'false' }
  const off = withPluginsOff(migrateLynkrEnv(env), env, ['router', 'provider-ollama'])
  // MEMORY_DEDUP_ENABLED=false asks for nothing; history's settings sit under Lynkr's own switch, which is off.
  assert.deepEqual(off.pluginsOff, { memory: ['MEMORY_RETRIEVAL_LIMIT'], 'workspace-tools': ['WORKSPACE_ROOT'] })
  const line = describeMigration(off).find((text) => text.includes('plugins that are off'))
  assert.equal(line, '2 Lynkr variable(s) set here are read by lynkr plugins that are off, so they have no effect — memory (to turn it on, set MEMORY_ENABLED): MEMORY_RETRIEVAL_LIMIT; workspace-tools (to turn it on, set WORKSPACE_TOOLS_ENABLED): WORKSPACE_ROOT')
  assert.deepEqual(withPluginsOff(migrateLynkrEnv(env), env, ['memory', 'workspace-tools']).pluginsOff, {}, 'plugins on: nothing to say')
})
