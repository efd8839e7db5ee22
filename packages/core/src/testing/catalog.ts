/** Test helpers for plugin selection (core's own tests). */
import assert from 'node:assert/strict'
import type { CatalogEntry } from '../catalog.ts'
import { LynkrConfigError } from '../config-error.ts'

const neverLoaded = async (): Promise<never> => { throw new Error('selectPlugins must not load plugins') }

/** A catalog entry named @lynkr/<id> whose plugin must never be loaded. */
export const catalogEntry = (fields: Omit<CatalogEntry, 'load' | 'packageName'>): CatalogEntry => ({ ...fields, packageName: `@lynkr/${fields.id}`, load: neverLoaded })

/** For assert.throws: a LynkrConfigError naming `variable`, its message matching every fragment. */
export function configError (variable: string, ...fragments: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof LynkrConfigError, `expected LynkrConfigError, got ${String(error)}`)
    assert.equal(error.variable, variable)
    for (const fragment of fragments) assert.match(error.message, fragment)
    return true
  }
}
