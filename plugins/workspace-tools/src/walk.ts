import { opendir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { FilePolicy } from '@lynkr/policy'

export interface WalkEntry {
  /** Path inside the workspace, with forward slashes. */
  relative: string
  real: string
  kind: 'file' | 'dir' | 'other'
  depth: number
}

/** Directories no search wants to enter unless asked for by path. */
export const SKIPPED_DIRS = new Set(['.git', 'node_modules'])

/**
 * The entries under a checked directory, breadth of one directory at a time, never following a symlink to a
 * directory (no loops, no escapes); a symlink to a file is shown only when it resolves inside and is allowed.
 * Blocked paths are left out as if absent. Stops after `limit` entries.
 */
export async function * walk (policy: FilePolicy, start: { real: string, relative: string }, options: { maxDepth: number, limit: number, skipDirs?: Set<string> }): AsyncGenerator<WalkEntry> {
  let seen = 0
  const queue: Array<{ real: string, relative: string, depth: number }> = [{ ...start, depth: 0 }]
  while (queue.length > 0) {
    const dir = queue.shift()!
    let handle
    try { handle = await opendir(dir.real) } catch { continue }
    const names: Array<{ name: string, kind: WalkEntry['kind'], link: boolean }> = []
    for await (const entry of handle) names.push({ name: entry.name, kind: entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other', link: entry.isSymbolicLink() })
    names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    for (const entry of names) {
      const relative = dir.relative === '.' ? entry.name : `${dir.relative}/${entry.name}`
      let real = join(dir.real, entry.name)
      let kind = entry.kind
      if (entry.link) {
        try {
          const target = await policy.resolve(relative)
          real = target.real
          kind = 'other'
          if ((await stat(real)).isFile()) kind = 'file'
        } catch { continue }
      } else if (!policy.visible(real)) continue
      if (++seen > options.limit) return
      yield { relative, real, kind, depth: dir.depth + 1 }
      if (kind === 'dir' && dir.depth + 1 < options.maxDepth && !(options.skipDirs?.has(entry.name) ?? false)) queue.push({ real, relative, depth: dir.depth + 1 })
    }
  }
}
