import { dirname } from 'node:path'
import { LynkrConfigError } from '@lynkr/core'
import type { PreferredRuntime, WrapOptions, WrappedCommand } from '@lynkr/sandbox'
import { childEnv } from './child-env.ts'
import type { ServerSpec } from './server-spec.ts'

export interface Launch { command: string, args: string[], env: Record<string, string>, cwd?: string }

export type SandboxRuntime = PreferredRuntime

export interface SandboxOptions {
  enabled: boolean
  runtime: SandboxRuntime
  /** Mounted into the sandbox (read-only unless `workspaceWritable`). */
  workspace?: string
  workspaceWritable: boolean
  network: boolean
  /** Host paths the server sees read-only besides the workspace (bubblewrap); node's own directory is added. */
  readOnlyPaths: string[]
  /** The container image (docker, podman). */
  image?: string
}

/** `@lynkr/sandbox`'s wrapCommand, bound to the runtime found at boot. */
export type Wrap = (launch: Launch) => Launch

interface SandboxModule {
  detectRuntime: (preferred?: SandboxRuntime) => Promise<'bubblewrap' | 'docker' | 'podman' | 'none'>
  wrapCommand: (command: string, args: string[], options: WrapOptions) => WrappedCommand
}

/**
 * At boot, with MCP_SANDBOX_ENABLED: finds the sandbox engine. The sandbox is required then, so a missing
 * package or engine is a boot error, never an unsandboxed server.
 */
export async function prepareSandbox (options: SandboxOptions, load: () => Promise<unknown> = loadSandbox): Promise<Wrap | undefined> {
  if (!options.enabled) return undefined
  let sandbox: SandboxModule
  try {
    sandbox = await load() as SandboxModule
  } catch (error) {
    throw new LynkrConfigError(`MCP_SANDBOX_ENABLED=true needs the @lynkr/sandbox package, which could not be loaded (${(error as Error).message}); install it or set MCP_SANDBOX_ENABLED=false`, 'MCP_SANDBOX_ENABLED')
  }
  const runtime = await sandbox.detectRuntime(options.runtime)
  if (runtime === 'none') {
    throw new LynkrConfigError(`MCP_SANDBOX_ENABLED=true but no sandbox engine was found (MCP_SANDBOX_RUNTIME=${options.runtime}: bubblewrap, docker or podman): install one or set MCP_SANDBOX_ENABLED=false`, 'MCP_SANDBOX_RUNTIME')
  }
  if (runtime !== 'bubblewrap' && options.image === undefined) throw new LynkrConfigError(`MCP_SANDBOX_RUNTIME resolved to ${runtime}, which needs MCP_SANDBOX_IMAGE (an image with the servers' runtime, e.g. node:20-slim)`, 'MCP_SANDBOX_IMAGE')
  // node (or whatever runs the servers) may live outside /usr, e.g. under a version manager.
  const readOnlyPaths = [...new Set([dirname(process.execPath), ...options.readOnlyPaths])]
  return (launch) => ({
    ...sandbox.wrapCommand(launch.command, launch.args, {
      runtime,
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
      workspaceWritable: options.workspaceWritable,
      network: options.network,
      readOnlyPaths,
      ...(options.image === undefined ? {} : { image: options.image }),
      env: launch.env,
      ...(launch.cwd === undefined ? {} : { cwd: launch.cwd })
    }),
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd })
  })
}

/** Loaded only when the sandbox is on. */
async function loadSandbox (): Promise<unknown> {
  return await import('@lynkr/sandbox')
}

/**
 * The one place a stdio MCP server's process is defined: its command, its minimal environment (the base
 * plus what its manifest names), and the sandbox around it when one is configured.
 */
export function launchCommand (server: ServerSpec, wrap: Wrap | undefined, hostEnv: Record<string, string | undefined> = process.env): Launch {
  const launch: Launch = { command: server.command!, args: server.args, env: childEnv(server.env, hostEnv), ...(server.cwd === undefined ? {} : { cwd: server.cwd }) }
  return wrap === undefined ? launch : wrap(launch)
}
