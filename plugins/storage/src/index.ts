import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { existsSync, mkdirSync } from 'node:fs'
import { resolve, join } from 'node:path'
import { createRequire } from 'node:module'
import Database from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import type { Migration } from 'kysely'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { pinStatements } from './pin-statements.ts'
import { SqliteHiddenHistoryStore, hiddenHistoryMigrations } from './hidden-history-store.ts'
import { LynkrConfigError } from '@lynkr/core'

/**
 * The tables of the embedded store. Empty here: each plugin that stores something augments it
 * (`declare module '@lynkr/storage' { interface LynkrDatabase { usage_ledger: UsageLedgerTable } }`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface LynkrDatabase {}

declare module 'fastify' {
  interface FastifyInstance {
    /** The embedded SQLite store (Kysely over better-sqlite3), shared by every plugin that persists data. */
    sqlite: Kysely<LynkrDatabase>
    /** The same database's better-sqlite3 handle, for prepared statements on hot paths (Kysely compiles per call). */
    sqliteHandle: SqliteHandle
  }
}

export type SqliteHandle = Database.Database

const require = createRequire(import.meta.url)

/** The better-sqlite3 module path, for worker threads that open their own connection to the store. */
export function sqliteDriverPath (): string {
  return require.resolve('better-sqlite3')
}

export interface StorageOptions {
  /** Directory holding lynkr.db, or ':memory:' for a store that lives as long as the process. */
  dataDir: string
}

/** Where the database file lives for a data dir (`:memory:` stays in memory). */
export function databasePath (dataDir: string): string {
  return dataDir === ':memory:' ? ':memory:' : join(resolve(dataDir), 'lynkr.db')
}

export function openDatabase (dataDir: string): Kysely<LynkrDatabase> {
  return openStore(dataDir).db
}

/** The store as Kysely (queries, migrations) and as the raw handle both sit on. */
export function openStore (dataDir: string): { db: Kysely<LynkrDatabase>, handle: SqliteHandle } {
  const path = databasePath(dataDir)
  if (path !== ':memory:') {
    try {
      mkdirSync(resolve(dataDir), { recursive: true })
    } catch (error) {
      throw new LynkrConfigError(`LYNKR_DATA_DIR="${dataDir}" cannot be created: ${(error as Error).message}`, 'LYNKR_DATA_DIR')
    }
  }
  const database = pinStatements(new Database(path, { timeout: 5000 }))
  // WAL lets readers (the usage endpoint) run while a request writes; NORMAL is durable enough in WAL mode.
  // exec, not pragma(): pragma() makes a throwaway statement (see pinStatements).
  database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
  return { db: new Kysely<LynkrDatabase>({ dialect: new SqliteDialect({ database }) }), handle: database }
}

/** The store for reading only (the CLI's reports); undefined when nothing was ever written there. */
export function openStoreReadOnly (dataDir: string): SqliteHandle | undefined {
  const path = databasePath(dataDir)
  if (path === ':memory:' || !existsSync(path)) return undefined
  return new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 })
}

/**
 * Runs a plugin's in-code migrations, tracked in its own table (`lynkr_migrations_<plugin>`), so plugins
 * migrate independently and no file layout has to survive the build.
 */
export async function migrate (db: Kysely<any>, plugin: string, migrations: Record<string, Migration>): Promise<string[]> {
  const table = `lynkr_migrations_${plugin.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName
    throw new Error(`${plugin}: migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error })
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName)
}

async function storage (app: FastifyInstance, options: StorageOptions): Promise<void> {
  const { db, handle } = openStore(options.dataDir)
  app.decorate('sqlite', db)
  app.decorate('sqliteHandle', handle)
  app.addHook('onClose', async () => { await db.destroy() })
  app.log.debug(`embedded store at ${databasePath(options.dataDir)}`)
  // The gateway tool loop's hidden parts of mixed turns survive a restart.
  await migrate(db, 'gateway-tools', hiddenHistoryMigrations)
  const hidden = new SqliteHiddenHistoryStore(handle)
  hidden.prune(Date.now())
  app.lynkr.gatewayTools.history.persistIn(hidden)
}

export default fp(storage, { name: '@lynkr/storage', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'service',
  env: Type.Object({
    LYNKR_DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'directory of the embedded SQLite store (lynkr.db); :memory: keeps it in memory' })
  }),
  toOptions: (env): StorageOptions => ({ dataDir: env.LYNKR_DATA_DIR })
})

export type { Kysely, Migration } from 'kysely'
export { SqliteHiddenHistoryStore, hiddenHistoryMigrations } from './hidden-history-store.ts'
