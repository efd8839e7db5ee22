import type { FastifyInstance } from 'fastify'
import type { GatewayTool, GatewayToolResult } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { presentsKey } from '@lynkr/core'

/** The name an MCP client sees: `calc__add` for the gateway's `mcp__calc__add` (the client adds its own prefix). */
export function endpointToolName (name: string): string {
  return name.startsWith('mcp__') ? name.slice(5) : name
}

/**
 * `/mcp`: the gateway's tools (its MCP servers', memory's) served to MCP-aware clients over Streamable HTTP,
 * in both protocol eras, behind LYNKR_API_KEY. The servers stay on the gateway (isolated, sandboxed,
 * fingerprinted); the client runs the tools through it. The SDK is loaded only when this is on.
 */
export async function registerMcpEndpoint (app: FastifyInstance, tools: () => GatewayTool[], version: string): Promise<void> {
  const { McpServer, createMcpHandler, fromJsonSchema } = await import('@modelcontextprotocol/server')
  type Schema = ReturnType<typeof fromJsonSchema>
  // A fresh McpServer answers each request; a tool's compiled input schema is reused while the tool lives.
  const schemas = new WeakMap<GatewayTool, Schema>()
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'lynkr', version })
    for (const tool of tools()) {
      let schema = schemas.get(tool)
      if (schema === undefined) {
        schema = fromJsonSchema(tool.input_schema as Parameters<typeof fromJsonSchema>[0])
        schemas.set(tool, schema)
      }
      server.registerTool(endpointToolName(tool.name), { ...(tool.description === undefined ? {} : { description: tool.description }), inputSchema: schema }, async (input, context) => {
        const signal = context.mcpReq.signal
        try {
          return toMcpResult(await tool.execute((input ?? {}) as Record<string, unknown>, { signal, log: app.log, requestId: `mcp-${String(context.mcpReq.id)}`, session: 'mcp-endpoint' }))
        } catch (error) {
          return { content: [{ type: 'text' as const, text: `Error: ${(error as Error)?.message ?? String(error)}` }], isError: true }
        }
      })
    }
    return server
  })
  app.route<{ Body: unknown }>({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    handler: async (request, reply) => {
      const apiKey = app.lynkr.apiKey
      if (apiKey !== undefined && !presentsKey(request, apiKey)) throw new LynkrError('authentication', '/mcp needs the key set in LYNKR_API_KEY (x-api-key or Authorization: Bearer)', { code: 'LYNKR_AUTH_INVALID_KEY' })
      const headers = new Headers()
      for (const [name, value] of Object.entries(request.headers)) {
        if (Array.isArray(value)) for (const item of value) headers.append(name, item)
        else if (value !== undefined) headers.set(name, value)
      }
      const webRequest = new Request(`http://${request.headers.host ?? '127.0.0.1'}${request.url}`, { method: request.method, headers, signal: abortedWith(reply.raw) })
      const response = await handler.fetch(webRequest, request.method === 'POST' ? { parsedBody: request.body } : {})
      return await reply.send(response)
    }
  })
  app.addHook('onClose', async () => { await handler.close() })
}

/** Aborted when the response ends or the client goes away, so a long tool call is cancelled. */
function abortedWith (raw: { once: (event: 'close', listener: () => void) => unknown }): AbortSignal {
  const controller = new AbortController()
  raw.once('close', () => { controller.abort() })
  return controller.signal
}

function toMcpResult (result: GatewayToolResult): { content: Array<{ type: 'text', text: string } | { type: 'image', data: string, mimeType: string }>, isError?: boolean } {
  const value = typeof result === 'string' ? { content: result } : result
  const blocks = typeof value.content === 'string' ? [{ type: 'text' as const, text: value.content }] : value.content.map((block) => {
    const item = block as { type: string, text?: string, source?: { type?: string, data?: string, media_type?: string } }
    if (item.type === 'image' && item.source?.type === 'base64') return { type: 'image' as const, data: item.source.data ?? '', mimeType: item.source.media_type ?? 'image/png' }
    return { type: 'text' as const, text: item.text ?? JSON.stringify(item) }
  })
  return { content: blocks, ...(value.isError === true ? { isError: true } : {}) }
}
