import { LynkrConfigError } from '@lynkr/core'
import { ALIASES, ALWAYS_ON, DIFFERENT_MEANING, OFF_VALUES, READ_BY_OPT_IN_PLUGIN, SWITCHES, UNSUPPORTED } from './lynkr-variables.ts'
import { pluginIndex } from '../plugin-index.generated.ts'

export interface LynkrMigration {
  /** The environment with Lynkr's renamed variables copied to lynkr's names (the input is never changed). */
  env: Record<string, string | undefined>
  /** Aliases that took effect: Lynkr's variable, lynkr's, and the converted value. */
  aliases: Array<{ from: string, to: string, value: string }>
  /** Aliases not applied because lynkr's own variable is set too (it wins). */
  shadowed: Array<{ from: string, to: string }>
  /** Lynkr variables set that lynkr does not support (yet), by feature. */
  unsupported: Record<string, string[]>
  /** Lynkr variables set that lynkr reads under the same name with another meaning. */
  differentMeaning: string[]
  /** Lynkr variables set that only a plugin which is off reads, by plugin (filled in once the plugins are chosen). */
  pluginsOff: Record<string, string[]>
}

function present (env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** Whether a feature switch above this setting is off (explicitly, or by Lynkr's default). */
function switchedOff (env: Record<string, string | undefined>, name: string): boolean {
  return SWITCHES.some(({ prefix, variable, onByDefault }) => {
    if (name === variable || !name.startsWith(prefix)) return false
    const value = present(env, variable)?.toLowerCase()
    return value === undefined ? !onByDefault : OFF_VALUES.includes(value)
  })
}

/** Applies Lynkr's renamed variables and lists the ones lynkr does not support. Throws on an alias value it cannot convert. */
export function migrateLynkrEnv (input: Record<string, string | undefined>): LynkrMigration {
  const env = { ...input }
  const aliases: LynkrMigration['aliases'] = []
  const shadowed: LynkrMigration['shadowed'] = []
  for (const [from, alias] of Object.entries(ALIASES)) {
    const value = present(input, from)
    if (value === undefined) continue
    if (present(input, alias.to) !== undefined) { shadowed.push({ from, to: alias.to }); continue }
    const converted = alias.convert(value)
    if (converted === null) continue
    if (converted === undefined) throw new LynkrConfigError(`${from}="${value}" (Lynkr's name for ${alias.to}: ${alias.note}) is not a valid value`, from)
    env[alias.to] = converted
    aliases.push({ from, to: alias.to, value: converted })
  }

  const unsupported: Record<string, string[]> = {}
  const report = (feature: string, name: string): void => { (unsupported[feature] ??= []).push(name) }
  for (const [feature, { variables, fineWhen }] of Object.entries(UNSUPPORTED)) {
    for (const name of variables) {
      const value = present(input, name)?.toLowerCase()
      if (value === undefined || OFF_VALUES.includes(value) || fineWhen?.[name]?.includes(value) === true || switchedOff(input, name)) continue
      report(feature, name)
    }
  }
  for (const name of Object.keys(ALWAYS_ON)) {
    const value = present(input, name)?.toLowerCase()
    if (value !== undefined && OFF_VALUES.includes(value)) report('cannot be turned off', name)
  }
  const differentMeaning = Object.keys(DIFFERENT_MEANING).filter((name) => present(input, name) !== undefined)
  return { env, aliases, shadowed, unsupported, differentMeaning, pluginsOff: {} }
}

/** The migration with the Lynkr variables that only a plugin left off would read (`enabled`: the plugins that are on). */
export function withPluginsOff (migration: LynkrMigration, input: Record<string, string | undefined>, enabled: readonly string[]): LynkrMigration {
  const pluginsOff: Record<string, string[]> = {}
  for (const [plugin, names] of Object.entries(READ_BY_OPT_IN_PLUGIN)) {
    if (enabled.includes(plugin)) continue
    for (const name of names) {
      const value = present(input, name)?.toLowerCase()
      // A setting that turns something off, or one under a Lynkr switch that is off, asks for nothing.
      if (value === undefined || OFF_VALUES.includes(value) || switchedOff(input, name)) continue
      ;(pluginsOff[plugin] ??= []).push(name)
    }
  }
  return { ...migration, pluginsOff }
}

/** How to turn a plugin on, from its manifest's switches. */
function turnOn (plugin: string): string {
  const switches = pluginIndex[plugin]?.enabledBy ?? []
  return switches.length === 0 ? `add it to LYNKR_PLUGINS` : `set ${switches.join(' or ')}`
}

/** The one boot warning's text: every unsupported Lynkr variable that is set, grouped by feature (undefined when none is). */
export function unsupportedSummary (unsupported: Record<string, string[]>): string | undefined {
  const groups = Object.entries(unsupported)
  if (groups.length === 0) return undefined
  const count = groups.reduce((sum, [, names]) => sum + names.length, 0)
  return `${count} Lynkr variable(s) set here are not supported by lynkr (yet) and have no effect — ` +
    groups.map(([feature, names]) => `${feature}: ${names.join(', ')}`).join('; ') + ' (README: Migrating from Lynkr)'
}

/** The same, a line per feature with the reason, for a person at a terminal (lynkr doctor). */
export function unsupportedByFeature (unsupported: Record<string, string[]>): string[] {
  return Object.entries(unsupported).map(([feature, names]) => {
    const reason = UNSUPPORTED[feature]?.reason
    return `${feature}: ${names.join(', ')}${reason === undefined ? '' : ` — ${reason}`}`
  })
}

/** The boot notes: the unsupported variables (one warning), aliases shadowed by lynkr's own names, names that mean something else here. */
export function describeMigration (migration: LynkrMigration): string[] {
  const lines: string[] = []
  const summary = unsupportedSummary(migration.unsupported)
  if (summary !== undefined) lines.push(summary)
  for (const { from, to } of migration.shadowed) lines.push(`${from} is ignored: ${to} is set too and wins (${from} is Lynkr's name for it)`)
  const off = Object.entries(migration.pluginsOff)
  if (off.length > 0) {
    const count = off.reduce((sum, [, names]) => sum + names.length, 0)
    lines.push(`${count} Lynkr variable(s) set here are read by lynkr plugins that are off, so they have no effect — ` +
      off.map(([plugin, names]) => `${plugin} (to turn it on, ${turnOn(plugin)}): ${names.join(', ')}`).join('; '))
  }
  for (const name of migration.differentMeaning) lines.push(`${name} means something else in lynkr: ${DIFFERENT_MEANING[name]} (README: Migrating from Lynkr)`)
  return lines
}
