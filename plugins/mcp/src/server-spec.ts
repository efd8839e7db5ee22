/** One MCP server as a manifest describes it, after variable expansion. */
export interface ServerSpec {
  /** Tool-name-safe id (`mcp__<id>__<tool>`). */
  id: string
  name: string
  transport: 'stdio' | 'http' | 'sse'
  /** stdio */
  command?: string
  args: string[]
  /** Variables the child gets on top of the minimal base (the only way a secret reaches it). */
  env: Record<string, string>
  cwd?: string
  /** http / sse */
  url?: string
  headers: Record<string, string>
  /** The manifest file it came from. */
  source: string
}
