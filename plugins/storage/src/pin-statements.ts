import type Database from 'better-sqlite3'

/**
 * better-sqlite3 12 on Node 24 aborts the process when a Statement is garbage-collected outside a JS
 * context (its destructor calls RemoveEnvironmentCleanupHook with no Environment; reported upstream as
 * WiseLibs/better-sqlite3#1515 and closed unfixed; version 13, which avoids it, needs Node 22). Kysely prepares
 * a statement per query, so this handle keeps one prepared statement per SQL text for the database's
 * lifetime and never leaves one to the GC. Our queries have a fixed set of shapes, so the cache stays small.
 */
export function pinStatements (database: Database.Database): Database.Database {
  const prepared = new Map<string, Database.Statement>()
  const prepare = database.prepare.bind(database)
  Object.defineProperty(database, 'prepare', {
    value: (source: string) => {
      let statement = prepared.get(source)
      if (statement === undefined) {
        statement = prepare(source)
        prepared.set(source, statement)
      }
      return statement
    }
  })
  return database
}
