import type { FastifyInstance } from 'fastify'
import { describeMigration } from './migrate-env.ts'
import type { LynkrMigration } from './migrate-env.ts'

/** One boot warning (core logs the notes once, when ready) and a `lynkrVariables` section in /health/ready. */
export function reportMigration (app: FastifyInstance, migration: LynkrMigration): void {
  app.lynkr.notes.push(...describeMigration(migration))
  if (migration.aliases.length === 0 && migration.shadowed.length === 0 && migration.differentMeaning.length === 0 && Object.keys(migration.unsupported).length === 0 && Object.keys(migration.pluginsOff).length === 0) return
  app.lynkr.status.set('lynkrVariables', () => ({
    aliases: Object.fromEntries(migration.aliases.map(({ from, to, value }) => [from, { as: to, value }])),
    ignored: Object.fromEntries(migration.shadowed.map(({ from, to }) => [from, `${to} is set too and wins`])),
    unsupported: migration.unsupported,
    differentMeaning: migration.differentMeaning,
    readByPluginsOff: migration.pluginsOff
  }))
}
