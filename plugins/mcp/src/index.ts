import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LynkrError, defineManifest } from '@lynkr/protocol'
import { LynkrConfigError, presentsKey } from '@lynkr/core'
import { migrate } from '@lynkr/storage'
import { discoverServers } from './manifest-files.ts'
import { Fingerprints, migrations } from './fingerprints.ts'
import { McpHub } from './hub.ts'
import { prepareSandbox } from './launch.ts'
import { registerMcpEndpoint } from './mcp-endpoint.ts'
import type { SandboxOptions, SandboxRuntime } from './launch.ts'

export interface McpOptions {
  manifest: string
  manifestDirs: string[]
  toolTimeoutMs: number
  outputMaxChars: number
  connectTimeoutMs: number
  backoffMs: number
  maxBackoffMs: number
  sandbox: SandboxOptions
  /** Serve the gateway's tools on /mcp (MCP_ENDPOINT_ENABLED). */
  endpoint: boolean
  /** The gateway's whole environment: `${VAR}` in manifests expands from it (children never inherit it). */
  env: Record<string, string | undefined>
}

const VERSION = '0.1.0'

async function mcpPlugin (app: FastifyInstance, options: McpOptions): Promise<void> {
  const mode = app.lynkr.gatewayTools.executionMode
  if (options.endpoint) {
    await registerMcpEndpoint(app, () => app.lynkr.gatewayTools.list(), VERSION)
  } else if (mode === 'client') {
    // Claude Code and Cursor cannot run tools named mcp__… of servers they did not start: in client mode the
    // gateway starts none, unless /mcp serves them to MCP-aware clients.
    app.lynkr.status.set('mcp', () => ({ mode, servers: {}, note: 'TOOL_EXECUTION_MODE=client: the gateway starts no MCP servers (configure them in the client, or set MCP_ENDPOINT_ENABLED=true to serve them on /mcp)' }))
    if (options.manifest.trim() !== '') app.log.warn('MCP_SERVER_MANIFEST is set but TOOL_EXECUTION_MODE=client and MCP_ENDPOINT_ENABLED=false: the gateway starts no MCP servers')
    return
  }
  let discovery
  try {
    discovery = discoverServers(options.manifest, options.manifestDirs, options.env)
  } catch (error) {
    throw new LynkrConfigError((error as Error).message, 'MCP_SERVER_MANIFEST')
  }
  for (const warning of discovery.warnings) app.log.warn(`MCP manifest: ${warning}`)
  const servers = discovery.servers
  if (servers.length === 0) {
    app.lynkr.status.set('mcp', () => ({ mode, endpoint: options.endpoint, servers: {} }))
    return
  }
  const wrap = servers.some((server) => server.transport === 'stdio') ? await prepareSandbox(options.sandbox) : undefined
  await migrate(app.sqlite, 'mcp', migrations)
  const hub = new McpHub(app.lynkr.gatewayTools, new Fingerprints(app.sqlite), {
    wrap,
    hostEnv: process.env,
    connectTimeoutMs: options.connectTimeoutMs,
    backoffMs: options.backoffMs,
    maxBackoffMs: options.maxBackoffMs,
    clientVersion: VERSION,
    toolTimeoutMs: options.toolTimeoutMs,
    outputMaxChars: options.outputMaxChars
  }, app.log)
  app.decorate('mcpHub', hub)
  app.lynkr.status.set('mcp', () => ({ mode, endpoint: options.endpoint, ...(wrap === undefined ? {} : { sandbox: options.sandbox.runtime }), servers: hub.status() }))

  app.post<{ Params: { name: string } }>('/v1/mcp/tools/:name/approve', async (request, reply) => {
    const apiKey = app.lynkr.apiKey
    if (apiKey !== undefined && !presentsKey(request, apiKey)) throw new LynkrError('authentication', 'approving an MCP tool needs the key set in LYNKR_API_KEY (x-api-key or Authorization: Bearer)', { code: 'LYNKR_AUTH_INVALID_KEY' })
    const approved = await hub.approve(request.params.name)
    if (!approved) return await reply.code(404).send({ error: { type: 'not_found_error', message: `no disabled MCP tool named ${request.params.name}` } })
    return { approved: request.params.name }
  })

  // Started when the gateway is ready (a boot that fails later leaves no child behind); listen() waits for it.
  app.addHook('onReady', async () => { await hub.start(servers) })
  app.addHook('onClose', async () => { await hub.stop() })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP servers and their tools (present when any server is configured and TOOL_EXECUTION_MODE=server). */
    mcpHub: McpHub
  }
}

export default fp(mcpPlugin, { name: '@lynkr/mcp', fastify: '5.x', decorators: { fastify: ['lynkr'] }, dependencies: ['@lynkr/storage'] })

const RUNTIMES = ['auto', 'bubblewrap', 'docker', 'podman'] as const

