import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { LynkrConfigError, readPluginEnv } from '@lynkr/core'
import { databasePath, openStore } from '@lynkr/storage'
import { MemoryService, MemoryStore, manifest, memoryView } from '@lynkr/memory'
import type { MemoryView } from '@lynkr/memory'
import { renderTable } from './render-table.ts'

export interface MemoryCommandOptions {
  /** The project: the working directory Claude Code states (default: this directory), or an x-lynkr-workspace name. */
  project?: string
  limit?: string
  json?: boolean
}

/** A path given as `.`/`./x`/`../x` is this machine's directory; anything else is the workspace as the client names it. */
export function projectOf (project: string | undefined, cwd = process.cwd()): string {
  if (project === undefined || project.trim() === '') return cwd
  const text = project.trim()
  return text === '.' || text === '..' || text.startsWith('./') || text.startsWith('../') ? resolve(cwd, text) : text
}

function limitOf (text: string | undefined): number {
  if (text === undefined) return 50
  const limit = Number(text)
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new LynkrConfigError(`--limit "${text}" must be a whole number from 1 to 10000`)
  return limit
}

/** `lynkr memory list|search <query>|forget <id>`: the memory store under LYNKR_DATA_DIR, for one project (and the global memories). */
export async function memoryCommand (args: string[], options: MemoryCommandOptions, write: (text: string) => void = (text) => process.stdout.write(text)): Promise<number> {
  const [action, ...rest] = args
  if (action !== 'list' && action !== 'search' && action !== 'forget') {
    throw new LynkrConfigError(`lynkr memory ${action ?? ''}: use list, search <query> or forget <id>`.replace('  ', ' '))
  }
  const project = projectOf(options.project)
  const limit = limitOf(options.limit)
  const dataDir = process.env.LYNKR_DATA_DIR?.trim() || './data'
  const settings = manifest.toOptions(readPluginEnv(manifest.env, process.env, '@lynkr/memory'), { env: process.env })
  if (!existsSync(databasePath(dataDir))) return nothing(`No memories: there is no store at ${databasePath(dataDir)} (LYNKR_DATA_DIR).`, options, project, write)
  const { db, handle } = openStore(dataDir)
  try {
    if (handle.prepare("select 1 from sqlite_master where type = 'table' and name = 'memories'").get() === undefined) {
      return nothing('No memories: long-term memory has not run on this store yet (MEMORY_ENABLED=true turns it on).', options, project, write)
    }
    const memory = new MemoryService(new MemoryStore(db, handle), { retrievalLimit: settings.retrievalLimit, surpriseThreshold: settings.surpriseThreshold, includeGlobal: settings.includeGlobal, halfLifeDays: settings.halfLifeDays })
    if (action === 'forget') {
      const id = Number(rest[0]?.replace(/^#/, ''))
      if (rest.length !== 1 || !Number.isInteger(id)) throw new LynkrConfigError('lynkr memory forget takes one memory id (as listed by lynkr memory list)')
      const gone = await memory.store.forget(id, memory.scopes(project))
      if (options.json === true) write(JSON.stringify({ project, id, deleted: gone }) + '\n')
      else write(gone ? `Forgot memory ${id}.\n` : `No memory ${id} in ${project} or the global memories.\n`)
      return gone ? 0 : 1
    }
    const query = rest.join(' ').trim()
    if (action === 'search' && query === '') throw new LynkrConfigError('lynkr memory search needs a query: lynkr memory search "package manager"')
    const found = action === 'search' ? memory.search(query, project, limit) : await memory.store.list(memory.scopes(project), limit)
    const data = found.map(memoryView)
    if (options.json === true) { write(JSON.stringify({ project, data }, null, 2) + '\n'); return 0 }
    if (data.length === 0) { write(action === 'search' ? `No memories match "${query}" in ${project}.\n` : `No memories for ${project}.\n`); return 0 }
    write(`Memories for ${project}${action === 'search' ? ` matching "${query}"` : ''}:\n`)
    write(table(data) + '\n')
    return 0
  } finally {
    await db.destroy()
  }
}

function nothing (message: string, options: MemoryCommandOptions, project: string, write: (text: string) => void): number {
  write(options.json === true ? JSON.stringify({ project, data: [] }, null, 2) + '\n' : message + '\n')
  return 0
}

function table (data: MemoryView[]): string {
  return renderTable(['id', 'scope', 'kind', 'importance', 'recalled', 'created', 'memory'],
    data.map((memory) => [String(memory.id), memory.scope, memory.kind, memory.importance.toFixed(2), String(memory.access_count), memory.created_at.slice(0, 10), memory.content]),
    { rightAligned: 99 })
}
