import type { ChatMessage, ChatRequest, ToolDefinition } from './messages.ts'

/**
 * Deferred tools (`defer_loading: true`) that a tool search already loaded: Claude Code's ToolSearch answers
 * with `tool_reference` blocks naming them inside its tool result, and from then on sends those tools with
 * their full schema, still marked deferred.
 */
export function loadedToolNames (messages: readonly ChatMessage[]): Set<string> {
  const names = new Set<string>()
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type !== 'tool_result' || !Array.isArray(block.content)) continue
      for (const item of block.content as unknown[]) {
        if (isToolReference(item) && typeof item.tool_name === 'string') names.add(item.tool_name)
      }
    }
  }
  return names
}

/** A `tool_reference` item of a tool result (what a tool search answers with). */
export function isToolReference (item: unknown): item is { type: 'tool_reference', tool_name?: unknown } {
  return typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'tool_reference'
}

/**
 * The client tools an upstream without tool search declares: those with a schema that are not deferred, or
 * deferred and loaded by a tool search earlier in the conversation. Dropping the loaded ones too left every
 * deferred tool (WebSearch, WebFetch, NotebookEdit…) unusable in Claude Code's default mode.
 */
export function declaredTools (request: Pick<ChatRequest, 'tools' | 'messages'>): ToolDefinition[] {
  const tools = request.tools ?? []
  if (!tools.some((tool) => tool.defer_loading === true)) return tools.filter((tool) => tool.input_schema !== undefined)
  const loaded = loadedToolNames(request.messages)
  return tools.filter((tool) => tool.input_schema !== undefined && (tool.defer_loading !== true || loaded.has(tool.name)))
}
