/**
 * OpenAI Chat Completions body → the internal request (protocols.md §2.1, §3.3). Also accepts the
 * Responses-shaped bodies Cursor sends to /chat/completions for some model names (§2.7).
 */
import type { ChatRequest, ContentBlock, ToolUseBlock } from '@lynkr/protocol'
import { definedFields } from '@lynkr/protocol'
import {
  CUSTOM_TOOL_ARGUMENT, MessageBuilder, contentToBlocks, invalid, isObject, optionalInteger, optionalNumber, parseEffort,
  checkToolConversation, parseStop, parseStreamOptions, parseToolChoice, parseTools, requireModel, systemText, toolInput, toolResultContent, typeName
} from './request-parts.ts'
import type { Json } from './request-parts.ts'
import { parseResponsesBody } from './parse-responses-request.ts'

/** What a front-door route needs besides the internal request. */
export interface ParsedChatRequest {
  request: ChatRequest
  /** `stream_options.include_usage`: send the trailing usage chunk. */
  includeUsage: boolean
  /** Names of custom (free-form) tools, whose single `input` argument is unwrapped on the way back. */
  customTools: Set<string>
}

function toolCallsToBlocks (calls: unknown, where: string, customTools: Set<string>): ToolUseBlock[] {
  if (calls === undefined || calls === null) return []
  if (!Array.isArray(calls)) throw invalid(`Invalid type for '${where}': expected an array, but got ${typeName(calls)} instead.`)
  // Cursor sends `tool_calls: []`, which strict upstreams reject: an empty list simply means no calls.
  return calls.map((call, index) => {
    const at = `${where}[${index}]`
    if (!isObject(call)) throw invalid(`Invalid type for '${at}': expected an object.`)
    if (typeof call.id !== 'string' || call.id === '') throw invalid(`Missing required parameter: '${at}.id'.`)
    if (call.type === 'custom' || isObject(call.custom)) {
      const custom = isObject(call.custom) ? call.custom : {}
      if (typeof custom.name !== 'string') throw invalid(`Missing required parameter: '${at}.custom.name'.`)
      customTools.add(custom.name)
      return { type: 'tool_use', id: call.id, name: custom.name, input: { [CUSTOM_TOOL_ARGUMENT]: typeof custom.input === 'string' ? custom.input : '' } }
    }
    const fn = call.function
    if (!isObject(fn) || typeof fn.name !== 'string' || fn.name === '') throw invalid(`Missing required parameter: '${at}.function.name'.`)
    return { type: 'tool_use', id: call.id, name: fn.name, input: toolInput(fn.arguments, `${at}.function.arguments`) }
  })
}

function convertMessages (messages: unknown, customTools: Set<string>): Pick<ChatRequest, 'system' | 'messages'> & { conversation: boolean } {
  if (messages === undefined || messages === null) throw invalid("Missing required parameter: 'messages'.")
  if (!Array.isArray(messages)) throw invalid(`Invalid type for 'messages': expected an array, but got ${typeName(messages)} instead.`)
  const builder = new MessageBuilder()
  const system: ChatRequest['system'] = []
  // Deprecated `function_call` turns carry no id: pair them with the `function` role replies by order.
  const functionCallIds: string[] = []

  messages.forEach((message, index) => {
    const where = `messages[${index}]`
    if (!isObject(message)) throw invalid(`Invalid type for '${where}': expected an object, but got ${typeName(message)} instead.`)
    switch (message.role) {
      case 'system': case 'developer': {
        const blocks = systemText(message.content, `${where}.content`)
        // Leading instructions become the system prompt; later ones stay in place (prompt caching).
        if (builder.messages.length === 0) system.push(...blocks)
        else builder.add('system', blocks)
        break
      }
      case 'user':
        builder.add('user', contentToBlocks(message.content, `${where}.content`))
        break
      case 'assistant': {
        const blocks: ContentBlock[] = []
        const reasoning = message.reasoning_content ?? message.reasoning
        if (typeof reasoning === 'string' && reasoning !== '') blocks.push({ type: 'thinking', thinking: reasoning })
        blocks.push(...contentToBlocks(message.content, `${where}.content`))
        if (typeof message.refusal === 'string' && message.refusal !== '') blocks.push({ type: 'text', text: message.refusal })
        blocks.push(...toolCallsToBlocks(message.tool_calls, `${where}.tool_calls`, customTools))
        if (isObject(message.function_call) && typeof message.function_call.name === 'string') {
          const id = `call_fn_${index}`
          functionCallIds.push(id)
          blocks.push({ type: 'tool_use', id, name: message.function_call.name, input: toolInput(message.function_call.arguments, `${where}.function_call.arguments`) })
        }
        builder.add('assistant', blocks)
        break
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string' || message.tool_call_id === '') {
          throw invalid(`Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id' (${where}).`)
        }
        builder.addToolResult({ type: 'tool_result', tool_use_id: message.tool_call_id, content: toolResultContent(message.content, `${where}.content`) })
        break
      }
      case 'function': {
        const id = functionCallIds.shift() ?? `call_fn_${index}`
        builder.addToolResult({ type: 'tool_result', tool_use_id: id, content: toolResultContent(message.content, `${where}.content`) })
        break
      }
      default:
        throw invalid(`Invalid value for '${where}.role': expected one of system, developer, user, assistant, tool, function.`)
    }
  })
  // Whether the client sent any turn besides instructions (its content may all have been dropped).
  const conversation = messages.some((message) => isObject(message) && message.role !== 'system' && message.role !== 'developer')
  return { system: system.length > 0 ? system : undefined, messages: builder.messages, conversation }
}

