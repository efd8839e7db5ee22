import { realpathSync } from 'node:fs'
import type { WrapOptions, WrappedCommand } from './runtime.ts'
import { which } from './which.ts'

function realOrSelf (path: string): string {
  try { return realpathSync(path) } catch { return path }
}

/**
 * `docker|podman run` arguments: a throw-away container (--rm, -i for stdio servers) with a read-only root, an
 * empty /tmp, no network unless allowed, all capabilities dropped and no privilege gain, the workspace at the
 * same path (read-only unless writable). Variables are named with `-e NAME` and their values passed in the
 * client's environment, so secrets never appear in argv (`ps`).
 */
export function containerCommand (engine: 'docker' | 'podman', command: string, args: string[], options: WrapOptions): WrappedCommand {
  if (options.image === undefined || options.image.trim() === '') throw new Error(`The ${engine} sandbox needs an image to run ${command} in`)
  const run = ['run', '--rm', '-i', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '512']
  run.push('--network', options.network === true ? 'bridge' : 'none')
  let cwd: string | undefined
  if (options.workspace !== undefined) {
    const workspace = realOrSelf(options.workspace)
    run.push('-v', `${workspace}:${workspace}${options.workspaceWritable === true ? '' : ':ro'}`)
    cwd = workspace
  }
  if (options.cwd !== undefined) cwd = realOrSelf(options.cwd)
  if (cwd !== undefined) run.push('-w', cwd)
  for (const name of Object.keys(options.env)) run.push('-e', name)
  run.push(options.image, command, ...args)
  // The engine client itself needs PATH and HOME (its config); the container gets only the -e names.
  const client: Record<string, string> = { ...options.env }
  client.PATH ??= process.env.PATH ?? '/usr/bin:/bin'
  if (process.env.HOME !== undefined) client.HOME ??= process.env.HOME
  return { command: which(engine) ?? engine, args: run, env: client }
}
