import type { ChatMessage, ChatRequest, ContentBlock, DocumentBlock, ImageBlock, ToolResultBlock } from '@lynkr/protocol'
import { declaredTools, serverToolText, webSearchTool } from '@lynkr/protocol'
import { sanitizeGeminiSchema } from './sanitize-gemini-schema.ts'

type Json = Record<string, unknown>
type Part = Json

/**
 * Gemini's thought signatures ride on Anthropic thinking blocks through Claude Code, marked with this prefix
 * (core's signature-origin: the mark is Gemini's family name), so they are never sent to other upstreams;
 * core removes the mark, and every other family's signature, before a request reaches this translator.
 */
export const GEMINI_SIGNATURE_PREFIX = 'gemini:'

const PLACEHOLDER = '.'

function nonBlank (text: string): boolean {
  return text.trim() !== ''
}

/** The image types Gemini takes inline (GIF, which Anthropic allows, is not one: "Unsupported MIME type"). */
const GEMINI_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'])

/** An image as Gemini takes it, or a text part saying what could not be sent (a URL image, a GIF). */
function imagePart (block: ImageBlock): Part {
  const source = block.source as { type: string, media_type?: string, data?: string, url?: string }
  if (source.type === 'base64' && GEMINI_IMAGE_TYPES.has(source.media_type ?? '')) return { inlineData: { mimeType: source.media_type, data: source.data } }
  if (source.type === 'url') return { text: `[image: ${String(source.url)}]` }
  return { text: `[image omitted: Gemini does not accept ${source.type === 'base64' ? String(source.media_type) : `${source.type} images`}]` }
}

function toolResultParts (block: ToolResultBlock, name: string): Part[] {
  const texts: string[] = []
  const media: Part[] = []
  if (typeof block.content === 'string') texts.push(block.content)
  else {
    for (const inner of block.content ?? []) {
      if (inner.type === 'text' && typeof inner.text === 'string') texts.push(inner.text)
      else if (inner.type === 'image') {
        // Inline images follow the response; what cannot be sent is said in the result (it was dropped silently).
        const image = imagePart(inner as ImageBlock)
        if (typeof image.text === 'string') texts.push(image.text)
        else media.push(image)
      } else texts.push(JSON.stringify(inner))
    }
  }
  const text = texts.join('\n')
  const response = block.is_error === true ? { error: text === '' ? 'error' : text } : { result: text }
  return [{ functionResponse: { name, response } }, ...media]
}

interface Turn { role: 'user' | 'model', parts: Part[] }

function convertMessage (message: ChatMessage, namesById: Map<string, string>): Part[] {
  const parts: Part[] = []
  let signature: string | undefined
  const push = (part: Part): void => {
    if (signature !== undefined) {
      part.thoughtSignature = signature
      signature = undefined
    }
    parts.push(part)
  }
  for (const block of message.content as Array<ContentBlock | { type: string }>) {
    switch (block.type) {
      case 'text': {
        const text = (block as { text: string }).text
        if (nonBlank(text)) push({ text })
        break
      }
      case 'image':
        push(imagePart(block as ImageBlock))
        break
      case 'document': {
        const doc = block as DocumentBlock
        if (typeof doc.source.data !== 'string') break
        if (doc.source.media_type === 'text/plain') { if (nonBlank(doc.source.data)) push({ text: doc.source.data }) } else push({ inlineData: { mimeType: doc.source.media_type ?? 'application/pdf', data: doc.source.data } })
        break
      }
      case 'tool_use': {
        const use = block as { id: string, name: string, input: unknown }
        let args = use.input
        if (typeof args === 'string') { try { args = JSON.parse(args) } catch { args = {} } }
        namesById.set(use.id, use.name)
        push({ functionCall: { name: use.name, args: args !== null && typeof args === 'object' ? args : {} } })
        break
      }
      case 'tool_result': {
        const result = block as ToolResultBlock
        for (const part of toolResultParts(result, namesById.get(result.tool_use_id) ?? 'unknown_tool')) push(part)
        break
      }
      case 'thinking': {
        // Thought text is not sent back; a Gemini signature goes on the next part of the turn.
        const sig = (block as { signature?: string }).signature
        if (message.role === 'assistant' && typeof sig === 'string' && sig !== '') signature = sig.startsWith(GEMINI_SIGNATURE_PREFIX) ? sig.slice(GEMINI_SIGNATURE_PREFIX.length) : sig
        break
      }
      default: {
        const rendered = serverToolText(block as ContentBlock)
        if (rendered !== undefined) push({ text: rendered })
        break
      }
    }
  }
  return parts
}

function thinkingConfig (request: ChatRequest): Json | undefined {
  const thinking = request.thinking
  if (thinking === undefined || thinking.type === 'disabled') return undefined
  const gemini3 = /gemini-3/i.test(request.model)
  if (thinking.type === 'enabled') {
    return gemini3
      ? { includeThoughts: true, thinkingLevel: thinking.budget_tokens < 8192 ? 'low' : 'high' }
      : { includeThoughts: true, thinkingBudget: thinking.budget_tokens }
  }
  // adaptive: let the model decide how much to think.
  return gemini3
    ? { includeThoughts: true, thinkingLevel: request.effort === 'low' ? 'low' : 'high' }
    : { includeThoughts: true, thinkingBudget: -1 }
}

