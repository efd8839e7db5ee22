/** The engines a command can be confined with; `none` means none works on this machine. */
export type SandboxRuntime = 'bubblewrap' | 'docker' | 'podman'
export type DetectedRuntime = SandboxRuntime | 'none'
export type PreferredRuntime = 'auto' | SandboxRuntime

export interface WrapOptions {
  runtime: SandboxRuntime
  /** The one host directory the command sees (at the same path); absent = none. */
  workspace?: string
  /** Read-only unless true. */
  workspaceWritable?: boolean
  /** No network at all unless true (bubblewrap then shares the host's network; containers get the default one). */
  network?: boolean
  /** The command's whole environment: nothing of the gateway's own passes. */
  env: Record<string, string>
  /** Working directory inside; defaults to the workspace, else /tmp. */
  cwd?: string
  /** Extra host paths visible read-only at the same place (a toolchain outside /usr). bubblewrap only. */
  readOnlyPaths?: string[]
  /** The container image (docker, podman); required there. */
  image?: string
}

export interface WrappedCommand {
  command: string
  args: string[]
  /** The environment to spawn `command` with. */
  env: Record<string, string>
}
