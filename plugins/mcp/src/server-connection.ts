import type { Client } from '@modelcontextprotocol/client'
import type { Logger } from '@lynkr/protocol'
import { launchCommand } from './launch.ts'
import type { Wrap } from './launch.ts'
import type { ServerSpec } from './server-spec.ts'

export type ServerState = 'starting' | 'ready' | 'restarting' | 'stopped'

export interface McpToolInfo {
  name: string
  title?: string
  description?: string
  inputSchema: Record<string, unknown>
}

export interface ConnectionOptions {
  wrap: Wrap | undefined
  hostEnv: Record<string, string | undefined>
  connectTimeoutMs: number
  /** First restart delay; doubles per failed attempt up to maxBackoffMs. */
  backoffMs: number
  maxBackoffMs: number
  clientVersion: string
  /** The server's current tools, or undefined when they are withdrawn (the server is down). */
  onTools: (tools: McpToolInfo[] | undefined) => void
  log: Logger
}

type CallResult = Awaited<ReturnType<Client['callTool']>>

/**
 * One MCP server: connects (the SDK negotiates the 2026-07-28 or the 2025 protocol), lists its tools,
 * follows `notifications/tools/list_changed`, and when the connection is lost (a crash, kill -9, an HTTP
 * server going away) withdraws the tools and reconnects with exponential backoff.
 */
export class McpServerConnection {
  readonly spec: ServerSpec
  private readonly options: ConnectionOptions
  state: ServerState = 'starting'
  private client: Client | undefined
  private timer: NodeJS.Timeout | undefined
  private failures = 0
  restarts = 0
  pid: number | null = null
  protocolVersion: string | undefined
  lastError: string | undefined
  private stopping = false
  /** Bumped per connection, so events of a dead connection are ignored. */
  private generation = 0

  constructor (spec: ServerSpec, options: ConnectionOptions) {
    this.spec = spec
    this.options = options
  }

  /** First connection; a failure is logged and retried with backoff, never thrown. */
  async start (): Promise<void> {
    await this.connect()
  }

  private async connect (): Promise<void> {
    if (this.stopping) return
    const generation = ++this.generation
    let client: Client
    let transport: Parameters<Client['connect']>[0]
    try {
      ({ client, transport } = await this.create(generation))
    } catch (error) {
      // A bad URL or a missing SDK: counted like a failed connection (retried, reported in /health/ready).
      this.lost((error as Error)?.message ?? String(error))
      return
    }
    client.onclose = () => { if (generation === this.generation) this.lost('connection closed') }
    client.onerror = (error) => { this.options.log.debug({ err: error, server: this.spec.id }, 'MCP server: transport error') }
    try {
      await client.connect(transport, { timeout: this.options.connectTimeoutMs })
      const { tools } = await client.listTools(undefined, { timeout: this.options.connectTimeoutMs })
      if (generation !== this.generation || this.stopping) {
        await client.close().catch(() => {})
        return
      }
      this.client = client
      this.pid = 'pid' in transport ? (transport as { pid: number | null }).pid : null
      this.protocolVersion = client.getNegotiatedProtocolVersion()
      this.state = 'ready'
      this.failures = 0
      this.lastError = undefined
      this.options.log.info({ server: this.spec.id, tools: tools.length, protocol: this.protocolVersion }, `MCP server ${this.spec.id} ready with ${tools.length} tools`)
      this.options.onTools(tools.map(toInfo))
    } catch (error) {
      await client.close().catch(() => {})
      if (generation !== this.generation) return
      this.lost((error as Error)?.message ?? String(error))
    }
  }

