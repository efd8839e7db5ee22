import { createHash } from 'node:crypto'

const VALID = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * Bedrock tool names must match `^[a-zA-Z0-9_-]{1,64}$`; long MCP names (`mcp__server__tool`) or dotted ones
 * do not. Invalid names get a deterministic alias (sanitised prefix + hash), mapped back in responses.
 */
export class ToolNameMap {
  private readonly toWireNames = new Map<string, string>()
  private readonly fromWireNames = new Map<string, string>()

  wire (name: string): string {
    if (VALID.test(name)) return name
    let alias = this.toWireNames.get(name)
    if (alias === undefined) {
      const hash = createHash('sha256').update(name).digest('hex').slice(0, 8)
      alias = `${name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 55)}_${hash}`
      this.toWireNames.set(name, alias)
      this.fromWireNames.set(alias, name)
    }
    return alias
  }

  original (wireName: string): string {
    return this.fromWireNames.get(wireName) ?? wireName
  }
}
