import type { ChatMessage, ChatRequest, TurnBlocks, ContentBlock, DocumentBlock, ImageBlock, ThinkingConfig, ToolResultBlock } from '@lynkr/protocol'
import { LynkrError, declaredTools, emulateToolChoice, serverToolText, toolTurnLacksThinking } from '@lynkr/protocol'
import type { BedrockModelProfile } from './bedrock-models.ts'
import type { ToolNameMap } from './tool-names.ts'

type Json = Record<string, unknown>
type ConverseBlock = Json

export interface ConverseOptions {
  profile: BedrockModelProfile
  names: ToolNameMap
  /** Filtered betas, for Claude through Converse (`additionalModelRequestFields.anthropic_beta`). */
  betas: readonly string[]
  /** Told why `thinking` was left off a request that asked for it (for a debug line). */
  onThinkingOff?: (reason: string) => void
}

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp'])
/** Bedrock rejects empty and whitespace-only text (protocols.md §3.9 #1). */
const PLACEHOLDER = '.'

function nonBlank (text: string): boolean {
  return text.trim() !== ''
}

function imageBlock (block: ImageBlock): ConverseBlock | null {
  if (block.source.type !== 'base64') return null
  const format = block.source.media_type.split('/')[1]?.toLowerCase().replace('jpg', 'jpeg') ?? ''
  return IMAGE_FORMATS.has(format) ? { image: { format, source: { bytes: block.source.data } } } : null
}

/** Document names: letters, digits, single spaces, hyphens, parentheses and brackets only. */
function documentName (block: DocumentBlock, index: number): string {
  const cleaned = (block.title ?? '').replace(/[^a-zA-Z0-9\s\-()[\]]/g, '-').replace(/\s+/g, ' ').trim().slice(0, 180)
  return `${cleaned === '' ? 'document' : cleaned} ${index}`.trim()
}

function cachePoint (): ConverseBlock {
  return { cachePoint: { type: 'default' } }
}

function toolResultContent (block: ToolResultBlock): ConverseBlock[] {
  const out: ConverseBlock[] = []
  if (typeof block.content === 'string') {
    if (nonBlank(block.content)) out.push({ text: block.content })
  } else {
    for (const inner of block.content ?? []) {
      if (inner.type === 'text' && typeof inner.text === 'string') {
        if (nonBlank(inner.text)) out.push({ text: inner.text })
      } else if (inner.type === 'image') {
        const image = imageBlock(inner as ImageBlock)
        const source = (inner as ImageBlock).source
        // Converse takes only inline images: a linked one is named so the model knows it exists.
        out.push(image ?? { text: source.type === 'url' ? `[image: ${source.url}]` : '[image not supported by Bedrock]' })
      } else {
        out.push({ text: JSON.stringify(inner) })
      }
    }
  }
  return out.length > 0 ? out : [{ text: block.is_error === true ? 'error' : '(no output)' }]
}

interface Converted { role: 'user' | 'assistant', content: ConverseBlock[] }

