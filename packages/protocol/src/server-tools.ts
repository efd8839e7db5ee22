import type { ChatRequest, ToolDefinition } from './messages.ts'

/**
 * A tool Anthropic's API defines and runs itself (`web_search_20250305`, `web_fetch_…`, `code_execution_…`):
 * it has a versioned `type` and no `input_schema`. (Anthropic's schema-less client tools such as `bash_…` look
 * the same; no other upstream can use those either.)
 */
export function isServerTool (tool: ToolDefinition): boolean {
  return typeof tool.type === 'string' && tool.type !== 'custom' && tool.input_schema === undefined
}

export function isWebSearchTool (tool: ToolDefinition): boolean {
  return isServerTool(tool) && typeof tool.type === 'string' && tool.type.startsWith('web_search_')
}

/** The options of Anthropic's web search tool (its request fields as the client sent them). */
export interface WebSearchToolOptions {
  max_uses?: number
  allowed_domains?: string[]
  blocked_domains?: string[]
  user_location?: Record<string, unknown>
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') && value.length > 0 ? value as string[] : undefined

/** The web search server tool of a request, or undefined when it carries none. */
export function webSearchTool (request: Pick<ChatRequest, 'tools'>): WebSearchToolOptions | undefined {
  const tool = request.tools?.find(isWebSearchTool)
  if (tool === undefined) return undefined
  const options: WebSearchToolOptions = {}
  if (typeof tool.max_uses === 'number' && tool.max_uses > 0) options.max_uses = tool.max_uses
  const allowed = strings(tool.allowed_domains)
  if (allowed !== undefined) options.allowed_domains = allowed
  const blocked = strings(tool.blocked_domains)
  if (blocked !== undefined) options.blocked_domains = blocked
  if (tool.user_location !== null && typeof tool.user_location === 'object') options.user_location = tool.user_location as Record<string, unknown>
  return options
}

/**
 * What lynkr puts in a `web_search_result`'s `encrypted_content` when the search ran on another upstream
 * (Gemini grounding, OpenRouter's web plugin): not encrypted, just opaque to the client, so a later turn that
 * sends the result back can show the model what the page said (`serverToolText`). Anthropic's own values
 * stay as they are: only Anthropic can read them.
 */
export const LYNKR_SEARCH_CONTENT_PREFIX = 'lynkr.web_search.v1:'

export interface LynkrSearchContent { provider: string, snippets: string[] }

export function encodeSearchContent (content: LynkrSearchContent): string {
  return LYNKR_SEARCH_CONTENT_PREFIX + Buffer.from(JSON.stringify(content), 'utf8').toString('base64url')
}

export function decodeSearchContent (value: unknown): LynkrSearchContent | undefined {
  if (typeof value !== 'string' || !value.startsWith(LYNKR_SEARCH_CONTENT_PREFIX)) return undefined
  try {
    const decoded = JSON.parse(Buffer.from(value.slice(LYNKR_SEARCH_CONTENT_PREFIX.length), 'base64url').toString('utf8')) as Partial<LynkrSearchContent>
    if (typeof decoded.provider !== 'string' || !Array.isArray(decoded.snippets)) return undefined
    return { provider: decoded.provider, snippets: decoded.snippets.filter((snippet): snippet is string => typeof snippet === 'string') }
  } catch {
    return undefined
  }
}

/** The `encrypted_index` of a citation lynkr made for another upstream's search: the result's position, marked as ours. */
export function encodeCitationIndex (result: number): string {
  return Buffer.from(JSON.stringify({ lynkr: 1, result })).toString('base64')
}

/**
 * Whether a web search block or citation was made by lynkr from another upstream's search rather than by
 * Anthropic: such contents and indexes mean nothing to Anthropic's API, which cannot verify them.
 */
export function isLynkrSearchResult (block: { content?: unknown }): boolean {
  return Array.isArray(block.content) && block.content.some((item) => typeof item === 'object' && item !== null && decodeSearchContent((item as { encrypted_content?: unknown }).encrypted_content) !== undefined)
}

export function isLynkrCitation (citation: unknown): boolean {
  const index = typeof citation === 'object' && citation !== null ? (citation as { encrypted_index?: unknown }).encrypted_index : undefined
  if (typeof index !== 'string') return false
  try {
    return (JSON.parse(Buffer.from(index, 'base64').toString('utf8')) as { lynkr?: unknown }).lynkr === 1
  } catch {
    return false
  }
}
