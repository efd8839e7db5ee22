import { LynkrConfigError } from '@lynkr/core'
import { childEnv } from './child-env.ts'
import type { ServerSpec } from './server-spec.ts'

export interface Launch { command: string, args: string[], env: Record<string, string>, cwd?: string }

export type SandboxRuntime = 'auto' | 'bubblewrap' | 'docker' | 'podman'

export interface SandboxOptions {
  enabled: boolean
  runtime: SandboxRuntime
  /** Mounted into the sandbox (read-only unless `workspaceWritable`). */
  workspace?: string
  workspaceWritable: boolean
  network: boolean
}

/** `@lynkr/sandbox`'s wrapCommand, bound to the runtime found at boot. */
export type Wrap = (launch: Launch) => Launch

interface SandboxModule {
  detectRuntime: (preferred?: SandboxRuntime) => Promise<'bubblewrap' | 'docker' | 'podman' | 'none'>
  wrapCommand: (command: string, args: string[], options: { runtime: string, workspace?: string, workspaceWritable?: boolean, network?: boolean, env: Record<string, string>, cwd?: string }) => { command: string, args: string[], env: Record<string, string> }
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
  return (launch) => ({
    ...sandbox.wrapCommand(launch.command, launch.args, {
      runtime,
      ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
      workspaceWritable: options.workspaceWritable,
      network: options.network,
      env: launch.env,
      ...(launch.cwd === undefined ? {} : { cwd: launch.cwd })
    }),
    ...(launch.cwd === undefined ? {} : { cwd: launch.cwd })
  })
}

async function loadSandbox (): Promise<unknown> {
  // Not a declared dependency yet: the name is a variable so the build does not need the package.
  const name = '@lynkr/sandbox'
  return await import(name)
}

/**
 * The one place a stdio MCP server's process is defined: its command, its minimal environment (the base
 * plus what its manifest names), and the sandbox around it when one is configured.
 */
export function launchCommand (server: ServerSpec, wrap: Wrap | undefined, hostEnv: Record<string, string | undefined> = process.env): Launch {
  const launch: Launch = { command: server.command!, args: server.args, env: childEnv(server.env, hostEnv), ...(server.cwd === undefined ? {} : { cwd: server.cwd }) }
  return wrap === undefined ? launch : wrap(launch)
}
