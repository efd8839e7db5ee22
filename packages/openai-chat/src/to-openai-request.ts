import type { ChatMessage, ChatRequest, ContentBlock, ImageBlock, TextBlock, ToolResultBlock } from '@lynkr/protocol'
import { declaredTools, flattenToolResult, joinTextBlocks } from '@lynkr/protocol'
import type { OpenAIAssistantPart, OpenAICacheControl, OpenAIChatBody, OpenAIContentPart, OpenAIMessage } from './openai-chat-types.ts'
import { isDeepSeekReasoningModel } from './reasoning-models.ts'

/** What differs between OpenAI-compatible servers; presets set these (later issues add more). */
export interface OpenAIRequestQuirks {
  /** `max_completion_tokens` for OpenAI reasoning models, `max_tokens` for most servers. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens'
  /** Upper bound for max_tokens (Claude Code asks for up to 128000). */
  maxOutputTokens?: number
  /** Send thinking back as `reasoning_content` (DeepSeek, Moonshot, llama.cpp). */
  reasoningContent?: boolean
  /** Forward top_k (vLLM, llama.cpp accept it; OpenAI rejects it). */
  topK?: boolean
  /**
   * Every assistant turn with tool calls carries `reasoning_content`, "" when it had no thinking: Kimi
   * thinking models reject tool-call turns without it (DeepSeek reasoning models get it by name).
   */
  reasoningOnToolCalls?: boolean
  /**
   * Thinking goes back as `{type:"reasoning", summary:[{type:"summary_text", text, signature}]}` content
   * parts before the text (Databricks Claude endpoints verify the signature).
   */
  reasoningParts?: boolean
  /**
   * Strict chat templates (llama.cpp `--jinja`, Mistral/Gemma-style): exactly one system message, first;
   * later `role:"system"` messages are folded into the nearest user turn; user/assistant strictly
   * alternate (consecutive turns merged, user text after tool results folded into the last result).
   */
  strictRoles?: boolean
  /** Maps our tool ids back to the upstream's (the inverse of the mapping applied to its replies). */
  toolIdToUpstream?: (id: string) => string
  /** Provider fields for an assistant message, from its blocks (OpenRouter `reasoning_details`). */
  assistantFields?: (content: ContentBlock[]) => Partial<Extract<OpenAIMessage, { role: 'assistant' }>> | undefined
  /** Reasoning models that reject sampling parameters (OpenAI o-series and gpt-5 reasoning): temperature/top_p/top_k are not sent. */
  omitSampling?: boolean
  /**
   * For which models Anthropic's `cache_control` breakpoints stay, on the text parts they marked (OpenRouter
   * passes them on to Anthropic and Gemini models; dropped, Claude Code's long prompt is paid in full every turn).
   */
  cacheControl?: (model: string) => boolean
  /** The session's prompt-cache key goes out as `prompt_cache_key` (OpenAI, Azure OpenAI: requests that share it reach the same cache). */
  promptCacheKey?: boolean
  /** `cache_prompt: true` when the prompt-cache step asks for caching (llama.cpp reuses the slot's KV cache for the common prefix). */
  cachePrompt?: boolean
}

function imageUrl (block: ImageBlock): string | null {
  if (block.source.type === 'base64') return `data:${block.source.media_type};base64,${block.source.data}`
  if (block.source.type === 'url') return block.source.url
  return null
}

/** The breakpoint a block carries, in the wire shape. */
function breakpoint (block: { cache_control?: unknown }): OpenAICacheControl | undefined {
  const marker = block.cache_control
  return typeof marker === 'object' && marker !== null && typeof (marker as { type?: unknown }).type === 'string' ? marker as OpenAICacheControl : undefined
}

function textPart (text: string, marker: OpenAICacheControl | undefined): OpenAIContentPart {
  return marker === undefined ? { type: 'text', text } : { type: 'text', text, cache_control: marker }
}

/** System text: one string, or text parts when a block carries a kept breakpoint. */
function systemContent (blocks: TextBlock[], cache: boolean): string | OpenAIContentPart[] {
  const texts = blocks.filter((block) => block.text !== '')
  if (cache && texts.some((block) => breakpoint(block) !== undefined)) return texts.map((block) => textPart(block.text, breakpoint(block)))
  return texts.map((block) => block.text).join('\n\n')
}

/** Text of string-or-parts content (strict templates join everything into strings). */
function contentText (content: string | OpenAIContentPart[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.type === 'text' ? part.text : '').join('\n\n')
}

function toolResultContent (block: ToolResultBlock, images: OpenAIContentPart[]): string {
  // Tool messages are text-only: images travel in a user message right after them.
  const flat = flattenToolResult(block, (image): OpenAIContentPart | null => {
    const url = imageUrl(image)
    return url === null ? null : { type: 'image_url', image_url: { url } }
  })
  images.push(...flat.images)
  return flat.text === '' ? '(no output)' : flat.text
}

