/** Test helpers for plugin selection (core's own tests). */
import assert from 'node:assert/strict'
import type { CatalogEntry, LynkrPluginModule } from '../catalog.ts'
import { LynkrConfigError } from '../config-error.ts'

const neverLoaded = async (): Promise<never> => { throw new Error('selectPlugins must not load this plugin') }

/**
 * A catalog entry named @lynkr/<id>. Selection never loads a provider's module (it throws here); another
 * kind's it may load to ask its manifest (`selectProviders`): `module`, or one that selects nothing.
 */
export const catalogEntry = (fields: Omit<CatalogEntry, 'load' | 'packageName'>, module?: LynkrPluginModule): CatalogEntry => {
  const loaded = module ?? (fields.kind === 'provider' ? undefined : { default: async () => {}, manifest: { kind: fields.kind, env: {} as never, toOptions: () => ({}) } })
  return { ...fields, packageName: `@lynkr/${fields.id}`, load: loaded === undefined ? neverLoaded : async () => loaded }
}

/** For assert.throws: a LynkrConfigError naming `variable`, its message matching every fragment. */
export function configError (variable: string, ...fragments: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LynkrConfigError, `expected LynkrConfigError, got ${String(error)}`)
    assert.equal(error.variable, variable)
    for (const fragment of fragments) assert.match(error.message, fragment)
    return true
  }
}
