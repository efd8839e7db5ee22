/**
 * Pieces shared by the Chat Completions and Responses parsers: validation helpers and the conversions of
 * content parts, tools, tool_choice and reasoning effort into the internal (Anthropic block) model.
 */
import type { ChatMessage, ChatRequest, ContentBlock, DocumentBlock, ImageBlock, TextBlock, ToolChoice, ToolDefinition, ToolResultBlock } from '@lynkr/protocol'
import { LynkrError, MAX_JSON_DEPTH, conversationProblem, jsonDepthExceeds, modelNameProblem } from '@lynkr/protocol'
import { parseToolArguments } from '@lynkr/core'

export type Json = Record<string, unknown>

/** A 400 for the client; messages name the offending field the way OpenAI words them. */
export function invalid (message: string): LynkrError {
  return new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })
}

export function isObject (value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** The model name: required, and usable in headers and upstream URLs. */
export function requireModel (body: Json): string {
  if (typeof body.model !== 'string' || body.model === '') throw invalid("Missing required parameter: 'model'.")
  const problem = modelNameProblem(body.model)
  if (problem !== undefined) throw invalid(`Invalid 'model': the name ${problem}.`)
  return body.model
}

/** `stream_options`: an object or nothing. */
export function parseStreamOptions (body: Json): boolean {
  const options = body.stream_options
  if (options === undefined || options === null) return false
  if (!isObject(options)) throw invalid(`Invalid type for 'stream_options': expected an object, but got ${typeName(options)} instead.`)
  if (options.include_usage !== undefined && options.include_usage !== null && typeof options.include_usage !== 'boolean') {
    throw invalid(`Invalid type for 'stream_options.include_usage': expected a boolean, but got ${typeName(options.include_usage)} instead.`)
  }
  return options.include_usage === true
}

/** A tool call's arguments (a JSON string, or an object some clients send) as the tool input. */
export function toolInput (args: unknown, where: string): Record<string, unknown> {
  const input = typeof args === 'string' ? parseToolArguments(args) : isObject(args) ? args : {}
  if (jsonDepthExceeds(input, MAX_JSON_DEPTH)) throw invalid(`Invalid '${where}': nested deeper than ${MAX_JSON_DEPTH} levels.`)
  return input
}

export function optionalNumber (body: Json, key: string): number | undefined {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`Invalid type for '${key}': expected a number, but got ${typeName(value)} instead.`)
  return value
}

export function optionalInteger (body: Json, key: string): number | undefined {
  const value = optionalNumber(body, key)
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw invalid(`Invalid '${key}': expected a non-negative integer, got ${value}.`)
  return value
}

export function typeName (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** `data:<media>;base64,<data>` → a base64 image source; an http(s) URL → a url source. */
export function imageBlockFromUrl (url: string, where: string): ImageBlock {
  const match = /^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$/s.exec(url)
  if (match !== null) return { type: 'image', source: { type: 'base64', media_type: match[1] ?? 'image/png', data: match[2] ?? '' } }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } }
  throw invalid(`Invalid '${where}': expected a URL or a base64 data URL.`)
}

function fileBlock (file: Json, where: string): ContentBlock | null {
  const data = typeof file.file_data === 'string' ? file.file_data : undefined
  const title = typeof file.filename === 'string' ? file.filename : undefined
  if (data === undefined) {
    // A file_id refers to OpenAI's file store, which no other upstream can read.
    if (typeof file.file_id === 'string') return { type: 'text', text: `[file ${title ?? file.file_id} omitted: file ids are not supported]` }
    throw invalid(`Invalid '${where}': expected file_data or file_id.`)
  }
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(data)
  const mediaType = match?.[1] ?? 'application/pdf'
  const payload = match?.[2] ?? data
  if (mediaType.startsWith('text/')) {
    const text = Buffer.from(payload, 'base64').toString('utf8')
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...(title ? { title } : {}) } as DocumentBlock
  }
  return { type: 'document', source: { type: 'base64', media_type: mediaType, data: payload }, ...(title ? { title } : {}) } as DocumentBlock
}

/**
 * One content part of either API (`text`, `image_url`, `file`; Responses' `input_text`, `output_text`,
 * `input_image`, `input_file`, `refusal`) to a block. Parts no upstream can use (audio) are dropped; a type
 * neither API has is refused, as OpenAI refuses it.
 */
