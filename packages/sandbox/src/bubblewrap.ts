import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs'
import type { WrapOptions, WrappedCommand } from './runtime.ts'
import { which } from './which.ts'

/** Top-level system directories: bound read-only, or recreated as the symlinks they are on merged-/usr systems. */
const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']

/**
 * The few files of /etc programs need to start and resolve names — not the whole /etc (no shadow, no
 * passwd of the host's users, no service configuration). /etc/alternatives holds Debian's command symlinks.
 */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime', '/etc/ssl', '/etc/ca-certificates', '/etc/nsswitch.conf']
const ETC_NETWORK_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/gai.conf']

function realOrSelf (path: string): string {
  try { return realpathSync(path) } catch { return path }
}

/**
 * bwrap arguments: a fresh mount namespace holding /usr and the system directories read-only, a minimal /etc,
 * a new /proc, a minimal /dev and an empty /tmp, then the workspace (read-only unless writable). All
 * namespaces are unshared (network too, unless allowed); the child dies with the gateway and gets a new
 * session (no TIOCSTI into the gateway's terminal); capabilities are dropped.
 * The environment is passed as bwrap's own (it hands it on), not with --setenv: argv is visible in `ps`.
 */
export function bubblewrapCommand (command: string, args: string[], options: WrapOptions): WrappedCommand {
  const bwrap: string[] = ['--unshare-all']
  if (options.network === true) bwrap.push('--share-net')
  bwrap.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL')
  bwrap.push('--ro-bind', '/usr', '/usr')
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue
    const stat = lstatSync(dir)
    if (stat.isSymbolicLink()) bwrap.push('--symlink', readlinkSync(dir), dir)
    else bwrap.push('--ro-bind', dir, dir)
  }
  const etc = options.network === true ? [...ETC_FILES, ...ETC_NETWORK_FILES] : ETC_FILES
  for (const path of etc) bwrap.push('--ro-bind-try', path, path)
  bwrap.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp')
  for (const path of options.readOnlyPaths ?? []) {
    const real = realOrSelf(path)
    bwrap.push('--ro-bind', real, real)
  }
  let cwd = '/tmp'
  if (options.workspace !== undefined) {
    const workspace = realOrSelf(options.workspace)
    bwrap.push(options.workspaceWritable === true ? '--bind' : '--ro-bind', workspace, workspace)
    cwd = workspace
  }
  if (options.cwd !== undefined) cwd = realOrSelf(options.cwd)
  bwrap.push('--chdir', cwd, '--', command, ...args)
  return { command: which('bwrap') ?? 'bwrap', args: bwrap, env: { ...options.env } }
}