export const manifest = defineManifest({
  kind: 'service',
  env: Type.Object({
    MCP_SERVER_MANIFEST: Type.String({ default: '', description: 'one MCP manifest file (Lynkr\'s {"servers":[…]} or Claude Code\'s {"mcpServers":{…}}); a problem in it is a boot error' }),
    MCP_MANIFEST_DIRS: Type.String({ default: '~/.claude/mcp', description: 'comma list of directories whose *.json files are MCP manifests (a missing directory is skipped)' }),
    MCP_TOOL_TIMEOUT_MS: Type.Integer({ default: 60000, minimum: 100, description: 'longest an MCP tool call may take; then the model gets a tool error' }),
    MCP_TOOL_OUTPUT_MAX_CHARS: Type.Integer({ default: 100000, minimum: 100, description: 'characters of an MCP tool\'s output the model gets; the rest is cut with a note' }),
    MCP_CONNECT_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 100, description: 'longest connecting to an MCP server may take before it counts as failed (and is retried)' }),
    MCP_RESTART_BACKOFF_MS: Type.Integer({ default: 1000, minimum: 10, description: 'first delay before a lost MCP server is started again; doubles per failed attempt' }),
    MCP_RESTART_MAX_BACKOFF_MS: Type.Integer({ default: 60000, minimum: 10, description: 'longest delay between attempts to start a lost MCP server' }),
    MCP_ENDPOINT_ENABLED: Type.Boolean({ default: false, description: 'serve the gateway\'s tools (its MCP servers\', memory\'s) to MCP-aware clients on /mcp (Streamable HTTP, behind LYNKR_API_KEY); in TOOL_EXECUTION_MODE=client the servers then run for /mcp only' }),
    MCP_SANDBOX_ENABLED: Type.Boolean({ default: false, description: 'run stdio MCP servers in a sandbox (@lynkr/sandbox); then a missing engine is a boot error' }),
    MCP_SANDBOX_RUNTIME: Type.Union(RUNTIMES.map((runtime) => Type.Literal(runtime)), { default: 'auto', description: 'sandbox engine: auto (bubblewrap on Linux, else Docker or Podman), bubblewrap, docker or podman' }),
    MCP_SANDBOX_ALLOW_NETWORKING: Type.Boolean({ default: false, description: 'sandboxed MCP servers may use the network' }),
    MCP_SANDBOX_EXTRA_MOUNTS: Type.String({ default: '', description: 'comma list of host paths sandboxed MCP servers see read-only (their code, a toolchain outside /usr); WORKSPACE_ROOT is mounted read-only too' }),
    MCP_SANDBOX_IMAGE: Type.String({ default: '', description: 'container image for MCP servers when the sandbox runtime is docker or podman (needs the servers\' runtime, e.g. node:20-slim)' })
  }),
  toOptions: (env, runtime): McpOptions => ({
    manifest: env.MCP_SERVER_MANIFEST,
    manifestDirs: env.MCP_MANIFEST_DIRS.split(',').map((dir) => dir.trim()).filter((dir) => dir !== ''),
    toolTimeoutMs: env.MCP_TOOL_TIMEOUT_MS,
    outputMaxChars: env.MCP_TOOL_OUTPUT_MAX_CHARS,
    connectTimeoutMs: env.MCP_CONNECT_TIMEOUT_MS,
    backoffMs: env.MCP_RESTART_BACKOFF_MS,
    maxBackoffMs: Math.max(env.MCP_RESTART_MAX_BACKOFF_MS, env.MCP_RESTART_BACKOFF_MS),
    sandbox: {
      enabled: env.MCP_SANDBOX_ENABLED,
      runtime: env.MCP_SANDBOX_RUNTIME as SandboxRuntime,
      ...(runtime.env.WORKSPACE_ROOT?.trim() ? { workspace: runtime.env.WORKSPACE_ROOT.trim() } : {}),
      workspaceWritable: false,
      network: env.MCP_SANDBOX_ALLOW_NETWORKING,
      // Docker-style `host:container:mode` entries (Lynkr's) keep their host path: it is seen at the same place.
      readOnlyPaths: env.MCP_SANDBOX_EXTRA_MOUNTS.split(',').map((path) => path.trim().split(':')[0]!).filter((path) => path !== ''),
      ...(env.MCP_SANDBOX_IMAGE.trim() === '' ? {} : { image: env.MCP_SANDBOX_IMAGE.trim() })
    },
    endpoint: env.MCP_ENDPOINT_ENABLED,
    env: runtime.env
  })
})

export { McpHub } from './hub.ts'
export { discoverServers, parseManifest } from './manifest-files.ts'
export { expandVars } from './expand-vars.ts'
export { childEnv, BASE_ENV } from './child-env.ts'
export { launchCommand, prepareSandbox } from './launch.ts'
export { gatewayToolName } from './tool-names.ts'
export { endpointToolName } from './mcp-endpoint.ts'
export type { ServerSpec } from './server-spec.ts'