function userContent (blocks: ContentBlock[], extraImages: OpenAIContentPart[], cache: boolean): string | OpenAIContentPart[] | null {
  const parts: OpenAIContentPart[] = [...extraImages]
  for (const block of blocks) {
    if (block.type === 'text') parts.push(textPart(block.text, cache ? breakpoint(block) : undefined))
    else if (block.type === 'image') {
      const url = imageUrl(block)
      if (url !== null) parts.push({ type: 'image_url', image_url: { url } })
    } else if (block.type === 'document' && block.source.media_type === 'text/plain' && typeof block.source.data === 'string') {
      parts.push({ type: 'text', text: block.source.data })
    }
  }
  if (parts.length === 0) return null
  // Plain strings are the most widely accepted form; parts only when an image or a breakpoint needs them.
  if (parts.every((part) => part.type === 'text' && part.cache_control === undefined)) return parts.map((part) => (part as { text: string }).text).join('\n\n')
  return parts
}

function convertMessage (message: ChatMessage, quirks: OpenAIRequestQuirks, cache: boolean, out: OpenAIMessage[]): void {
  if (message.role === 'system') {
    const content = cache ? systemContent(message.content.filter((block): block is TextBlock => block.type === 'text'), true) : joinTextBlocks(message.content)
    if (content.length > 0) out.push({ role: 'system', content })
    return
  }
  if (message.role === 'assistant') {
    const upstreamId = quirks.toolIdToUpstream ?? ((id: string) => id)
    const toolCalls = message.content.filter((b) => b.type === 'tool_use').map((b) => {
      const use = b as { id: string, name: string, input: unknown }
      return { id: upstreamId(use.id), type: 'function' as const, function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } }
    })
    const text = joinTextBlocks(message.content)
    const thinkingBlocks = message.content.filter((b) => b.type === 'thinking') as Array<{ thinking: string, signature?: string }>
    const thinking = thinkingBlocks.map((b) => b.thinking).join('')
    if (text === '' && toolCalls.length === 0) return
    // Strict servers reject "" content next to tool_calls: null it is.
    const assistant: Extract<OpenAIMessage, { role: 'assistant' }> = { role: 'assistant', content: text === '' ? null : text }
    if (quirks.reasoningParts === true && thinkingBlocks.some((b) => b.signature)) {
      const parts: OpenAIAssistantPart[] = thinkingBlocks.filter((b) => b.signature).map((b) => ({ type: 'reasoning', summary: [{ type: 'summary_text', text: b.thinking, signature: b.signature! }] }))
      if (text !== '') parts.push({ type: 'text', text })
      assistant.content = parts
    }
    if (toolCalls.length > 0) assistant.tool_calls = toolCalls
    if (quirks.reasoningContent === true && thinking !== '') assistant.reasoning_content = thinking
    if (quirks.reasoningOnToolCalls === true && toolCalls.length > 0) assistant.reasoning_content = thinking
    const extra = quirks.assistantFields?.(message.content)
    if (extra !== undefined) Object.assign(assistant, extra)
    out.push(assistant)
    return
  }
  // tool_result blocks become tool messages first and in order, directly after the assistant turn.
  const images: OpenAIContentPart[] = []
  for (const block of message.content) {
    if (block.type !== 'tool_result') continue
    const text = toolResultContent(block, images)
    const marker = cache ? breakpoint(block) : undefined
    out.push({ role: 'tool', tool_call_id: quirks.toolIdToUpstream?.(block.tool_use_id) ?? block.tool_use_id, content: marker === undefined ? text : [textPart(text, marker)] })
  }
  const content = userContent(message.content.filter((b) => b.type !== 'tool_result'), images, cache)
  if (content !== null) out.push({ role: 'user', content })
}

