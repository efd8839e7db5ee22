import type { GatewayTool } from '@lynkr/protocol'
import { HiddenHistory } from './hidden-history.ts'

/** Names the upstreams accept for a tool (Anthropic's and OpenAI's rule). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Where tools run (TOOL_EXECUTION_MODE): `server`, the gateway runs its own tools in the server-side loop;
 * `client`, the gateway runs nothing (every tool call goes back to the client; gateway tools are not offered).
 */
export type ToolExecutionMode = 'server' | 'client'

/**
 * The tools the gateway runs itself (`lynkr.gatewayTools.register(tool)`). The first registration installs
 * the server-side tool loop middleware, so a gateway without gateway tools has no loop in its chat path.
 * Tools may come and go while the gateway runs (an MCP server restarting): each request offers the
 * tools registered when it starts.
 */
export class GatewayToolRegistry {
  private readonly tools = new Map<string, GatewayTool>()
  private readonly onFirst: () => void
  private installed = false
  readonly executionMode: ToolExecutionMode
  /** The parts of mixed turns the client never saw, for its next requests (the storage plugin persists it). */
  readonly history: HiddenHistory

  constructor (onFirst: () => void = () => {}, executionMode: ToolExecutionMode = 'server', history = new HiddenHistory()) {
    this.onFirst = onFirst
    this.executionMode = executionMode
    this.history = history
  }

  register (tool: GatewayTool): void {
    if (!TOOL_NAME.test(tool.name)) throw new Error(`Gateway tool name "${tool.name}" must be 1-64 letters, digits, _ or -`)
    if (this.tools.has(tool.name)) throw new Error(`Gateway tool "${tool.name}" is already registered`)
    if (typeof tool.execute !== 'function') throw new Error(`Gateway tool "${tool.name}" has no execute()`)
    if (tool.input_schema === null || typeof tool.input_schema !== 'object') throw new Error(`Gateway tool "${tool.name}" needs an input_schema object`)
    this.tools.set(tool.name, tool)
    if (!this.installed) {
      this.installed = true
      this.onFirst()
    }
  }

  /** Withdraws a tool (its server went away, or it was disabled); later requests no longer offer it. */
  unregister (name: string): boolean { return this.tools.delete(name) }

  get (name: string): GatewayTool | undefined { return this.tools.get(name) }
  has (name: string): boolean { return this.tools.has(name) }
  list (): GatewayTool[] { return [...this.tools.values()] }
  get size (): number { return this.tools.size }
}
