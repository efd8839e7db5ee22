import type { GatewayTool } from '@lynkr/protocol'
import type { CommandAllowList } from '@lynkr/policy'
import type { DetectedRuntime } from '@lynkr/sandbox'
import { confinedRun } from './confined-run.ts'
import { capText } from './tool-result.ts'

export interface RunTestsSettings {
  root: string
  allowList: CommandAllowList
  /** WORKSPACE_TEST_COMMAND (+ WORKSPACE_TEST_ARGS): run when the model names none. */
  defaultCommand: string | undefined
  runtime: DetectedRuntime
  writable: boolean
  timeoutMs: number
  outputMax: number
}

export function runTestsTool (settings: RunTestsSettings): GatewayTool {
  const allowed = settings.defaultCommand ?? 'the configured test command'
  return {
    name: 'workspace_run_tests',
    description: `Run the workspace's tests and return their output (the end of it when long) and exit code. Only allow-listed test commands run (default: ${allowed}); no shell.`,
    input_schema: { type: 'object', properties: { command: { type: 'string', description: `test command line; leave out for the default (${allowed})` } } },
    execute: async (input, { signal }) => {
      const line = typeof input.command === 'string' && input.command.trim() !== '' ? input.command : settings.defaultCommand
      if (line === undefined) return { content: 'No test command given and WORKSPACE_TEST_COMMAND is not set', isError: true }
      const [command, ...args] = settings.allowList.check(line)
      const result = await confinedRun(command!, args, { root: settings.root, runtime: settings.runtime, writable: settings.writable, network: false, timeoutMs: settings.timeoutMs, signal, maxBuffer: settings.outputMax * 16 })
      const output = capText(result.output, settings.outputMax)
      if (result.cancelled) return { content: 'The test run was cancelled', isError: true }
      if (result.timedOut) return { content: `${line} did not finish within ${settings.timeoutMs} ms (WORKSPACE_TEST_TIMEOUT_MS) and was stopped.\n${output}`, isError: true }
      if (result.tooMuchOutput) return { content: `${line} printed more than ${settings.outputMax * 16} bytes and was stopped.\n${output}`, isError: true }
      const where = result.sandboxed ? 'sandboxed' : 'not sandboxed'
      // Failing tests are a result, not a tool failure: the model reads the exit code.
      return `$ ${line}  (exit code ${String(result.exitCode)}, ${where})\n${output}`
    }
  }
}
