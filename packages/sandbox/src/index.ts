import type { WrapOptions, WrappedCommand } from './runtime.ts'
import { bubblewrapCommand } from './bubblewrap.ts'
import { containerCommand } from './container.ts'

/** The command line that runs `command args` inside the sandbox `options.runtime` (spawn it with the env returned). */
export function wrapCommand (command: string, args: string[], options: WrapOptions): WrappedCommand {
  switch (options.runtime) {
    case 'bubblewrap': return bubblewrapCommand(command, args, options)
    case 'docker':
    case 'podman': return containerCommand(options.runtime, command, args, options)
    default: throw new Error(`Unknown sandbox runtime "${String(options.runtime)}"`)
  }
}

export { detectRuntime, runtimeWorks } from './detect.ts'
export type { DetectedRuntime, PreferredRuntime, SandboxRuntime, WrapOptions, WrappedCommand } from './runtime.ts'
