import { execFile } from 'node:child_process'
import type { DetectedRuntime, PreferredRuntime, SandboxRuntime } from './runtime.ts'
import { which } from './which.ts'

const PROBE_TIMEOUT_MS = 10_000

function succeeds (command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROBE_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } }, (error) => { resolve(error === null) })
  })
}

/**
 * Whether an engine can really confine a command here — not just whether its binary exists: bubblewrap needs
 * user namespaces (often switched off in containers), docker and podman a reachable engine.
 */
export async function runtimeWorks (runtime: SandboxRuntime): Promise<boolean> {
  switch (runtime) {
    case 'bubblewrap': {
      if (process.platform !== 'linux') return false
      const bwrap = which('bwrap')
      if (bwrap === undefined) return false
      return await succeeds(bwrap, ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true'])
    }
    case 'docker':
    case 'podman': {
      const engine = which(runtime)
      if (engine === undefined) return false
      return await succeeds(engine, ['version', '--format', '{{.Server.Version}}'])
    }
  }
}

/** Linux prefers bubblewrap (no daemon, no image), then podman (rootless), then docker. */
const AUTO_ORDER: SandboxRuntime[] = ['bubblewrap', 'podman', 'docker']

/** The engine to use: the preferred one if it works, or with `auto` the first that works; else 'none'. */
export async function detectRuntime (preferred: PreferredRuntime = 'auto'): Promise<DetectedRuntime> {
  const candidates = preferred === 'auto' ? AUTO_ORDER : [preferred]
  for (const runtime of candidates) if (await runtimeWorks(runtime)) return runtime
  return 'none'
}