function parseResponseFormat (format: unknown): ChatRequest['responseFormat'] {
  if (format === undefined || format === null) return undefined
  if (!isObject(format)) throw invalid("Invalid type for 'response_format': expected an object.")
  if (format.type === 'text') return undefined
  if (format.type === 'json_object') return { type: 'json_object' }
  if (format.type === 'json_schema') {
    const spec = isObject(format.json_schema) ? format.json_schema : format
    if (!isObject(spec.schema)) throw invalid("Missing required parameter: 'response_format.json_schema.schema'.")
    return { type: 'json_schema', schema: spec.schema, ...(typeof spec.name === 'string' ? { name: spec.name } : {}) }
  }
  throw invalid("Invalid value for 'response_format.type': expected 'text', 'json_object' or 'json_schema'.")
}

export function parseStreamFlag (body: Json): boolean {
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid(`Invalid type for 'stream': expected a boolean, but got ${typeName(body.stream)} instead.`)
  }
  return body.stream === true
}

export function parseChatRequest (body: unknown): ParsedChatRequest {
  if (!isObject(body)) throw invalid('The request body must be a JSON object.')
  const model = requireModel(body)
  const includeUsage = parseStreamOptions(body)
  if (body.messages === undefined && body.input !== undefined) {
    // Cursor: a Responses body on the chat route. Translate it; answer in chat format.
    const parsed = parseResponsesBody(body)
    return { request: parsed.request, includeUsage, customTools: parsed.customTools }
  }
  const stream = parseStreamFlag(body)
  const n = optionalInteger(body, 'n')
  if (n !== undefined && n > 1) throw invalid(`Invalid 'n': lynkr returns one choice per request, got n=${n}.`)
  const { tools, customTools } = parseTools(body.tools)
  let { system, messages, conversation } = convertMessages(body.messages, customTools)
  if (messages.length === 0) {
    // A conversation whose every part was dropped must not go out as its instructions alone.
    if (system === undefined || conversation) throw invalid("Invalid 'messages': expected at least one message with content.")
    // Only instructions: OpenAI answers them; upstreams that need a user turn get them as one.
    messages = [{ role: 'user', content: system }]
    system = undefined
  }
  checkToolConversation(messages, 'messages')
  const maxTokens = optionalInteger(body, 'max_completion_tokens') ?? optionalInteger(body, 'max_tokens') ?? 0
  const request: ChatRequest = {
    model,
    clientModel: model,
    system,
    messages,
    tools: tools.length > 0 ? tools : undefined,
    tool_choice: parseToolChoice(body.tool_choice, body.parallel_tool_calls),
    // 0 means "the client set no limit": providers then send none.
    max_tokens: maxTokens,
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
    top_k: optionalNumber(body, 'top_k'),
    stop_sequences: parseStop(body.stop),
    ...parseEffort(body.reasoning_effort ?? (isObject(body.reasoning) ? body.reasoning.effort : undefined), 'reasoning_effort'),
    responseFormat: parseResponseFormat(body.response_format),
    userId: typeof body.user === 'string' ? body.user : typeof body.safety_identifier === 'string' ? body.safety_identifier : undefined,
    stream
  }
  return { request: definedFields(request), includeUsage, customTools }
}
