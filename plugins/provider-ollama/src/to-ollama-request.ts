import type { ChatMessage, ChatRequest, ContentBlock, ImageBlock } from '@lynkr/protocol'
import { declaredTools, emulateToolChoice, flattenToolResult, joinTextBlocks } from '@lynkr/protocol'

/** Wire types of Ollama's native /api/chat (ollama/ollama docs/api.md, api/types.go). */
export interface OllamaToolCall { id?: string, function: { index?: number, name: string, arguments: Record<string, unknown> } }
export interface OllamaMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string
  images?: string[]
  thinking?: string
  tool_calls?: OllamaToolCall[]
  tool_name?: string
  tool_call_id?: string
}
export interface OllamaChatBody {
  model: string
  messages: OllamaMessage[]
  tools?: Array<{ type: 'function', function: { name: string, description?: string, parameters: Record<string, unknown> } }>
  stream: boolean
  think?: boolean | string
  format?: 'json' | Record<string, unknown>
  options: Record<string, unknown>
  keep_alive?: string | number
  truncate?: boolean
}

export interface OllamaRequestOptions {
  /** Context window sent as options.num_ctx; Ollama's small default silently truncates agent prompts. */
  numCtx: number
  keepAlive?: string | number
  /** `think` sent when set; absent by default because non-thinking models reject it. */
  think?: boolean | string
}

/** Ollama wants raw base64 without a data: prefix; URL images cannot be sent, so they become a note. */
function imageData (block: ImageBlock): string | null {
  return block.source.type === 'base64' ? block.source.data : null
}

function userParts (blocks: ContentBlock[]): { text: string, images: string[] } {
  const texts: string[] = []
  const images: string[] = []
  for (const block of blocks) {
    if (block.type === 'text') texts.push(block.text)
    else if (block.type === 'image') {
      const data = imageData(block)
      if (data !== null) images.push(data)
      else if (block.source.type === 'url') texts.push(`[image: ${block.source.url}]`)
    } else if (block.type === 'document' && typeof block.source.data === 'string' && block.source.media_type === 'text/plain') {
      texts.push(block.source.data)
    }
  }
  return { text: texts.join('\n\n'), images }
}

function convertMessage (message: ChatMessage, toolNames: Map<string, string>, out: OllamaMessage[]): void {
  if (message.role === 'system') {
    const text = joinTextBlocks(message.content)
    if (text !== '') out.push({ role: 'system', content: text })
    return
  }
  if (message.role === 'assistant') {
    const calls: OllamaToolCall[] = []
    let thinking = ''
    for (const block of message.content) {
      if (block.type === 'thinking') thinking += block.thinking
      else if (block.type === 'tool_use') {
        toolNames.set(block.id, block.name)
        const input = block.input !== null && typeof block.input === 'object' ? block.input as Record<string, unknown> : {}
        calls.push({ id: block.id, function: { index: calls.length, name: block.name, arguments: input } })
      }
    }
    const assistant: OllamaMessage = { role: 'assistant', content: joinTextBlocks(message.content) }
    if (thinking !== '') assistant.thinking = thinking
    if (calls.length > 0) assistant.tool_calls = calls
    if (assistant.content !== '' || calls.length > 0 || thinking !== '') out.push(assistant)
    return
  }
  // Tool results first and in order, directly after the assistant turn; images move to a user message.
  const pendingImages: string[] = []
  for (const block of message.content) {
    if (block.type !== 'tool_result') continue
    const { text, images } = flattenToolResult(block, imageData)
    pendingImages.push(...images)
    out.push({ role: 'tool', content: text, tool_call_id: block.tool_use_id, tool_name: toolNames.get(block.tool_use_id) ?? '' })
  }
  const rest = message.content.filter((block) => block.type !== 'tool_result')
  const { text, images } = userParts(rest)
  images.unshift(...pendingImages)
  if (text !== '' || images.length > 0) {
    const user: OllamaMessage = { role: 'user', content: text }
    if (images.length > 0) user.images = images
    out.push(user)
  }
}

export function toOllamaRequest (input: ChatRequest, options: OllamaRequestOptions): OllamaChatBody {
  // Ollama has no tool_choice: a forced one narrows the tools and is asked for in the system prompt.
  const request = emulateToolChoice(input)
  const messages: OllamaMessage[] = []
  const system = (request.system ?? []).map((block) => block.text).join('\n\n')
  if (system !== '') messages.push({ role: 'system', content: system })
  const toolNames = new Map<string, string>()
  for (const message of request.messages) convertMessage(message, toolNames, messages)

  const llmOptions: Record<string, unknown> = { num_ctx: options.numCtx }
  // max_tokens 0 (cache pre-warm) has no Ollama equivalent; Claude Code's 128000 is capped by the window.
  if (request.max_tokens > 0) llmOptions.num_predict = Math.min(request.max_tokens, options.numCtx)
  if (request.temperature !== undefined) llmOptions.temperature = request.temperature
  if (request.top_p !== undefined) llmOptions.top_p = request.top_p
  if (request.top_k !== undefined) llmOptions.top_k = request.top_k
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) llmOptions.stop = request.stop_sequences

  const body: OllamaChatBody = { model: request.model, messages, stream: request.stream, options: llmOptions, truncate: false }
  const tools = request.tool_choice?.type === 'none'
    ? []
    : declaredTools(request)
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema }
    }))
  }
  if (options.think !== undefined) body.think = options.think
  // OLLAMA_KEEP_ALIVE wins; else the prompt-cache step's wish keeps the model (and its KV cache) loaded between turns.
  const keepAlive = options.keepAlive ?? request.promptCacheHint?.keepAlive
  if (keepAlive !== undefined) body.keep_alive = keepAlive
  if (request.responseFormat?.type === 'json_schema') body.format = request.responseFormat.schema
  else if (request.responseFormat?.type === 'json_object') body.format = 'json'
  return body
}
