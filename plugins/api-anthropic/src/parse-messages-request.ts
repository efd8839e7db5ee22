import type { AnthropicTopLevelFields, ChatMessage, ChatRequest, ContentBlock, TextBlock, ThinkingConfig, ToolChoice, ToolDefinition } from '@lynkr/protocol'
import { LynkrError, definedFields, modelNameProblem } from '@lynkr/protocol'
import type { CacheControl } from '@lynkr/protocol'
import { checkConversation } from './check-conversation.ts'

type Json = Record<string, unknown>

function invalid (message: string): LynkrError {
  return new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })
}

function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Block types of messages (protocols.md §1.3); server tools' results all end in `_tool_result`. */
const MESSAGE_BLOCKS = new Set(['text', 'image', 'document', 'search_result', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use', 'mcp_tool_use', 'container_upload'])
/** What a tool_result's content list may hold. */
const TOOL_RESULT_BLOCKS = new Set(['text', 'image', 'document', 'search_result', 'tool_reference'])

const knownBlock = (type: string): boolean => MESSAGE_BLOCKS.has(type) || type.endsWith('_tool_result')

/** The fields translators read from a block, checked so a wrong type is the client's 400 here, not an exception later. */
function checkBlock (block: Json, at: string): void {
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw invalid(`${at}.text: Input should be a valid string`)
      break
    case 'tool_use':
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw invalid(`${at}: tool_use needs string "id" and "name"`)
      if (!isObject(block.input)) throw invalid(`${at}.input: Input should be an object`)
      break
    case 'tool_result':
      if (typeof block.tool_use_id !== 'string') throw invalid(`${at}.tool_use_id: Field required`)
      if (block.is_error !== undefined && block.is_error !== null && typeof block.is_error !== 'boolean') throw invalid(`${at}.is_error: Input should be a valid boolean`)
      checkToolResultContent(block.content, `${at}.content`)
      break
    case 'image': case 'document':
      if (!isObject(block.source)) throw invalid(`${at}.source: Field required`)
      break
    case 'thinking':
      if (typeof block.thinking !== 'string') throw invalid(`${at}.thinking: Input should be a valid string`)
      break
    case 'redacted_thinking':
      if (typeof block.data !== 'string') throw invalid(`${at}.data: Input should be a valid string`)
      break
  }
}

function checkToolResultContent (content: unknown, at: string): void {
  if (content === undefined || content === null || typeof content === 'string') return
  if (!Array.isArray(content)) throw invalid(`${at}: Input should be a string or a list of content blocks`)
  content.forEach((block, index) => {
    if (!isObject(block) || typeof block.type !== 'string') throw invalid(`${at}.${index}: each content block must be an object with a string "type"`)
    if (!TOOL_RESULT_BLOCKS.has(block.type)) throw invalid(`${at}.${index}.type: Input tag '${block.type}' does not match any of the expected tags: ${[...TOOL_RESULT_BLOCKS].join(', ')}`)
    checkBlock(block, `${at}.${index}`)
  })
}

/** Content: a string is shorthand for one text block; empty text blocks are dropped (strict upstreams reject them). */
function parseContent (content: unknown, where: string): ContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) throw invalid(`${where}.content: Input should be a string or a list of content blocks`)
  const blocks: ContentBlock[] = []
  content.forEach((block, index) => {
    const at = `${where}.content.${index}`
    if (!isObject(block) || typeof block.type !== 'string') throw invalid(`${at}: each content block must be an object with a string "type"`)
    if (!knownBlock(block.type)) throw invalid(`${at}.type: unknown content block type '${block.type}'`)
    checkBlock(block, at)
    if (block.type === 'text' && block.text === '') return
    blocks.push(block as unknown as ContentBlock)
  })
  return blocks
}

function parseSystem (system: unknown): TextBlock[] | undefined {
  if (system === undefined || system === null) return undefined
  if (typeof system === 'string') return system === '' ? undefined : [{ type: 'text', text: system }]
  if (!Array.isArray(system)) throw invalid('system: Input should be a string or a list of text blocks')
  return system.map((block, index) => {
    if (!isObject(block) || block.type !== 'text' || typeof block.text !== 'string') throw invalid(`system.${index}: each system block must be {type:"text", text}`)
    return block as unknown as TextBlock
  }).filter((block) => block.text !== '')
}

function parseTools (tools: unknown): ToolDefinition[] | undefined {
  if (tools === undefined || tools === null) return undefined
  if (!Array.isArray(tools)) throw invalid('tools: Input should be a list')
  return tools.map((tool, index) => {
    if (!isObject(tool) || typeof tool.name !== 'string' || tool.name === '') throw invalid(`tools.${index}.name: Field required`)
    if (tool.input_schema !== undefined && !isObject(tool.input_schema)) throw invalid(`tools.${index}.input_schema: Input should be an object`)
    return tool as unknown as ToolDefinition
  })
}

function parseToolChoice (choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined
  if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(String(choice.type))) {
    throw invalid('tool_choice: Input should be {type: "auto" | "any" | "tool" | "none"}')
  }
  if (choice.type === 'tool' && typeof choice.name !== 'string') throw invalid('tool_choice.name: Field required when type is "tool"')
  return choice as unknown as ToolChoice
}