export function partToBlock (part: unknown, where: string): ContentBlock | null {
  if (!isObject(part) || typeof part.type !== 'string') throw invalid(`Invalid '${where}': expected an object with a string 'type'.`)
  switch (part.type) {
    case 'text': case 'input_text': case 'output_text': {
      if (typeof part.text !== 'string') throw invalid(`Invalid type for '${where}.text': expected a string, but got ${typeName(part.text)} instead.`)
      return part.text === '' ? null : { type: 'text', text: part.text }
    }
    case 'refusal':
      return typeof part.refusal === 'string' && part.refusal !== '' ? { type: 'text', text: part.refusal } : null
    case 'image_url': {
      const image = part.image_url
      const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined
      if (typeof url !== 'string') throw invalid(`Invalid '${where}.image_url': expected {url}.`)
      return imageBlockFromUrl(url, `${where}.image_url.url`)
    }
    case 'input_image': {
      if (typeof part.image_url === 'string') return imageBlockFromUrl(part.image_url, `${where}.image_url`)
      if (typeof part.file_id === 'string') return { type: 'text', text: '[image omitted: file ids are not supported]' }
      throw invalid(`Invalid '${where}': input_image needs image_url.`)
    }
    case 'file':
      if (!isObject(part.file)) throw invalid(`Invalid '${where}.file': expected an object.`)
      return fileBlock(part.file, `${where}.file`)
    case 'input_file':
      return fileBlock(part, where)
    case 'input_audio': case 'audio':
      // No upstream behind lynkr takes audio in chat; dropped (documented in the README).
      return null
    default:
      throw invalid(`Invalid value for '${where}.type': '${part.type}' is not a supported content part type.`)
  }
}

/** A string or a list of parts to blocks; empty text is dropped (strict upstreams reject it). */
export function contentToBlocks (content: unknown, where: string): ContentBlock[] {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  if (!Array.isArray(content)) throw invalid(`Invalid type for '${where}': expected a string or an array of content parts, but got ${typeName(content)} instead.`)
  const blocks: ContentBlock[] = []
  content.forEach((part, index) => {
    const block = partToBlock(part, `${where}[${index}]`)
    if (block !== null) blocks.push(block)
  })
  return blocks
}

/** System/developer content: text only. */
export function systemText (content: unknown, where: string): TextBlock[] {
  return contentToBlocks(content, where).filter((block): block is TextBlock => block.type === 'text')
}

/** Tool output as tool_result content: a string stays a string; parts become text (and image) blocks. */
export function toolResultContent (content: unknown, where: string): ToolResultBlock['content'] {
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  if (!isObject(content) && !Array.isArray(content)) return String(content)
  const blocks = contentToBlocks(content, where).filter((block) => block.type === 'text' || block.type === 'image') as Array<TextBlock | ImageBlock>
  return blocks
}

/** The custom (free-form) tools' argument wrapper: one string argument (protocols.md §2.7). */
export const CUSTOM_TOOL_ARGUMENT = 'input'

export function customToolSchema (description: string | undefined): Record<string, unknown> {
  return {
    type: 'object',
    properties: { [CUSTOM_TOOL_ARGUMENT]: { type: 'string', description: description ?? 'The raw input for this tool' } },
    required: [CUSTOM_TOOL_ARGUMENT]
  }
}

function functionTool (name: unknown, description: unknown, parameters: unknown, strict: unknown, where: string): ToolDefinition {
  if (typeof name !== 'string' || name === '') throw invalid(`Missing required parameter: '${where}.name'.`)
  if (parameters !== undefined && parameters !== null && !isObject(parameters)) throw invalid(`Invalid type for '${where}.parameters': expected an object.`)
  const tool: ToolDefinition = { name, input_schema: isObject(parameters) ? parameters : { type: 'object', properties: {} } }
  if (typeof description === 'string' && description !== '') tool.description = description
  if (typeof strict === 'boolean') tool.strict = strict
  return tool
}

/** OpenAI's hosted tools: dropped (they run only on OpenAI's side). Anything else unknown is refused. */
const BUILT_IN_TOOL = /^(?:web_search|web_search_preview|file_search|code_interpreter|computer_use|computer_use_preview|image_generation|mcp|local_shell|shell|apply_patch)(?:_\d{4}_\d{2}_\d{2})?$/

export interface ParsedTools { tools: ToolDefinition[], customTools: Set<string> }

/**
 * Chat tools (`{type:'function', function:{…}}`), Responses/Cursor flat tools (`{type:'function', name,
 * parameters}`) and custom tools (`{type:'custom', …}`, mapped to a function with one string argument).
 * Built-in tools (web_search, file_search…) have no meaning off OpenAI and are dropped.
 */
export function parseTools (tools: unknown): ParsedTools {
  const result: ParsedTools = { tools: [], customTools: new Set() }
  if (tools === undefined || tools === null) return result
  if (!Array.isArray(tools)) throw invalid(`Invalid type for 'tools': expected an array, but got ${typeName(tools)} instead.`)
  tools.forEach((tool, index) => {
    const where = `tools[${index}]`
    if (!isObject(tool)) throw invalid(`Invalid type for '${where}': expected an object.`)
    if (tool.type === undefined && !isObject(tool.function)) throw invalid(`Missing required parameter: '${where}.type'.`)
    if (tool.type !== undefined && typeof tool.type !== 'string') throw invalid(`Invalid type for '${where}.type': expected a string, but got ${typeName(tool.type)} instead.`)
    if (tool.type === 'function' || (tool.type === undefined && isObject(tool.function))) {
      const fn = isObject(tool.function) ? tool.function : tool
      result.tools.push(functionTool(fn.name, fn.description, fn.parameters, fn.strict, isObject(tool.function) ? `${where}.function` : where))
    } else if (tool.type === 'custom') {
      const custom = isObject(tool.custom) ? tool.custom : tool
      if (typeof custom.name !== 'string' || custom.name === '') throw invalid(`Missing required parameter: '${where}.name'.`)
      const description = typeof custom.description === 'string' ? custom.description : undefined
      result.tools.push({ name: custom.name, ...(description ? { description } : {}), input_schema: customToolSchema(description) })
      result.customTools.add(custom.name)
    } else if (!BUILT_IN_TOOL.test(tool.type as string)) {
      throw invalid(`Invalid value for '${where}.type': '${String(tool.type)}' is not a supported tool type.`)
    }
  })
  return result
}

