import type { GatewayTool, Logger } from '@lynkr/protocol'
import { fingerprintOf } from './fingerprints.ts'
import type { Fingerprints } from './fingerprints.ts'
import { McpServerConnection } from './server-connection.ts'
import type { ConnectionOptions, McpToolInfo } from './server-connection.ts'
import type { ServerSpec } from './server-spec.ts'
import { gatewayToolName } from './tool-names.ts'
import { toToolResult } from './tool-result.ts'

/** The part of core's gateway tool registry the hub uses. */
export interface ToolRegistry {
  register: (tool: GatewayTool) => void
  unregister: (name: string) => boolean
  has: (name: string) => boolean
}

export interface HubOptions extends Omit<ConnectionOptions, 'onTools' | 'log'> {
  toolTimeoutMs: number
  outputMaxChars: number
}

interface ServerEntry {
  connection: McpServerConnection
  /** Gateway tool names registered for this server now. */
  registered: Set<string>
  /** Tools whose description or schema changed after approval: never offered until re-approved. */
  disabled: Map<string, string>
  /** The server's tools as last listed (undefined while it is down). */
  current: McpToolInfo[] | undefined
  /** Reconciliations run one after another, so a late tools list never overtakes a newer one. */
  queue: Promise<void>
}

/**
 * All configured MCP servers and their tools in the gateway's tool registry (`mcp__<id>__<tool>`). A tool
 * is registered only while its server is connected and while it still looks as it did when first approved.
 */
export class McpHub {
  private readonly servers = new Map<string, ServerEntry>()
  private readonly registry: ToolRegistry
  private readonly fingerprints: Fingerprints
  private readonly options: HubOptions
  private readonly log: Logger

  constructor (registry: ToolRegistry, fingerprints: Fingerprints, options: HubOptions, log: Logger) {
    this.registry = registry
    this.fingerprints = fingerprints
    this.options = options
    this.log = log
  }

  async start (specs: ServerSpec[]): Promise<void> {
    for (const spec of specs) {
      const entry: ServerEntry = { registered: new Set(), disabled: new Map(), current: undefined, queue: Promise.resolve(), connection: undefined as unknown as McpServerConnection }
      entry.connection = new McpServerConnection(spec, {
        ...this.options,
        log: this.log,
        onTools: (tools) => { entry.queue = entry.queue.then(async () => { await this.reconcile(entry, tools) }).catch((error: unknown) => { this.log.error({ err: error, server: spec.id }, 'MCP: updating the tool list failed') }) }
      })
      this.servers.set(spec.id, entry)
    }
    await Promise.all([...this.servers.values()].map(async (entry) => {
      await entry.connection.start()
      await entry.queue
    }))
  }

  private async reconcile (entry: ServerEntry, tools: McpToolInfo[] | undefined): Promise<void> {
    const server = entry.connection.spec.id
    entry.current = tools
    const wanted = new Map<string, McpToolInfo>()
    for (const tool of tools ?? []) {
      const name = gatewayToolName(server, tool.name)
      if (wanted.has(name)) {
        this.log.warn({ server, tool: tool.name }, `MCP server ${server}: two tools map to ${name}; only the first is offered`)
        continue
      }
      const verdict = await this.fingerprints.check(server, tool.name, fingerprintOf(tool))
      if (verdict === 'changed') {
        if (!entry.disabled.has(name)) this.log.warn({ server, tool: tool.name }, `MCP tool ${name} is disabled: its description or input schema changed after it was approved (a possible rug pull); review it and approve it again (README: re-approving a tool)`)
        entry.disabled.set(name, 'description or input schema changed after approval')
        continue
      }
      entry.disabled.delete(name)
      wanted.set(name, tool)
    }
    for (const name of entry.registered) {
      if (wanted.has(name)) continue
      this.registry.unregister(name)
      entry.registered.delete(name)
    }
    for (const [name, tool] of wanted) {
      // Re-registered on every list: the description the model sees is the approved one that was just checked.
      if (entry.registered.has(name)) this.registry.unregister(name)
      else if (this.registry.has(name)) {
        this.log.warn({ server, tool: tool.name }, `MCP tool ${name}: another gateway tool has this name; not offered`)
        continue
      }
      this.registry.register(this.gatewayTool(entry, name, tool))
      entry.registered.add(name)
    }
  }

  private gatewayTool (entry: ServerEntry, name: string, tool: McpToolInfo): GatewayTool {
    const connection = entry.connection
    return {
      name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.inputSchema.type === 'object' ? tool.inputSchema : { type: 'object', properties: {} },
      execute: async (input, context) => {
        try {
          const result = await connection.call(tool.name, input, { timeoutMs: this.options.toolTimeoutMs, signal: context.signal })
          return toToolResult(result, this.options.outputMaxChars)
        } catch (error) {
          const message = (error as Error)?.message ?? String(error)
          context.log.warn({ server: connection.spec.id, tool: tool.name, err: error }, 'MCP tool call failed')
          const timedOut = /timed? ?out/i.test(message)
          return { content: timedOut ? `MCP tool ${name} did not answer within ${this.options.toolTimeoutMs} ms (MCP_TOOL_TIMEOUT_MS)` : `MCP tool ${name} failed: ${message}`, isError: true }
        }
      }
    }
  }

  /** For /health/ready: each server's state and tools. */
  status (): Record<string, unknown> {
    return Object.fromEntries([...this.servers].map(([id, entry]) => {
      const connection = entry.connection
      return [id, {
        state: connection.state,
        transport: connection.spec.transport,
        ...(connection.protocolVersion === undefined ? {} : { protocolVersion: connection.protocolVersion }),
        ...(connection.pid === null ? {} : { pid: connection.pid }),
        tools: [...entry.registered].sort(),
        ...(entry.disabled.size === 0 ? {} : { disabledTools: Object.fromEntries(entry.disabled) }),
        restarts: connection.restarts,
        ...(connection.lastError === undefined ? {} : { lastError: connection.lastError }),
        source: connection.spec.source
      }]
    }))
  }

  /**
   * An operator reviewed a disabled tool (`mcp__<id>__<tool>`) and accepts how it looks now: its fingerprint
   * is recorded again and it is offered again. False when no such disabled tool exists.
   */
  async approve (name: string): Promise<boolean> {
    for (const entry of this.servers.values()) {
      if (!entry.disabled.has(name)) continue
      const tool = entry.current?.find((candidate) => gatewayToolName(entry.connection.spec.id, candidate.name) === name)
      if (tool === undefined) return false
      await this.fingerprints.approve(entry.connection.spec.id, tool.name, fingerprintOf(tool))
      this.log.info({ tool: name }, `MCP tool ${name} approved again`)
      entry.queue = entry.queue.then(async () => { await this.reconcile(entry, entry.current) })
      await entry.queue
      return true
    }
    return false
  }

  connection (id: string): McpServerConnection | undefined { return this.servers.get(id)?.connection }

  async stop (): Promise<void> {
    await Promise.all([...this.servers.values()].map(async (entry) => {
      await entry.connection.stop()
      for (const name of entry.registered) this.registry.unregister(name)
      entry.registered.clear()
    }))
  }
}
