import { createHash } from 'node:crypto'
import type { Kysely, Migration } from 'kysely'

export interface ToolFingerprintsTable {
  server: string
  tool: string
  fingerprint: string
  approved_at: number
}

declare module '@lynkr/storage' {
  interface LynkrDatabase { mcp_tool_fingerprints: ToolFingerprintsTable }
}

export const migrations: Record<string, Migration> = {
  '0001_mcp_tool_fingerprints': {
    async up (db: Kysely<any>) {
      await db.schema.createTable('mcp_tool_fingerprints')
        .addColumn('server', 'text', (column) => column.notNull())
        .addColumn('tool', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('approved_at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('mcp_tool_fingerprints_pk', ['server', 'tool'])
        .execute()
    }
  }
}

/** What the model is told about a tool: a change to any of it after approval is a possible rug pull. */
export function fingerprintOf (tool: { description?: string | undefined, inputSchema?: unknown, title?: string | undefined }): string {
  return createHash('sha256').update(JSON.stringify([tool.title ?? null, tool.description ?? null, canonical(tool.inputSchema ?? null)])).digest('hex')
}

/** JSON with sorted keys: a server that reorders its schema's properties has not changed the tool. */
function canonical (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([key, item]) => [key, canonical(item)]))
  return value
}

export type Verdict = 'approved' | 'first-seen' | 'changed'

/**
 * Fingerprints of the tools each server offered when they were first seen (trust on first use), kept in the
 * embedded store so a restart does not re-approve a changed tool.
 */
export class Fingerprints {
  private readonly db: Kysely<{ mcp_tool_fingerprints: ToolFingerprintsTable }>
  constructor (db: Kysely<any>) { this.db = db }

  async check (server: string, tool: string, fingerprint: string): Promise<Verdict> {
    const row = await this.db.selectFrom('mcp_tool_fingerprints').select('fingerprint').where('server', '=', server).where('tool', '=', tool).executeTakeFirst()
    if (row === undefined) {
      await this.approve(server, tool, fingerprint)
      return 'first-seen'
    }
    return row.fingerprint === fingerprint ? 'approved' : 'changed'
  }

  /** Records (or re-records, after an operator reviewed the change) what the tool looks like now. */
  async approve (server: string, tool: string, fingerprint: string): Promise<void> {
    await this.db.insertInto('mcp_tool_fingerprints').values({ server, tool, fingerprint, approved_at: Date.now() })
      .onConflict((conflict) => conflict.columns(['server', 'tool']).doUpdateSet({ fingerprint, approved_at: Date.now() }))
      .execute()
  }
}
