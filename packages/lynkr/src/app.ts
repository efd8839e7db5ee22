import type { FastifyInstance } from 'fastify'
import sensible from '@fastify/sensible'
import lynkrCore from '@lynkr/core'
import { registerSecrets, secretVariables } from '@lynkr/protocol'
import { catalog } from './catalog.ts'
import { migrateLynkrEnv } from './migrate/migrate-env.ts'
import { reportMigration } from './migrate/report-migration.ts'

export interface LynkrAppOptions {
  /** Variables to configure from (defaults to process.env); embedders pass their own record. */
  env?: Record<string, string | undefined>
  /** An undici dispatcher for every upstream call (owned by the caller). */
  dispatcher?: unknown
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
  await app.register(lynkrCore, { catalog, env: migration.env, dispatcher: options.dispatcher })
  reportMigration(app, migration)
}
