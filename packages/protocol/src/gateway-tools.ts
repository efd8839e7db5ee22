import type { ToolResultBlock } from './messages.ts'
import type { Logger } from './provider-adapter.ts'

/** What a gateway tool gets besides its input: the client's call it serves. */
export interface GatewayToolContext {
  /** Aborted when the client goes away or the gateway shuts down. */
  signal: AbortSignal
  log: Logger
  requestId: string
  /** The conversation the call belongs to (session header, else a hash of its opening). */
  session: string
}

/** A tool's answer: plain text, or the content of a `tool_result` block; `isError` tells the model it failed. */
export type GatewayToolResult = string | { content: NonNullable<ToolResultBlock['content']>, isError?: boolean }

/**
 * A tool the gateway runs itself (server-side), declared to the model next to the client's tools. The client
 * never receives a call to it: the gateway executes it, feeds the result back and calls the model again.
 */
export interface GatewayTool {
  /** As the model sees it; must not be a name the client's own tools use. */
  name: string
  description?: string
  /** JSON schema of the input object. */
  input_schema: Record<string, unknown>
  /** Throwing reports the message to the model as a failed tool result (the loop goes on). */
  execute: (input: Record<string, unknown>, context: GatewayToolContext) => Promise<GatewayToolResult>
}

/**
 * How the client sees the calls the gateway ran: `hidden` (nothing; the message just continues) or `server`
 * (Anthropic server-tool style: a `server_tool_use` block and a `gateway_tool_result` block, as web search
 * shows its work; OpenAI clients never see them).
 */
export type GatewayToolBlocks = 'hidden' | 'server'

/** The block type of a gateway tool's result in `server` mode. */
export const GATEWAY_TOOL_RESULT = 'gateway_tool_result'