function convertBlocks (message: ChatMessage, options: ConverseOptions, counter: { documents: number }): ConverseBlock[] {
  const out: ConverseBlock[] = []
  const cache = options.profile.promptCache
  for (const block of message.content as Array<ContentBlock | { type: string }>) {
    switch (block.type) {
      case 'text': {
        const text = (block as { text: string }).text
        if (nonBlank(text)) out.push({ text })
        break
      }
      case 'image': {
        const image = imageBlock(block as ImageBlock)
        out.push(image ?? { text: '[image omitted: Bedrock accepts only inline png, jpeg, gif or webp images]' })
        break
      }
      case 'document': {
        const doc = block as DocumentBlock
        if (doc.source.media_type === 'application/pdf' && typeof doc.source.data === 'string') {
          out.push({ document: { format: 'pdf', name: documentName(doc, ++counter.documents), source: { bytes: doc.source.data } } })
        } else if (typeof doc.source.data === 'string' && nonBlank(doc.source.data)) {
          out.push({ text: doc.source.data })
        }
        break
      }
      case 'tool_use': {
        const use = block as { id: string, name: string, input: unknown }
        let input = use.input
        if (typeof input === 'string') { try { input = JSON.parse(input) } catch { input = {} } }
        out.push({ toolUse: { toolUseId: use.id, name: options.names.wire(use.name), input: input !== null && typeof input === 'object' ? input : {} } })
        break
      }
      case 'tool_result': {
        const result = block as ToolResultBlock
        out.push({ toolResult: { toolUseId: result.tool_use_id, content: toolResultContent(result), status: result.is_error === true ? 'error' : 'success' } })
        break
      }
      case 'thinking': {
        // Only signed reasoning can be replayed; unsigned thinking (another upstream's, or signed by another
        // family and unsigned by core's signature-origin) is dropped.
        const thinking = block as { thinking: string, signature?: string }
        if (message.role === 'assistant' && typeof thinking.signature === 'string' && thinking.signature !== '') {
          out.push({ reasoningContent: { reasoningText: { text: thinking.thinking, signature: thinking.signature } } })
        }
        break
      }
      case 'redacted_thinking':
        if (message.role === 'assistant') out.push({ reasoningContent: { redactedContent: (block as { data: string }).data } })
        break
      default: {
        // Server-tool blocks have no Converse equivalent: what they found goes along as text.
        const rendered = serverToolText(block as ContentBlock)
        if (rendered !== undefined) out.push({ text: rendered })
        break
      }
    }
    if (cache && (block as { cache_control?: unknown }).cache_control != null && out.length > 0) out.push(cachePoint())
  }
  return out
}

/**
 * Converse needs strictly alternating roles starting with `user` (Anthropic merges instead): consecutive
 * same-role messages are merged, a leading assistant turn gets a placeholder user turn before it, and
 * an empty turn gets a placeholder text.
 */
function alternate (messages: Converted[]): Converted[] {
  const out: Converted[] = []
  for (const message of messages) {
    const last = out.at(-1)
    if (last !== undefined && last.role === message.role) last.content.push(...message.content)
    else out.push({ role: message.role, content: [...message.content] })
  }
  if (out[0]?.role === 'assistant') out.unshift({ role: 'user', content: [{ text: PLACEHOLDER }] })
  for (const message of out) {
    // A cachePoint cannot stand alone or first.
    while (message.content[0]?.cachePoint !== undefined) message.content.shift()
    if (message.content.length === 0) message.content.push({ text: PLACEHOLDER })
    // Tool results must come first in their user turn (merging can put text before them).
    if (message.role === 'user' && message.content.some((block) => block.toolResult !== undefined)) {
      const results = message.content.filter((block) => block.toolResult !== undefined)
      const rest = message.content.filter((block) => block.toolResult === undefined)
      message.content = [...results, ...rest]
    }
  }
  return out
}

function thinkingField (thinking: ThinkingConfig | undefined, request: ChatRequest, profile: BedrockModelProfile): Json | undefined {
  if (thinking === undefined || thinking.type === 'disabled') return undefined
  if (thinking.type === 'adaptive') {
    if (profile.adaptiveThinking === true) return { type: 'adaptive' }
    const budget = Math.min(16_000, request.max_tokens - 1)
    return budget >= 1024 ? { type: 'enabled', budget_tokens: budget } : undefined
  }
  return { type: 'enabled', budget_tokens: thinking.budget_tokens }
}

const CONVERSE_TURN_BLOCKS: TurnBlocks<ConverseBlock> = {
  opensTurn: (block) => block.reasoningContent !== undefined,
  isToolUse: (block) => block.toolUse !== undefined,
  isToolResult: (block) => block.toolResult !== undefined
}

function toolNamesInHistory (messages: ChatMessage[]): string[] {
  const names = new Set<string>()
  for (const message of messages) for (const block of message.content) if (block.type === 'tool_use') names.add(block.name)
  return [...names]
}

function historyHasToolBlocks (messages: ChatMessage[]): boolean {
  return messages.some((message) => message.content.some((block) => block.type === 'tool_use' || block.type === 'tool_result'))
}

