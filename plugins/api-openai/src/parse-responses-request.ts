/**
 * OpenAI Responses body → the internal request (protocols.md §2.6). lynkr is stateless: Responses-only
 * fields (`store`, `include`, `truncation`, `previous_response_id`, `prompt_cache_*`, `metadata`…) are
 * read for the echo or dropped, never forwarded; reasoning items keep only their readable text.
 */
import type { ChatRequest, ContentBlock } from '@lynkr/protocol'
import { definedFields } from '@lynkr/protocol'
import {
  CUSTOM_TOOL_ARGUMENT, MessageBuilder, checkToolConversation, contentToBlocks, invalid, isObject, optionalInteger, optionalNumber, parseEffort,
  parseToolChoice, parseTools, requireModel, systemText, toolInput, toolResultContent, typeName
} from './request-parts.ts'
import type { Json } from './request-parts.ts'

export interface ParsedResponsesRequest {
  request: ChatRequest
  customTools: Set<string>
  /** Request fields a Response object echoes back (instructions, tools, temperature…). */
  echo: Json
}

function reasoningText (item: Json): string {
  const pieces: string[] = []
  for (const list of [item.content, item.summary]) {
    if (!Array.isArray(list)) continue
    for (const part of list) if (isObject(part) && typeof part.text === 'string') pieces.push(part.text)
    if (pieces.length > 0) break // content holds the full text; the summary repeats it in brief
  }
  return pieces.join('\n\n')
}

/** Items that refer to OpenAI's stored state or hosted tools: dropped. Any other unknown type is refused. */
const STATEFUL_ITEM = /^(?:item_reference|web_search_call|file_search_call|computer_call|computer_call_output|image_generation_call|code_interpreter_call|local_shell_call|local_shell_call_output|shell_call|shell_call_output|apply_patch_call|apply_patch_call_output|mcp_[a-z_]+|compaction)$/

function convertInput (input: unknown, customTools: Set<string>): Pick<ChatRequest, 'system' | 'messages'> & { conversation: boolean } {
  const builder = new MessageBuilder()
  const system: NonNullable<ChatRequest['system']> = []
  if (typeof input === 'string') {
    builder.add('user', contentToBlocks(input, 'input'))
    return { messages: builder.messages, conversation: true }
  }
  if (!Array.isArray(input)) throw invalid(`Invalid type for 'input': expected a string or an array of input items, but got ${typeName(input)} instead.`)
  input.forEach((item, index) => {
    const where = `input[${index}]`
    if (!isObject(item)) throw invalid(`Invalid type for '${where}': expected an object.`)
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined)
    switch (type) {
      case 'message': {
        const role = item.role
        if (role === 'system' || role === 'developer') {
          const blocks = systemText(item.content, `${where}.content`)
          if (builder.messages.length === 0) system.push(...blocks)
          else builder.add('system', blocks)
        } else if (role === 'user' || role === 'assistant') {
          builder.add(role, contentToBlocks(item.content, `${where}.content`))
        } else {
          throw invalid(`Invalid value for '${where}.role': expected one of user, assistant, system, developer.`)
        }
        break
      }
      case 'function_call': {
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string') throw invalid(`Missing required parameter: '${where}.call_id' and '${where}.name'.`)
        builder.add('assistant', [{ type: 'tool_use', id: item.call_id, name: item.name, input: toolInput(item.arguments, `${where}.arguments`) }])
        break
      }
      case 'custom_tool_call': {
        if (typeof item.call_id !== 'string' || typeof item.name !== 'string') throw invalid(`Missing required parameter: '${where}.call_id' and '${where}.name'.`)
        customTools.add(item.name)
        builder.add('assistant', [{ type: 'tool_use', id: item.call_id, name: item.name, input: { [CUSTOM_TOOL_ARGUMENT]: typeof item.input === 'string' ? item.input : '' } }])
        break
      }
      case 'function_call_output': case 'custom_tool_call_output': {
        if (typeof item.call_id !== 'string') throw invalid(`Missing required parameter: '${where}.call_id'.`)
        builder.addToolResult({ type: 'tool_result', tool_use_id: item.call_id, content: toolResultContent(item.output, `${where}.output`) })
        break
      }
      case 'reasoning': {
        // encrypted_content only OpenAI can read; the readable text is replayed like any thinking.
        const text = reasoningText(item)
        const blocks: ContentBlock[] = text === '' ? [] : [{ type: 'thinking', thinking: text }]
        builder.add('assistant', blocks)
        break
      }
      default:
        // item_reference and server-side tool items need OpenAI's stored state: nothing to forward.
        if (typeof type === 'string' && STATEFUL_ITEM.test(type)) break
        throw invalid(`Invalid value for '${where}.type': '${String(type)}' is not a supported input item type.`)
    }
  })
  const conversation = input.some((item) => isObject(item) && item.role !== 'system' && item.role !== 'developer')
  return { system: system.length > 0 ? system : undefined, messages: builder.messages, conversation }
}

