import type { AnthropicTopLevelField, AnthropicTopLevelFields, CallContext, ChatRequest, ProviderAdapter, ToolDefinition } from '@lynkr/protocol'
import { isServerTool } from '@lynkr/protocol'

/**
 * Told to the model when a server tool was removed. Without it, a request such as Claude Code's WebSearch
 * ("Perform a web search for the query: …") gets an answer from memory worded as search results, with
 * made-up sources: exactly the silent degradation this notice exists to end. One short system block, only
 * on requests that carried a server tool the upstream cannot serve; every other prompt stays as it was.
 */
export function serverToolNote (provider: string, names: string[], what = 'web search or other server tool'): string {
  return `Note from the gateway: the ${names.join(', ')} tool${names.length === 1 ? ' is' : 's are'} not available with this model (provider ${provider}), so no ${what} ran for this request. Say so plainly if the task needed it, and do not present remembered information as search results or cite sources you did not read.`
}

/** The request without the server tools the adapter cannot serve, or undefined when it can serve them all. */
export function withoutUnservedServerTools (adapter: ProviderAdapter, request: ChatRequest): { request: ChatRequest, removed: ToolDefinition[] } | undefined {
  const tools = request.tools
  if (tools === undefined || !tools.some(isServerTool)) return undefined
  const removed = tools.filter((tool) => isServerTool(tool) && adapter.supportsServerTool?.(tool, request) !== true)
  if (removed.length === 0) return undefined
  const names = [...new Set(removed.map((tool) => tool.name))]
  const kept = tools.filter((tool) => !removed.includes(tool))
  const choice = request.tool_choice
  const choiceGone = choice?.type === 'tool' && names.includes(choice.name)
  const next: ChatRequest = {
    ...request,
    tools: kept,
    ...(choiceGone ? { tool_choice: kept.length > 0 ? { type: 'auto' } : undefined } : {}),
    system: [...(request.system ?? []), { type: 'text', text: serverToolNote(adapter.id, names) }]
  }
  if (next.tool_choice === undefined) delete next.tool_choice
  return { request: next, removed }
}

/** What an upstream loses with each of Anthropic's top-level fields; `service_tier` only picks a capacity pool. */
const FIELD_LOSS: Record<AnthropicTopLevelField, string | undefined> = {
  context_management: 'old tool results are not cleared by the provider, so the context fills sooner',
  container: 'no code-execution container is attached',
  mcp_servers: 'the MCP servers\' tools do not exist for the model',
  service_tier: undefined
}

/** The request without the Anthropic top-level fields the adapter does not take, and which were removed. */
function withoutUntakenFields (adapter: ProviderAdapter, request: ChatRequest, context: CallContext): { request: ChatRequest, removed: AnthropicTopLevelField[] } | undefined {
  const fields = request.anthropicFields
  if (fields === undefined) return undefined
  const kept: AnthropicTopLevelFields = { ...fields }
  const removed: AnthropicTopLevelField[] = []
  for (const field of Object.keys(fields) as AnthropicTopLevelField[]) {
    if (adapter.supportsTopLevelField?.(field, request, context) === true) continue
    delete kept[field]
    removed.push(field)
  }
  if (removed.length === 0) return undefined
  const next: ChatRequest = { ...request, anthropicFields: Object.keys(kept).length > 0 ? kept : undefined }
  if (next.anthropicFields === undefined) delete next.anthropicFields
  // Like a removed server tool, missing MCP tools would otherwise be answered from memory as if they had run.
  const servers = removed.includes('mcp_servers') ? (fields.mcp_servers ?? []).map((server) => `${server.name} (MCP server)`) : []
  if (servers.length > 0) next.system = [...(next.system ?? []), { type: 'text', text: serverToolNote(adapter.id, servers, 'MCP server tool') }]
  return { request: next, removed }
}

/**
 * Removes server tools (Anthropic's web search, web fetch, code execution…) the upstream cannot serve, says so
 * in a warning once per provider and tool (not per request: Claude Code would repeat it on every search), and
 * tells the model (serverToolNote). Every provider's adapter is wrapped with this when it registers.
 */
export function withServerToolNotice (adapter: ProviderAdapter): ProviderAdapter {
  const warned = new Set<string>()
  const prepare = (original: ChatRequest, context: CallContext): ChatRequest => {
    const request = withoutFields(original, context)
    const stripped = withoutUnservedServerTools(adapter, request)
    if (stripped === undefined) return request
    for (const tool of stripped.removed) {
      const key = `${tool.name}:${String(tool.type)}`
      if (warned.has(key)) continue
      warned.add(key)
      context.log.warn({ provider: adapter.id, tool: tool.name, toolType: tool.type }, `${adapter.id} cannot run Anthropic's server tool ${tool.name} (${String(tool.type)}): it is removed from requests to this provider, and the model is told that no search ran (logged once)`)
    }
    return stripped.request
  }
  /** Anthropic's top-level fields the upstream does not take go too: warned once where that changes behaviour. */
  const withoutFields = (request: ChatRequest, context: CallContext): ChatRequest => {
    const stripped = withoutUntakenFields(adapter, request, context)
    if (stripped === undefined) return request
    for (const field of stripped.removed) {
      const loss = FIELD_LOSS[field]
      if (loss === undefined) {
        context.log.debug({ provider: adapter.id, field }, `${field} is not sent to ${adapter.id}`)
        continue
      }
      if (warned.has(`field:${field}`)) continue
      warned.add(`field:${field}`)
      context.log.warn({ provider: adapter.id, field }, `${adapter.id} does not take Anthropic's ${field}: it is removed from requests to this provider, so ${loss} (logged once)`)
    }
    return stripped.request
  }
  return {
    ...adapter,
    chat: async (request, context) => await adapter.chat(prepare(request, context), context),
    chatStream: async (request, context) => await adapter.chatStream(prepare(request, context), context)
  }
}