export interface GeminiRequestOptions {
  /** Vertex AI (not the Gemini API): its googleSearch takes `excludeDomains`. */
  vertexAI?: boolean
}

/**
 * Whether the request's web search server tool becomes Gemini's Google Search grounding: only when no function
 * is declared (the request's own tools, or ones its history called). Gemini rejects googleSearch next to
 * functionDeclarations in one generateContent request (Vertex AI documents it; Gemini 3's tool combination
 * needs a flag and replayed tool-context parts that lynkr does not keep), and Claude Code's WebSearch asks
 * with the search tool alone, while its agent loop needs its functions: there the search is dropped with a
 * notice (core's server-tool notice) instead.
 */
export function geminiSearchApplies (request: ChatRequest): boolean {
  if (webSearchTool(request) === undefined) return false
  if (declaredTools(request).length > 0) return false
  return !request.messages.some((message) => message.content.some((block) => block.type === 'tool_use'))
}

/**
 * Google Search grounding for the web search tool. `max_uses` and `allowed_domains` have no Gemini equivalent
 * and are ignored; `blocked_domains` → `excludeDomains` on Vertex AI only (the Gemini API refuses the field).
 */
function googleSearchTool (request: ChatRequest, options: GeminiRequestOptions): Json {
  const blocked = webSearchTool(request)?.blocked_domains
  return { googleSearch: options.vertexAI === true && blocked !== undefined ? { excludeDomains: blocked } : {} }
}

/**
 * The internal request → a Gemini `generateContent` body: contents with user/model roles (merged so they
 * alternate, starting with user), system prompt and system messages as `systemInstruction`, tool schemas
 * sanitised to Gemini's OpenAPI subset, tool results as `functionResponse` parts named after their call.
 */
export function toGeminiRequest (request: ChatRequest, options: GeminiRequestOptions = {}): Json {
  const systemParts: Part[] = (request.system ?? []).filter((block) => nonBlank(block.text)).map((block) => ({ text: block.text }))
  const namesById = new Map<string, string>()
  const turns: Turn[] = []
  for (const message of request.messages) {
    if (message.role === 'system') {
      for (const block of message.content) if (block.type === 'text' && nonBlank(block.text)) systemParts.push({ text: block.text })
      continue
    }
    const role = message.role === 'assistant' ? 'model' : 'user'
    const parts = convertMessage(message, namesById)
    const last = turns.at(-1)
    if (last !== undefined && last.role === role) last.parts.push(...parts)
    else turns.push({ role, parts })
  }
  if (turns[0]?.role === 'model') turns.unshift({ role: 'user', parts: [{ text: PLACEHOLDER }] })
  for (const turn of turns) if (turn.parts.length === 0) turn.parts.push({ text: PLACEHOLDER })

  const body: Json = { contents: turns }
  if (systemParts.length > 0) body.systemInstruction = { parts: systemParts }

  const declarations: Json[] = []
  const declared = new Set<string>()
  for (const tool of declaredTools(request)) {
    if (declared.has(tool.name)) continue
    declared.add(tool.name)
    const parameters = sanitizeGeminiSchema(tool.input_schema)
    declarations.push({ name: tool.name, ...(tool.description ? { description: tool.description } : {}), ...(parameters === undefined ? {} : { parameters }) })
  }
  for (const name of namesById.values()) {
    if (declared.has(name)) continue
    declared.add(name)
    declarations.push({ name, description: 'A tool used earlier in this conversation.' })
  }
  if (declarations.length > 0) {
    body.tools = [{ functionDeclarations: declarations }]
    const choice = request.tool_choice
    if (choice !== undefined) {
      const mode = choice.type === 'none' ? 'NONE' : choice.type === 'auto' ? 'AUTO' : 'ANY'
      body.toolConfig = { functionCallingConfig: { mode, ...(choice.type === 'tool' ? { allowedFunctionNames: [choice.name] } : {}) } }
    }
  } else if (geminiSearchApplies(request)) {
    body.tools = [googleSearchTool(request, options)]
  }

  // Unset (0: an OpenAI client may leave it out) means the model's own maximum; Gemini refuses 0.
  const generation: Json = request.max_tokens > 0 ? { maxOutputTokens: request.max_tokens } : {}
  if (request.temperature !== undefined) generation.temperature = request.temperature
  if (request.top_p !== undefined) generation.topP = request.top_p
  if (request.top_k !== undefined) generation.topK = request.top_k
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) generation.stopSequences = request.stop_sequences.slice(0, 5)
  if (request.responseFormat !== undefined) {
    generation.responseMimeType = 'application/json'
    if (request.responseFormat.type === 'json_schema') {
      const schema = sanitizeGeminiSchema(request.responseFormat.schema)
      if (schema !== undefined) generation.responseSchema = schema
    }
  }
  const thinking = thinkingConfig(request)
  if (thinking !== undefined) generation.thinkingConfig = thinking
  body.generationConfig = generation
  return body
}
