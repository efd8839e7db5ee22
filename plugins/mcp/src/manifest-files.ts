import { readFileSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { expandVars } from './expand-vars.ts'
import type { ServerSpec } from './server-spec.ts'

export interface Discovery {
  servers: ServerSpec[]
  /** Problems in discovered files (skipped with a warning); problems in MCP_SERVER_MANIFEST are thrown. */
  warnings: string[]
}

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)

/** `~` and `~/…` mean the home directory, as in Lynkr's default `~/.claude/mcp`. */
export function expandHome (path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path
}

/**
 * Every server from MCP_SERVER_MANIFEST (one file; any problem is the caller's boot error) and from each
 * `*.json` in MCP_MANIFEST_DIRS (a missing directory is fine; a bad file is skipped with a warning).
 * Ids must be unique: a later duplicate is skipped.
 */
export function discoverServers (manifest: string | undefined, dirs: string[], env: Record<string, string | undefined>): Discovery {
  const warnings: string[] = []
  const servers: ServerSpec[] = []
  const seen = new Set<string>()
  const add = (found: ServerSpec[]): void => {
    for (const server of found) {
      if (seen.has(server.id)) {
        warnings.push(`${server.source}: MCP server id "${server.id}" is already defined; this one is skipped`)
        continue
      }
      seen.add(server.id)
      servers.push(server)
    }
  }
  if (manifest !== undefined && manifest.trim() !== '') {
    const path = resolve(expandHome(manifest.trim()))
    const problems: string[] = []
    add(readManifest(path, env, problems))
    if (problems.length > 0) throw new Error(`MCP_SERVER_MANIFEST: ${problems.join('; ')}`)
  }
  for (const dir of dirs) {
    const path = resolve(expandHome(dir))
    let names: string[]
    try {
      if (!statSync(path).isDirectory()) continue
      names = readdirSync(path).filter((name) => name.endsWith('.json')).sort()
    } catch { continue }
    for (const name of names) add(readManifest(join(path, name), env, warnings))
  }
  return { servers, warnings }
}

export function readManifest (path: string, env: Record<string, string | undefined>, problems: string[]): ServerSpec[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    problems.push(`${path}: ${(error as Error).message}`)
    return []
  }
  return parseManifest(parsed, path, env, problems)
}

/**
 * Lynkr's format (`{"servers": [{id, name, command, args, env, transport}]}` or a bare array) and Claude
 * Code's (`{"mcpServers": {"<id>": {type, command, args, env, url, headers}}}`, with `${VAR:-default}`).
 */
export function parseManifest (parsed: unknown, source: string, env: Record<string, string | undefined>, problems: string[]): ServerSpec[] {
  let entries: Array<[string | undefined, unknown]>
  if (Array.isArray(parsed)) entries = parsed.map((entry) => [undefined, entry])
  else if (isObject(parsed) && Array.isArray(parsed.servers)) entries = parsed.servers.map((entry) => [undefined, entry])
  else if (isObject(parsed) && isObject(parsed.mcpServers)) entries = Object.entries(parsed.mcpServers)
  else {
    problems.push(`${source}: expected {"servers": [...]}, a JSON array of servers or {"mcpServers": {...}}`)
    return []
  }
  const out: ServerSpec[] = []
  for (const [key, entry] of entries) {
    const server = parseServer(key, entry, source, env, problems)
    if (server !== undefined) out.push(server)
  }
  return out
}

function parseServer (key: string | undefined, entry: unknown, source: string, env: Record<string, string | undefined>, problems: string[]): ServerSpec | undefined {
  const where = `${source}: server ${key ?? (isObject(entry) ? JSON.stringify(entry.id ?? entry.name ?? '?') : '?')}`
  if (!isObject(entry)) {
    problems.push(`${where} is not an object`)
    return undefined
  }
  if (entry.disabled === true || entry.enabled === false) return undefined
  const missing = new Set<string>()
  const text = (value: unknown): string | undefined => typeof value === 'string' ? expandVars(value, env, missing) : undefined
  const record = (value: unknown, field: string): Record<string, string> => {
    if (value === undefined) return {}
    if (!isObject(value)) {
      problems.push(`${where}: ${field} must be an object of strings`)
      return {}
    }
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, text(typeof item === 'string' ? item : String(item)) ?? '']))
  }
  const rawId = key ?? (typeof entry.id === 'string' ? entry.id : typeof entry.name === 'string' ? entry.name : undefined)
  if (rawId === undefined || rawId.trim() === '') {
    problems.push(`${where}: needs an id`)
    return undefined
  }
  // The id becomes part of tool names: only letters, digits, _ and - (and no "__", which separates the parts).
  const id = rawId.trim().replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/__+/g, '_').slice(0, 24)
  const rawTransport = text(entry.type ?? entry.transport)?.toLowerCase()
  const transport = rawTransport === undefined ? (entry.url !== undefined && entry.command === undefined ? 'http' : 'stdio')
    : rawTransport === 'streamable-http' || rawTransport === 'streamablehttp' ? 'http' : rawTransport
  if (transport !== 'stdio' && transport !== 'http' && transport !== 'sse') {
    problems.push(`${where}: transport "${rawTransport}" is not stdio, http or sse`)
    return undefined
  }
  const args = entry.args === undefined ? [] : Array.isArray(entry.args) ? entry.args.map((arg) => text(String(arg)) ?? '') : undefined
  if (args === undefined) {
    problems.push(`${where}: args must be an array`)
    return undefined
  }
  const server: ServerSpec = {
    id,
    name: text(entry.name) ?? rawId,
    transport,
    args,
    env: record(entry.env, 'env'),
    headers: record(entry.headers, 'headers'),
    source
  }
  const cwd = text(entry.cwd)
  if (cwd !== undefined && cwd !== '') server.cwd = expandHome(cwd)
  if (transport === 'stdio') {
    const command = text(entry.command)
    if (command === undefined || command === '') {
      problems.push(`${where}: a stdio server needs a command`)
      return undefined
    }
    server.command = command
  } else {
    const url = text(entry.url)
    if (url === undefined || !/^https?:\/\//i.test(url)) {
      problems.push(`${where}: an ${transport} server needs an http(s) url`)
      return undefined
    }
    server.url = url
  }
  if (missing.size > 0) {
    problems.push(`${where}: ${[...missing].join(', ')} not set (use \${NAME:-default} for a default)`)
    return undefined
  }
  return server
}
