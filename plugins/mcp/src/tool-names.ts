import { createHash } from 'node:crypto'

/**
 * `mcp__<server>__<tool>`, as Claude Code names MCP tools, within the upstreams' rule (1-64 letters, digits,
 * _ or -): other characters become _, and a name too long keeps its start and a short hash of the whole.
 */
export function gatewayToolName (serverId: string, tool: string): string {
  const name = `mcp__${serverId}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`
  if (name.length <= 64) return name
  const hash = createHash('sha256').update(`${serverId}\u0000${tool}`).digest('hex').slice(0, 8)
  return `${name.slice(0, 55)}_${hash}`
}