  private async create (generation: number): Promise<{ client: Client, transport: Parameters<Client['connect']>[0] }> {
    const { Client, StdioClientTransport, StreamableHTTPClientTransport, SSEClientTransport } = await loadSdk()
    const client = new Client({ name: 'lynkr', version: this.options.clientVersion }, {
      // Both eras: server/discover first; a server that does not know it gets the 2025 initialize handshake.
      versionNegotiation: { mode: 'auto', probe: { timeoutMs: Math.min(this.options.connectTimeoutMs, 10_000) } },
      listChanged: {
        tools: {
          debounceMs: 50,
          onChanged: (error, tools) => {
            if (generation !== this.generation) return
            if (error !== null && error !== undefined) {
              this.options.log.warn({ err: error, server: this.spec.id }, 'MCP server: refreshing its tools failed')
              return
            }
            if (tools !== null && tools !== undefined) this.options.onTools(tools.map(toInfo))
          }
        }
      }
    })
    let transport: Parameters<Client['connect']>[0]
    if (this.spec.transport === 'stdio') {
      const launch = launchCommand(this.spec, this.options.wrap, this.options.hostEnv)
      const stdio = new StdioClientTransport({ command: launch.command, args: launch.args, env: launch.env, ...(launch.cwd === undefined ? {} : { cwd: launch.cwd }), stderr: 'pipe' })
      transport = stdio
      const id = this.spec.id
      const log = this.options.log
      stdio.stderr?.on('data', (chunk: Buffer) => { log.debug({ server: id }, `MCP server stderr: ${chunk.toString('utf8').trimEnd().slice(0, 2000)}`) })
    } else {
      const url = new URL(this.spec.url!)
      const requestInit = { headers: this.spec.headers }
      transport = this.spec.transport === 'http' ? new StreamableHTTPClientTransport(url, { requestInit }) : new SSEClientTransport(url, { requestInit })
    }
    return { client, transport }
  }

  /** The connection is gone or could not be made: tools out, a new attempt after the backoff. */
  private lost (reason: string): void {
    if (this.stopping) return
    this.generation++
    const wasReady = this.state === 'ready'
    this.client = undefined
    this.pid = null
    this.lastError = reason
    this.state = 'restarting'
    this.options.onTools(undefined)
    const delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** this.failures)
    this.failures++
    this.options.log.warn({ server: this.spec.id, reason, retryInMs: delay }, `MCP server ${this.spec.id} ${wasReady ? 'was lost' : 'could not be started'}: ${reason}; its tools are withdrawn until it is back`)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.restarts++
      void this.connect()
    }, delay)
    this.timer.unref()
  }

  async call (name: string, args: Record<string, unknown>, options: { timeoutMs: number, signal: AbortSignal }): Promise<CallResult> {
    const client = this.client
    if (client === undefined || this.state !== 'ready') throw new Error(`MCP server ${this.spec.id} is not connected (${this.state}${this.lastError === undefined ? '' : `: ${this.lastError}`})`)
    return await client.callTool({ name, arguments: args }, { timeout: options.timeoutMs, signal: options.signal })
  }

  async stop (): Promise<void> {
    this.stopping = true
    this.state = 'stopped'
    clearTimeout(this.timer)
    const client = this.client
    this.client = undefined
    this.generation++
    if (client !== undefined) await client.close().catch(() => {})
  }
}

function toInfo (tool: { name: string, title?: string | undefined, description?: string | undefined, inputSchema: unknown }): McpToolInfo {
  return {
    name: tool.name,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: (tool.inputSchema ?? { type: 'object' }) as Record<string, unknown>
  }
}

let sdk: Promise<typeof import('@modelcontextprotocol/client') & typeof import('@modelcontextprotocol/client/stdio')> | undefined

/** The SDK is loaded only when a server is configured: a gateway without MCP servers never pays for it. */
async function loadSdk (): Promise<typeof import('@modelcontextprotocol/client') & typeof import('@modelcontextprotocol/client/stdio')> {
  sdk ??= Promise.all([import('@modelcontextprotocol/client'), import('@modelcontextprotocol/client/stdio')]).then(([main, stdio]) => ({ ...main, ...stdio }))
  return await sdk
}
