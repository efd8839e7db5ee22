import type { FastifyInstance } from 'fastify'
import sensible from '@fastify/sensible'
import lynkrCore from '@lynkr/core'
import { registerSecrets, secretVariables } from '@lynkr/protocol'
import type { ExtraPlugin, LynkrCore } from '@lynkr/core/gateway'
import { catalog, tokenPhases } from './catalog.ts'
import { migrateLynkrEnv, withPluginsOff } from './migrate/migrate-env.ts'
import { reportMigration } from './migrate/report-migration.ts'

/** The running gateway an embedder can reach: providers, routing, events (usage, fallbacks), status. */
export type LynkrGateway = LynkrCore

export interface LynkrAppOptions {
  /** Variables to configure from (defaults to process.env); embedders pass their own record. */
  env?: Record<string, string | undefined>
  /** An undici dispatcher for every upstream call (owned by the caller). */
  dispatcher?: unknown
  /**
   * Where the SQLite store (lynkr.db and its -wal/-shm files) lives; `':memory:'` writes nothing to disk.
   * Overrides LYNKR_DATA_DIR, whose default is ./data under the working directory.
   */
  dataDir?: string
  /**
   * Called with this instance's gateway once it is ready. Its decorator lives inside the prefix lynkr is
   * registered under, so the host's own instance has no `lynkr`: this is the typed way to reach it.
   */
  onReady?: (gateway: LynkrGateway) => void | Promise<void>
  /**
   * Your own plugins (a module with a fastify-plugin default export and a `manifest`): they join the same
   * composition as the built-in ones (dependency order, env slice, boot errors). See docs/extending.md.
   */
  plugins?: readonly ExtraPlugin[]
}

/**
 * The whole gateway as one encapsulated Fastify plugin: `host.register(lynkr, { prefix: '/llm', env })`
 * keeps our decorators, hooks and error handler inside that prefix.
 */
export default async function lynkrApp (app: FastifyInstance, options: LynkrAppOptions): Promise<void> {
  const env = options.env ?? process.env
  // Upstream error text that quotes a configured key is scrubbed before it is logged or returned.
  registerSecrets(secretVariables(env))
  await app.register(sensible)
  // A Lynkr .env works as is: renamed variables become lynkr's, unsupported ones are listed once.
  const migration = migrateLynkrEnv(env)
  await app.register(lynkrCore, {
    catalog,
    tokenPhases,
    env: options.dataDir === undefined ? migration.env : { ...migration.env, LYNKR_DATA_DIR: options.dataDir },
    dispatcher: options.dispatcher,
    plugins: options.plugins
  })
  reportMigration(app, withPluginsOff(migration, env, app.lynkr.plugins))
  const onReady = options.onReady
  if (onReady !== undefined) app.addHook('onReady', async () => { await onReady(app.lynkr) })
}