function optionalNumber (body: Json, key: string): number | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${key}: Input should be a valid number`)
  return value
}

/** Anthropic's top-level fields with no meaning off Anthropic, checked as its API checks them (a wrong type is a 400). */
function parseAnthropicFields (body: Json): AnthropicTopLevelFields | undefined {
  const fields: AnthropicTopLevelFields = {}
  const { context_management: context, container, mcp_servers: servers, service_tier: tier } = body
  if (context !== undefined && context !== null) {
    if (!isObject(context)) throw invalid('context_management: Input should be an object')
    if (context.edits !== undefined && !Array.isArray(context.edits)) throw invalid('context_management.edits: Input should be a valid list')
    fields.context_management = context
  }
  if (container !== undefined && container !== null) {
    if (typeof container !== 'string' && !isObject(container)) throw invalid('container: Input should be a valid string or an object')
    fields.container = container
  }
  if (servers !== undefined && servers !== null) {
    if (!Array.isArray(servers)) throw invalid('mcp_servers: Input should be a valid list')
    servers.forEach((server, index) => {
      if (!isObject(server) || typeof server.type !== 'string' || typeof server.url !== 'string' || typeof server.name !== 'string') {
        throw invalid(`mcp_servers.${index}: each MCP server needs string "type", "url" and "name"`)
      }
    })
    fields.mcp_servers = servers as AnthropicTopLevelFields['mcp_servers']
  }
  if (tier !== undefined && tier !== null) {
    if (tier !== 'auto' && tier !== 'standard_only') throw invalid("service_tier: Input should be 'auto' or 'standard_only'")
    fields.service_tier = tier
  }
  return Object.keys(fields).length > 0 ? fields : undefined
}

function parseMessages (messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages)) throw invalid('messages: Field required (a list of messages)')
  return messages.map((message, index) => {
    if (!isObject(message)) throw invalid(`messages.${index}: Input should be an object`)
    const role = message.role
    if (role !== 'user' && role !== 'assistant' && role !== 'system') throw invalid(`messages.${index}.role: Input should be "user" or "assistant"`)
    return { role, content: parseContent(message.content, `messages.${index}`) }
  })
}

/**
 * Validates an Anthropic Messages body and turns it into the internal request. Accepts everything
 * Claude Code 2.1.x sends (protocols.md A.1); Anthropic-only top-level fields (context_management, container,
 * mcp_servers, service_tier) are carried for Anthropic-format upstreams; others are ignored.
 */
export function parseMessagesRequest (body: unknown, options: { countOnly?: boolean } = {}): ChatRequest {
  if (!isObject(body)) throw invalid('Request body must be a JSON object')
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model: Field required')
  const badName = modelNameProblem(body.model)
  if (badName !== undefined) throw invalid(`model: the name ${badName}`)
  const messages = parseMessages(body.messages)
  if (messages.length === 0 && options.countOnly !== true) throw invalid('messages: at least one message is required')
  // Counting is lenient about the conversation's shape (Claude Code counts parts of one).
  if (options.countOnly !== true) checkConversation(messages)
  let maxTokens = 0
  if (options.countOnly !== true) {
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 0) {
      throw invalid('max_tokens: Field required (a non-negative integer)')
    }
    maxTokens = body.max_tokens
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('stream: Input should be a valid boolean')
  if (body.stop_sequences !== undefined && (!Array.isArray(body.stop_sequences) || body.stop_sequences.some((s) => typeof s !== 'string'))) {
    throw invalid('stop_sequences: Input should be a list of strings')
  }
  if (body.thinking !== undefined && body.thinking !== null && !isObject(body.thinking)) throw invalid('thinking: Input should be an object')
  const metadata = isObject(body.metadata) ? body.metadata : undefined
  const outputConfig = isObject(body.output_config) ? body.output_config : undefined
  const effort = typeof outputConfig?.effort === 'string' ? outputConfig.effort as ChatRequest['effort'] : undefined
  const format = isObject(outputConfig?.format) ? outputConfig.format : undefined

  return definedFields<ChatRequest>({
    model: body.model,
    clientModel: body.model,
    system: parseSystem(body.system),
    messages,
    tools: parseTools(body.tools),
    tool_choice: parseToolChoice(body.tool_choice),
    max_tokens: maxTokens,
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
    top_k: optionalNumber(body, 'top_k'),
    stop_sequences: body.stop_sequences as string[] | undefined,
    thinking: (body.thinking ?? undefined) as ThinkingConfig | undefined,
    effort,
    responseFormat: format && isObject(format.schema) ? { type: 'json_schema', schema: format.schema as Json } : undefined,
    userId: typeof metadata?.user_id === 'string' ? metadata.user_id : undefined,
    stream: body.stream === true,
    // Placed as a breakpoint by the prompt-cache step, after every step that changes content.
    cacheControl: isObject(body.cache_control) && typeof body.cache_control.type === 'string' ? body.cache_control as unknown as CacheControl : undefined,
    anthropicFields: parseAnthropicFields(body)
  })
}
