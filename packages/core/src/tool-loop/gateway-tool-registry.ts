import type { GatewayTool } from '@lynkr/protocol'

/** Names the upstreams accept for a tool (Anthropic's and OpenAI's rule). */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * The tools the gateway runs itself (`lynkr.gatewayTools.register(tool)`). The first registration installs
 * the server-side tool loop middleware, so a gateway without gateway tools has no loop in its chat path.
 */
export class GatewayToolRegistry {
  private readonly tools = new Map<string, GatewayTool>()
  private readonly onFirst: () => void

  constructor (onFirst: () => void = () => {}) {
    this.onFirst = onFirst
  }

  register (tool: GatewayTool): void {
    if (!TOOL_NAME.test(tool.name)) throw new Error(`Gateway tool name "${tool.name}" must be 1-64 letters, digits, _ or -`)
    if (this.tools.has(tool.name)) throw new Error(`Gateway tool "${tool.name}" is already registered`)
    if (typeof tool.execute !== 'function') throw new Error(`Gateway tool "${tool.name}" has no execute()`)
    if (tool.input_schema === null || typeof tool.input_schema !== 'object') throw new Error(`Gateway tool "${tool.name}" needs an input_schema object`)
    this.tools.set(tool.name, tool)
    if (this.tools.size === 1) this.onFirst()
  }

  get (name: string): GatewayTool | undefined { return this.tools.get(name) }
  has (name: string): boolean { return this.tools.has(name) }
  list (): GatewayTool[] { return [...this.tools.values()] }
  get size (): number { return this.tools.size }
}
