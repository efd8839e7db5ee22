import { createServer } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { McpServer, createMcpHandler, fromJsonSchema, legacyStatelessFallback } from '@modelcontextprotocol/server'
import { toNodeHandler } from '@modelcontextprotocol/node'

// Real MCP servers for the MCP tests: the npm servers (run offline from node_modules), lynkr's own stdio test
// server (test/fixtures/mcp/test-server.mjs) and a Streamable HTTP server built here with the v2 server package.

const require = createRequire(import.meta.url)
export const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js')
export const FILESYSTEM = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js')
export const TEST_SERVER = new URL('../fixtures/mcp/test-server.mjs', import.meta.url).pathname

export function tempDir (prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lynkr-${prefix}-`))
}

/** Writes a manifest file into a fresh directory (for MCP_MANIFEST_DIRS) and returns the directory. */
export function manifestDir (files: Record<string, unknown>): string {
  const dir = tempDir('mcp-manifests')
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content, null, 2))
  return dir
}

/**
 * A Streamable HTTP MCP server on a loopback port with one tool, `shout`. `era: 'both'` serves the
 * 2026-07-28 protocol and falls back to stateless 2025 serving; `legacy` serves only the 2025 protocol.
 */
export async function startHttpMcpServer (era: 'both' | 'legacy'): Promise<{ url: string, calls: string[], close: () => Promise<void> }> {
  const calls: string[] = []
  const factory = (): McpServer => {
    const server = new McpServer({ name: 'lynkr-http-test', version: '1.0.0' })
    server.registerTool('shout', { description: 'Upper-cases a text', inputSchema: fromJsonSchema<{ text: string }>({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }) }, async ({ text }) => {
      calls.push(text)
      return { content: [{ type: 'text', text: text.toUpperCase() }] }
    })
    return server
  }
  const handler = era === 'both' ? createMcpHandler(factory) : { fetch: legacyStatelessFallback(factory), close: async () => {} }
  const http = createServer(toNodeHandler(handler))
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: async () => {
      await handler.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }
}

/** Polls until `check` holds; generous by default (a busy machine), and says what it waited for. */
export async function waitFor (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