function parseTextFormat (text: unknown): ChatRequest['responseFormat'] {
  if (!isObject(text) || !isObject(text.format)) return undefined
  const format = text.format
  if (format.type === 'json_object') return { type: 'json_object' }
  if (format.type === 'json_schema' && isObject(format.schema)) {
    return { type: 'json_schema', schema: format.schema, ...(typeof format.name === 'string' ? { name: format.name } : {}) }
  }
  return undefined
}

/** Parses a Responses-shaped body (from /v1/responses, or Cursor's on /chat/completions). */
export function parseResponsesBody (body: Json): ParsedResponsesRequest {
  const model = requireModel(body)
  if (body.input === undefined || body.input === null) throw invalid("Missing required parameter: 'input'.")
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid(`Invalid type for 'stream': expected a boolean, but got ${typeName(body.stream)} instead.`)
  }
  if (body.instructions !== undefined && body.instructions !== null && typeof body.instructions !== 'string') {
    throw invalid(`Invalid type for 'instructions': expected a string, but got ${typeName(body.instructions)} instead.`)
  }
  const customTools = new Set<string>()
  const { tools, customTools: declared } = parseTools(body.tools)
  for (const name of declared) customTools.add(name)
  const converted = convertInput(body.input, customTools)
  const system = [...(typeof body.instructions === 'string' && body.instructions !== '' ? [{ type: 'text' as const, text: body.instructions }] : []), ...(converted.system ?? [])]
  let messages = converted.messages
  if (messages.length === 0) {
    if (system.length === 0 || converted.conversation) throw invalid("Invalid 'input': expected at least one item with content.")
    messages = [{ role: 'user', content: [...system] }]
    system.length = 0
  }
  checkToolConversation(messages, 'input')
  const reasoning = isObject(body.reasoning) ? body.reasoning : undefined
  const request = definedFields<ChatRequest>({
    model,
    clientModel: model,
    system: system.length > 0 ? system : undefined,
    messages,
    tools: tools.length > 0 ? tools : undefined,
    tool_choice: parseToolChoice(body.tool_choice, body.parallel_tool_calls),
    max_tokens: optionalInteger(body, 'max_output_tokens') ?? optionalInteger(body, 'max_completion_tokens') ?? optionalInteger(body, 'max_tokens') ?? 0,
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
    ...parseEffort(reasoning?.effort ?? body.reasoning_effort, 'reasoning.effort'),
    responseFormat: parseTextFormat(body.text),
    userId: typeof body.user === 'string' ? body.user : typeof body.safety_identifier === 'string' ? body.safety_identifier : undefined,
    stream: body.stream === true
  })
  const echo: Json = {
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    parallel_tool_calls: body.parallel_tool_calls !== false,
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    top_p: typeof body.top_p === 'number' ? body.top_p : null,
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    text: isObject(body.text) ? body.text : { format: { type: 'text' } },
    reasoning: { effort: reasoning?.effort ?? null, summary: reasoning?.summary ?? null },
    metadata: isObject(body.metadata) ? body.metadata : {},
    user: typeof body.user === 'string' ? body.user : null
  }
  return { request, customTools, echo }
}

export function parseResponsesRequest (body: unknown): ParsedResponsesRequest {
  if (!isObject(body)) throw invalid('The request body must be a JSON object.')
  return parseResponsesBody(body)
}
