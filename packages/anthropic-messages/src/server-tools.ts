import type { ToolDefinition } from '@lynkr/protocol'
import { betaAllowed } from './betas.ts'

/**
 * Which of Anthropic's tools with a versioned `type` (server tools such as `web_search_…`, and the schema-less
 * client tools such as `bash_…`) an Anthropic-format upstream accepts, by type: exact names or `prefix*`
 * patterns, `*` for all. A tool not listed is removed before the request with core's server-tool notice
 * (the model is told no search ran) instead of reaching an upstream that answers 400 or ignores it.
 */
export type ServerToolList = readonly string[]

/** Anthropic's API and Microsoft Foundry (which serves the same API) run every server tool. */
export const ANTHROPIC_API_SERVER_TOOLS: ServerToolList = ['*']

/**
 * Claude on Bedrock takes Anthropic's client tools (bash, text editor, computer use, memory) and tool search,
 * but has no web search or web fetch (they run on Anthropic's infrastructure), nor code execution.
 */
export const BEDROCK_SERVER_TOOLS: ServerToolList = ['bash_*', 'text_editor_*', 'computer_*', 'memory_*', 'tool_search_tool_*']

/** Whether the list lets this tool through. */
export function servesServerTool (tool: ToolDefinition, list: ServerToolList): boolean {
  return typeof tool.type === 'string' && betaAllowed(tool.type, list)
}

/** Whether the list runs the server tool a `server_tool_use` block names (`web_search` for `web_search_20250305`). */
export function runsServerToolNamed (name: string, list: ServerToolList): boolean {
  const prefix = `${name}_`
  return list.some((entry) => {
    const stem = entry.endsWith('*') ? entry.slice(0, -1) : entry
    return stem.startsWith(prefix) || prefix.startsWith(stem)
  })
}

/** Parses a `*_SERVER_TOOLS` variable: comma-separated types or `prefix*` patterns, `*` for all, empty for none. */
export function parseServerToolList (value: string | undefined, fallback: ServerToolList): ServerToolList {
  if (value === undefined) return fallback
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
}
