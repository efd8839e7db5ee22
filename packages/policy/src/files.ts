import { constants, realpathSync } from 'node:fs'
import { lstat, open, realpath } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import picomatch from 'picomatch'
import { PolicyError } from './policy-error.ts'

export interface FilePolicyOptions {
  /** WORKSPACE_ROOT: nothing outside it is reachable. */
  root: string
  /** POLICY_FILE_ALLOWED_PATHS: when not empty, only paths matching one of these globs. */
  allowedPaths?: string[]
  /** POLICY_FILE_BLOCKED_PATHS: globs never reachable, even inside the workspace. */
  blockedPaths?: string[]
}

/** Secrets that commonly sit in a project; used when POLICY_FILE_BLOCKED_PATHS is not set. */
export const DEFAULT_BLOCKED_PATHS = ['.env', '.env.*', '.ssh', '.aws', '.netrc', '.npmrc', '.pypirc', '.git-credentials', '*.pem', '*.key', 'id_rsa', 'id_ecdsa', 'id_ed25519']

/** A checked path: `real` is where it is on disk (every symlink resolved), `relative` its name inside the workspace. */
export interface InsidePath { real: string, relative: string }

function isInside (root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

/**
 * Confinement to the workspace. A path is resolved against the root, `..` removed, then every symlink resolved
 * (for a path that does not exist yet, the nearest existing ancestor's real path plus the rest), and must still
 * be inside the root's real path; then the blocked and allowed globs apply to the real path inside the workspace.
 * Reading goes through `openFile`, which checks again what was actually opened (a symlink swapped in after the
 * check cannot redirect it).
 */
export class FilePolicy {
  readonly root: string
  private readonly allowed: Array<(path: string) => boolean>
  private readonly blocked: Array<{ pattern: string, test: (path: string) => boolean }>

  constructor (options: FilePolicyOptions) {
    this.root = realpathSync(resolve(options.root))
    this.allowed = (options.allowedPaths ?? []).map((pattern) => matcher(pattern))
    this.blocked = (options.blockedPaths ?? DEFAULT_BLOCKED_PATHS).map((pattern) => ({ pattern, test: matcher(pattern) }))
  }

  /** The real path of `path` (relative to the workspace, or absolute), or a PolicyError. */
  async resolve (path: string): Promise<InsidePath> {
    if (typeof path !== 'string' || path.includes('\0')) throw new PolicyError('WORKSPACE_ROOT', 'not a valid path')
    const lexical = resolve(this.root, path)
    if (!isInside(this.root, lexical)) throw new PolicyError('WORKSPACE_ROOT', `${path} is outside the workspace`)
    const real = await realOfNearest(lexical)
    if (!isInside(this.root, real)) throw new PolicyError('WORKSPACE_ROOT', `${path} leads outside the workspace (through a symlink)`)
    return this.check(real)
  }

  /** The blocked and allowed globs, for a real path already known to be inside. */
  check (real: string): InsidePath {
    if (!isInside(this.root, real)) throw new PolicyError('WORKSPACE_ROOT', `${real} is outside the workspace`)
    const inside = relative(this.root, real).split(sep).join('/')
    const hit = this.blocked.find((rule) => rule.test(inside))
    if (hit !== undefined) throw new PolicyError('POLICY_FILE_BLOCKED_PATHS', `${inside || '.'} matches the blocked path ${hit.pattern}`)
    if (this.allowed.length > 0 && inside !== '' && !this.allowed.some((test) => test(inside))) throw new PolicyError('POLICY_FILE_ALLOWED_PATHS', `${inside} is not in the allowed paths`)
    return { real, relative: inside === '' ? '.' : inside }
  }

  /** Whether a directory walk may show (and enter) this path; no error, just no. */
  visible (real: string): boolean {
    try { this.check(real); return true } catch { return false }
  }

  /**
   * Opens a file for reading without following a final symlink, then checks where the open descriptor really
   * points (Linux: /proc/self/fd), so a path swapped for a symlink between check and open is still refused.
   */
  async openFile (path: string): Promise<{ handle: FileHandle, path: InsidePath }> {
    const checked = await this.resolve(path)
    const handle = await open(checked.real, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const opened = process.platform === 'linux' ? await realpath(`/proc/self/fd/${handle.fd}`) : checked.real
      return { handle, path: this.check(opened) }
    } catch (error) {
      await handle.close()
      throw error
    }
  }
}

/** A path that may not exist yet: the real path of its nearest existing ancestor, plus the rest. */
async function realOfNearest (path: string): Promise<string> {
  let existing = path
  const rest: string[] = []
  for (;;) {
    try {
      const real = await realpath(existing)
      return rest.length === 0 ? real : join(real, ...rest.reverse())
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error
      // It exists but cannot be resolved: a dangling symlink, whose target may be anywhere once created.
      if (await lstat(existing).then(() => true, () => false)) throw new PolicyError('WORKSPACE_ROOT', `${existing} is a symlink to a path that does not exist (it could lead outside the workspace)`)
      const parent = resolve(existing, '..')
      if (parent === existing) return path
      rest.push(basename(existing))
      existing = parent
    }
  }
}

/**
 * A glob against the workspace-relative path. A pattern without a slash (`.env`, `*.pem`) matches that name
 * anywhere; a pattern names a directory's whole content too (`secrets` blocks `secrets/a/b`). A leading slash
 * (Lynkr's `/.env`, `/etc/passwd`) is read from the workspace root: everything outside is refused anyway.
 */
function matcher (raw: string): (path: string) => boolean {
  let pattern = raw.trim().replace(/\/+$/, '')
  if (isAbsolute(pattern)) pattern = pattern.replace(/^\/+/, '')
  const options = { dot: true, nocase: process.platform === 'darwin' || process.platform === 'win32' }
  const base = pattern.includes('/') ? pattern : `**/${pattern}`
  const test = picomatch([base, `${base}/**`], options)
  return (path) => path !== '' && test(path)
}