export function toOpenAIRequest (request: ChatRequest, quirks: OpenAIRequestQuirks): OpenAIChatBody {
  const messages: OpenAIMessage[] = []
  const cache = quirks.cacheControl?.(request.model) === true
  const system = systemContent(request.system ?? [], cache)
  if (system.length > 0) messages.push({ role: 'system', content: system })
  // DeepSeek reasoning models need their reasoning back on tool-call turns, whichever provider serves them.
  const messageQuirks = isDeepSeekReasoningModel(request.model) ? { ...quirks, reasoningOnToolCalls: true } : quirks
  for (const message of request.messages) convertMessage(message, messageQuirks, cache, messages)

  const body: OpenAIChatBody = { model: request.model, messages: quirks.strictRoles === true ? strictRoles(messages) : messages }
  const tools = declaredTools(request)
  if (tools.length > 0) {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.input_schema }
    }))
    const choice = request.tool_choice
    if (choice?.type === 'any') body.tool_choice = 'required'
    else if (choice?.type === 'none') body.tool_choice = 'none'
    else if (choice?.type === 'tool') body.tool_choice = { type: 'function', function: { name: choice.name } }
    if (choice !== undefined && choice.type !== 'none' && choice.disable_parallel_tool_use === true) body.parallel_tool_calls = false
  }
  if (request.max_tokens > 0) {
    body[quirks.maxTokensField] = quirks.maxOutputTokens === undefined ? request.max_tokens : Math.min(request.max_tokens, quirks.maxOutputTokens)
  }
  if (quirks.omitSampling !== true) {
    if (request.temperature !== undefined) body.temperature = Math.min(2, Math.max(0, request.temperature))
    if (request.top_p !== undefined) body.top_p = request.top_p
    if (quirks.topK === true && request.top_k !== undefined) body.top_k = request.top_k
  }
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) body.stop = request.stop_sequences.slice(0, 4)
  if (request.responseFormat?.type === 'json_object') body.response_format = { type: 'json_object' }
  else if (request.responseFormat?.type === 'json_schema') {
    body.response_format = { type: 'json_schema', json_schema: { name: request.responseFormat.name ?? 'response', schema: request.responseFormat.schema } }
  }
  if (request.stream) {
    body.stream = true
    body.stream_options = { include_usage: true }
  }
  const hint = request.promptCacheHint
  if (hint !== undefined && quirks.promptCacheKey === true) body.prompt_cache_key = hint.key
  if (hint !== undefined && quirks.cachePrompt === true) body.cache_prompt = true
  return body
}

type Message = OpenAIMessage
type UserContent = Extract<Message, { role: 'user' }>['content']

function joinUserContent (a: UserContent, b: UserContent): UserContent {
  if (typeof a === 'string' && typeof b === 'string') return a === '' ? b : b === '' ? a : `${a}\n\n${b}`
  const parts = (content: UserContent): OpenAIContentPart[] => typeof content === 'string' ? (content === '' ? [] : [{ type: 'text', text: content }]) : content
  return [...parts(a), ...parts(b)]
}

function assistantText (content: Extract<Message, { role: 'assistant' }>['content']): string {
  if (content === null) return ''
  if (typeof content === 'string') return content
  return content.map((part) => part.type === 'text' ? part.text : '').join('')
}

/**
 * Rewrites translated messages for strict chat templates: one leading system message (later ones folded
 * into the next user turn, else the previous one), consecutive user or assistant turns merged, and user
 * text right after tool results folded into the last result, so that — tool messages and tool-calling
 * assistant turns aside — roles alternate user/assistant as Mistral/Gemma-style Jinja templates demand.
 */
export function strictRoles (messages: Message[]): Message[] {
  const leading: string[] = []
  let i = 0
  for (; i < messages.length && messages[i]!.role === 'system'; i++) leading.push(contentText(messages[i]!.content as string | OpenAIContentPart[]))

  // Fold in-place system messages into the nearest user turn (next, else previous, else the leading one).
  const rest: Message[] = []
  const orphans: string[] = []
  let waiting: string[] = []
  for (const message of messages.slice(i)) {
    if (message.role === 'system' || message.role === 'developer') {
      waiting.push(contentText(message.content))
      continue
    }
    if (message.role === 'user' && waiting.length > 0) {
      rest.push({ role: 'user', content: joinUserContent(waiting.join('\n\n'), message.content) })
      waiting = []
      continue
    }
    rest.push(message)
  }
  if (waiting.length > 0) {
    const lastUser = rest.findLastIndex((message) => message.role === 'user')
    if (lastUser === -1) orphans.push(...waiting)
    else rest[lastUser] = { role: 'user', content: joinUserContent((rest[lastUser] as { content: UserContent }).content, waiting.join('\n\n')) }
  }

  const out: Message[] = []
  const system = [...leading, ...orphans].filter((text) => text !== '').join('\n\n')
  if (system !== '') out.push({ role: 'system', content: system })
  for (const message of rest) {
    const previous = out.at(-1)
    if (message.role === 'user' && previous?.role === 'user') {
      previous.content = joinUserContent(previous.content, message.content)
    } else if (message.role === 'user' && previous?.role === 'tool' && typeof message.content === 'string') {
      previous.content = `${contentText(previous.content)}\n\n${message.content}`
    } else if (message.role === 'assistant' && previous?.role === 'assistant' && previous.tool_calls === undefined) {
      const text = [assistantText(previous.content), assistantText(message.content)].filter((t) => t !== '').join('\n\n')
      const merged: Extract<Message, { role: 'assistant' }> = { ...previous, ...message, content: text === '' ? null : text }
      const reasoning = [previous.reasoning_content, message.reasoning_content].filter((r) => r !== undefined)
      if (reasoning.length > 0) merged.reasoning_content = reasoning.join('')
      out[out.length - 1] = merged
    } else {
      out.push(message)
    }
  }
  return out
}
