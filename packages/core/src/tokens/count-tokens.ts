import type { ChatMessage, ContentBlock, TextBlock, ToolDefinition } from '@lynkr/protocol'
import type { Tiktoken } from 'js-tiktoken/lite'

/**
 * Claude 3+ tokenizers are not public, so counts are estimated with o200k_base (a real BPE, exact for
 * current OpenAI models) times a safety factor: under-counting would let Claude Code overflow the window
 * before it compacts, over-counting only compacts a little early (protocols.md §8).
 */
const SAFETY_FACTOR = 1.1
/** Anthropic bills roughly (w*h)/750 tokens per image, capped near 1600. */
const IMAGE_TOKENS = 1600
/** Per-message framing (role markers) the rendered text does not show. */
const MESSAGE_OVERHEAD = 4
const TOOL_OVERHEAD = 8

let encoder: Tiktoken | null = null
let loading: Promise<Tiktoken> | null = null

/** Loads the ranks (a few MB) once; call at boot so the first count is not slow. */
export async function loadTokenizer (): Promise<Tiktoken> {
  if (encoder !== null) return encoder
  loading ??= (async () => {
    const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')])
    encoder = new Tiktoken(ranks.default)
    return encoder
  })()
  return await loading
}

export interface CountableRequest {
  system?: TextBlock[]
  messages: ChatMessage[]
  tools?: ToolDefinition[]
}

/** Counts system + messages + tools. Never returns 0 for a request with any content. */
export async function countRequestTokens (request: CountableRequest): Promise<number> {
  const tokenizer = await loadTokenizer()
  const pieces: string[] = []
  let fixed = 0
  for (const block of request.system ?? []) pieces.push(block.text)
  for (const message of request.messages) {
    fixed += MESSAGE_OVERHEAD
    for (const block of message.content) fixed += collectBlock(block, pieces)
  }
  for (const tool of request.tools ?? []) {
    fixed += TOOL_OVERHEAD
    pieces.push(tool.name, tool.description ?? '', JSON.stringify(tool.input_schema ?? {}))
  }
  let tokens = 0
  for (const piece of pieces) if (piece !== '') tokens += tokenizer.encode(piece, [], []).length
  return Math.max(1, Math.ceil((tokens + fixed) * SAFETY_FACTOR))
}

function collectBlock (block: ContentBlock | { type: string }, pieces: string[]): number {
  switch (block.type) {
    case 'text': pieces.push((block as TextBlock).text); return 0
    case 'thinking': pieces.push((block as { thinking: string }).thinking); return 0
    case 'image': return IMAGE_TOKENS
    case 'tool_use': {
      const use = block as { name: string, input: unknown }
      pieces.push(use.name, JSON.stringify(use.input ?? {}))
      return 0
    }
    case 'tool_result': {
      const content = (block as { content?: unknown }).content
      if (typeof content === 'string') pieces.push(content)
      else if (Array.isArray(content)) {
        let fixed = 0
        for (const inner of content) fixed += collectBlock(inner as ContentBlock, pieces)
        return fixed
      }
      return 0
    }
    case 'document': {
      const source = (block as { source?: { data?: string, media_type?: string } }).source
      // PDFs are billed per page; their base64 size is a rough stand-in.
      if (source?.media_type === 'text/plain' && typeof source.data === 'string') pieces.push(source.data)
      else if (typeof source?.data === 'string') return Math.ceil(source.data.length / 6)
      return 0
    }
    default:
      pieces.push(JSON.stringify(block))
      return 0
  }
}

/** A cheap estimate for the hot path (message_start usage): about four bytes per token. */
export function estimateTokensFromBytes (bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4))
}