/**
 * `none | auto | required | {type:'function', function:{name}} | {type:'function', name} (Responses) |
 * {type:'custom', …} | {type:'allowed_tools', allowed_tools:{mode}}`, plus parallel_tool_calls.
 */
export function parseToolChoice (choice: unknown, parallel: unknown): ToolChoice | undefined {
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') {
    throw invalid(`Invalid type for 'parallel_tool_calls': expected a boolean, but got ${typeName(parallel)} instead.`)
  }
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {}
  if (choice === undefined || choice === null) return parallel === false ? { type: 'auto', ...noParallel } : undefined
  if (choice === 'none') return { type: 'none' }
  if (choice === 'auto') return { type: 'auto', ...noParallel }
  if (choice === 'required') return { type: 'any', ...noParallel }
  if (isObject(choice)) {
    if (choice.type === 'function' || choice.type === 'custom') {
      const inner = isObject(choice.function) ? choice.function : isObject(choice.custom) ? choice.custom : choice
      if (typeof inner.name === 'string' && inner.name !== '') return { type: 'tool', name: inner.name, ...noParallel }
    }
    if (choice.type === 'allowed_tools') {
      const mode = isObject(choice.allowed_tools) ? choice.allowed_tools.mode : choice.mode
      return mode === 'required' ? { type: 'any', ...noParallel } : { type: 'auto', ...noParallel }
    }
  }
  throw invalid("Invalid 'tool_choice': expected 'none', 'auto', 'required' or {type: 'function', function: {name}}.")
}

/** reasoning_effort / reasoning.effort to the internal hint; `none` turns thinking off. */
export function parseEffort (effort: unknown, where: string): Pick<ChatRequest, 'effort' | 'thinking'> {
  if (effort === undefined || effort === null) return {}
  switch (effort) {
    case 'none': return { thinking: { type: 'disabled' } }
    case 'minimal': case 'low': return { effort: 'low' }
    case 'medium': case 'high': case 'xhigh': case 'max': return { effort: effort as NonNullable<ChatRequest['effort']> }
    default: throw invalid(`Invalid value for '${where}': expected one of none, minimal, low, medium, high, xhigh, max.`)
  }
}

export function parseStop (stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined
  if (typeof stop === 'string') return stop === '' ? undefined : [stop]
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return (stop as string[]).filter((item) => item !== '')
  throw invalid("Invalid type for 'stop': expected a string or an array of strings.")
}

/** Tool calls and their results must pair up, as OpenAI requires (and every other upstream). */
export function checkToolConversation (messages: ChatMessage[], field: 'messages' | 'input'): void {
  const problem = conversationProblem(messages, { userFirst: false })
  if (problem === undefined) return
  switch (problem.rule) {
    case 'duplicate-tool-use':
      throw invalid(`Invalid '${field}': the tool call id '${problem.id}' is used by more than one tool call.`)
    case 'orphan-tool-result':
      throw invalid(`Invalid parameter: '${field}' has a tool result for '${problem.id}', which is not in the tool calls of the preceding assistant message.`)
    case 'duplicate-tool-result':
      throw invalid(`Invalid '${field}': more than one tool result for the tool call '${problem.id}'.`)
    case 'unanswered-tool-use':
      throw invalid(`Invalid '${field}': an assistant message with tool calls must be followed by tool results for each call; missing: ${problem.ids.join(', ')}.`)
    default:
      break
  }
}

/**
 * Builds the message list with the invariants every upstream needs: consecutive same-role turns merged,
 * tool results first in their user turn (Anthropic requires it; OpenAI needs the tool messages right
 * after the assistant turn), and no empty messages.
 */
export class MessageBuilder {
  readonly messages: ChatMessage[] = []

  private last (role: ChatMessage['role']): ChatMessage {
    const previous = this.messages.at(-1)
    if (previous !== undefined && previous.role === role && role !== 'system') return previous
    const message: ChatMessage = { role, content: [] }
    this.messages.push(message)
    return message
  }

  add (role: ChatMessage['role'], blocks: ContentBlock[]): void {
    if (blocks.length === 0) return
    this.last(role).content.push(...blocks)
  }

  addToolResult (block: ToolResultBlock): void {
    const turn = this.last('user')
    const firstOther = turn.content.findIndex((existing) => existing.type !== 'tool_result')
    if (firstOther === -1) turn.content.push(block)
    else turn.content.splice(firstOther, 0, block)
  }
}
