import type { Kysely, Migration } from 'kysely'
import { sql } from 'kysely'

export type MemoryKind = 'preference' | 'decision' | 'fact' | 'entity' | 'note'

export interface MemoriesTable {
  id: number | undefined
  /** A workspace's scope token (`w…`) or `global`. */
  scope: string
  kind: string
  content: string
  /** 0..1, set by surprise (explicit statements get a floor). */
  importance: number
  access_count: number
  created_at: number
  last_accessed_at: number
  /** Set when a newer memory superseded this one or it was forgotten; retired rows leave the index. */
  retired_at: number | null
  superseded_by: number | null
  /** Where it came from: 'extracted', 'tool', 'api'. */
  source: string
}

declare module '@lynkr/storage' {
  interface LynkrDatabase { memories: MemoriesTable }
}

/**
 * The FTS5 index holds only live memories. `scope` is an indexed column, so a project's search is one
 * MATCH (`scope:w… AND (…)`) and never reads another project's postings. Porter stems English words
 * ("preferring" finds "prefer"). Standalone (not external content): rowid = memories.id.
 */
export const FTS_TABLE_SQL = "create virtual table memory_fts using fts5(content, scope, tokenize = 'porter unicode61 remove_diacritics 2')"

export const migrations: Record<string, Migration> = {
  '0001_memories': {
    async up (db: Kysely<any>) {
      await db.schema.createTable('memories')
        .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
        .addColumn('scope', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('content', 'text', (column) => column.notNull())
        .addColumn('importance', 'real', (column) => column.notNull())
        .addColumn('access_count', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('last_accessed_at', 'integer', (column) => column.notNull())
        .addColumn('retired_at', 'integer')
        .addColumn('superseded_by', 'integer')
        .addColumn('source', 'text', (column) => column.notNull())
        .execute()
      await db.schema.createIndex('memories_scope_live').on('memories').columns(['scope', 'retired_at', 'created_at']).execute()
      await sql.raw(FTS_TABLE_SQL).execute(db)
    },
    async down (db: Kysely<any>) {
      await sql.raw('drop table memory_fts').execute(db)
      await db.schema.dropTable('memories').execute()
    }
  },
  '0002_memory_injections': {
    // What was injected into which user message of which session: re-applied byte for byte on later requests.
    async up (db: Kysely<any>) {
      await db.schema.createTable('memory_injections')
        .addColumn('session', 'text', (column) => column.notNull())
        .addColumn('anchor', 'text', (column) => column.notNull())
        .addColumn('text', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('memory_injections_pk', ['session', 'anchor'])
        .execute()
      await db.schema.createIndex('memory_injections_created').on('memory_injections').column('created_at').execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.dropTable('memory_injections').execute()
    }
  },
  '0003_memory_injection_ids': {
    // Which memories each injection holds (comma-separated ids): dedup knows what a session was already shown, across restarts.
    async up (db: Kysely<any>) {
      await db.schema.alterTable('memory_injections').addColumn('memory_ids', 'text', (column) => column.notNull().defaultTo('')).execute()
    },
    async down (db: Kysely<any>) {
      await db.schema.alterTable('memory_injections').dropColumn('memory_ids').execute()
    }
  }
}

export interface MemoryInjectionsTable { session: string, anchor: string, text: string, created_at: number, memory_ids: string }

declare module '@lynkr/storage' {
  interface LynkrDatabase { memory_injections: MemoryInjectionsTable }
}
