import type { GatewayTool, GatewayToolContext, GatewayToolResult } from '@lynkr/protocol'
import { refusalsAsResults } from './tool-result.ts'

/** For tests: runs a tool as the loop would (refusals as results) and gives its text and error flag. */
export async function callTool (tool: GatewayTool, input: Record<string, unknown>, context: GatewayToolContext = testContext()): Promise<{ text: string, isError: boolean }> {
  const result: GatewayToolResult = await refusalsAsResults(tool).execute(input, context)
  if (typeof result === 'string') return { text: result, isError: false }
  return { text: String(result.content), isError: result.isError === true }
}

export function testContext (): GatewayToolContext {
  return { signal: new AbortController().signal, log: console, requestId: 'r1', session: 's1' } as unknown as GatewayToolContext
}