/**
 * The internal request → a Converse body (protocols.md §6.3). Besides the shape change it applies the
 * Converse rules: system messages join `system`; `toolConfig` is present whenever the history has tool
 * blocks (stub specs for tools used earlier but not offered now); tool_choice `none` becomes an omitted
 * choice; and tool use on a model that cannot do it is a clear 400 instead of an opaque upstream error.
 */
export function toConverseRequest (input: ChatRequest, options: ConverseOptions): Json {
  const { profile } = options
  // Models without a forced toolChoice refuse the field ("doesn't support the toolConfig.toolChoice.any field").
  const request = profile.forcedToolChoice ? input : emulateToolChoice(input)
  const system: ConverseBlock[] = []
  for (const block of request.system ?? []) {
    if (!nonBlank(block.text)) continue
    system.push({ text: block.text })
    if (profile.promptCache && block.cache_control != null) system.push(cachePoint())
  }
  const counter = { documents: 0 }
  const converted: Converted[] = []
  for (const message of request.messages) {
    if (message.role === 'system') {
      for (const block of message.content) if (block.type === 'text' && nonBlank(block.text)) system.push({ text: block.text })
      continue
    }
    converted.push({ role: message.role, content: convertBlocks(message, options, counter) })
  }

  const body: Json = { messages: alternate(converted) }
  if (system.length > 0) body.system = system
  const inference: Json = { maxTokens: request.max_tokens }
  if (request.temperature !== undefined) inference.temperature = request.temperature
  if (request.top_p !== undefined) inference.topP = request.top_p
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) inference.stopSequences = request.stop_sequences.slice(0, 4)
  body.inferenceConfig = inference

  const offered = declaredTools(request)
  const historyTools = historyHasToolBlocks(request.messages)
  const wantsTools = offered.length > 0 && request.tool_choice?.type !== 'none'
  if ((wantsTools || historyTools) && !profile.tools) {
    throw new LynkrError('invalid_request', `Bedrock model ${profile.baseId} does not support tool use through Converse; set AWS_BEDROCK_MODEL_ID to a model that does (Claude, Nova, Llama 3.1+, Mistral Large, Command R)`, {
      status: 400, provider: 'bedrock', retryable: false, code: 'LYNKR_BEDROCK_NO_TOOL_USE'
    })
  }
  if (wantsTools || historyTools) {
    const specs: Json[] = []
    const seen = new Set<string>()
    if (request.tool_choice?.type !== 'none') {
      for (const tool of offered) {
        const name = options.names.wire(tool.name)
        if (seen.has(name)) continue
        seen.add(name)
        specs.push({ toolSpec: { name, ...(tool.description ? { description: tool.description } : {}), inputSchema: { json: tool.input_schema } } })
      }
    }
    // Converse rejects tool blocks in history unless a tool of that name is configured.
    for (const original of toolNamesInHistory(request.messages)) {
      const name = options.names.wire(original)
      if (seen.has(name)) continue
      seen.add(name)
      specs.push({ toolSpec: { name, description: 'A tool used earlier in this conversation.', inputSchema: { json: { type: 'object', properties: {} } } } })
    }
    const toolConfig: Json = { tools: specs }
    const choice = request.tool_choice
    if (choice?.type === 'auto') toolConfig.toolChoice = { auto: {} }
    else if (choice?.type === 'any') toolConfig.toolChoice = { any: {} }
    else if (choice?.type === 'tool') toolConfig.toolChoice = { tool: { name: options.names.wire(choice.name) } }
    body.toolConfig = toolConfig
  }

  const extra: Json = {}
  if (profile.anthropic) {
    const thinking = thinkingField(request.thinking, request, profile)
    // Claude refuses thinking when the tool turn in progress does not start with reasoning it can verify.
    if (thinking !== undefined && toolTurnLacksThinking(body.messages as Converted[], CONVERSE_TURN_BLOCKS)) {
      options.onThinkingOff?.('the tool turn in progress does not start with a thinking block this upstream can verify (it came from another upstream)')
    } else if (thinking !== undefined) extra.thinking = thinking
    if (request.top_k !== undefined) extra.top_k = request.top_k
    if (options.betas.length > 0) extra.anthropic_beta = options.betas
  }
  if (Object.keys(extra).length > 0) body.additionalModelRequestFields = extra
  return body
}
