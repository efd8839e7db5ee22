import type { GatewayToolResult } from '@lynkr/protocol'

type Block = { type: 'text', text: string } | { type: 'image', source: { type: 'base64', media_type: string, data: string } }

interface McpContent { type: string, text?: string, data?: string, mimeType?: string, uri?: string, name?: string, resource?: { uri?: string, text?: string, mimeType?: string } }

/**
 * An MCP tools/call result as a tool_result's content: text and images as they are, resources as their text,
 * anything else named; at most `maxChars` characters in all (the rest is cut with a note the model can read).
 */
export function toToolResult (result: { content?: unknown, structuredContent?: unknown, isError?: boolean }, maxChars: number): GatewayToolResult {
  const items = Array.isArray(result.content) ? result.content as McpContent[] : []
  let blocks: Block[] = items.map(toBlock)
  if (blocks.length === 0 && result.structuredContent !== undefined) blocks = [{ type: 'text', text: JSON.stringify(result.structuredContent) }]
  blocks = cap(blocks, maxChars)
  const isError = result.isError === true
  const content = blocks.every((block) => block.type === 'text') ? blocks.map((block) => (block as { text: string }).text).join('\n') : blocks
  if (isError) return { content, isError }
  return typeof content === 'string' ? content : { content }
}

function toBlock (item: McpContent): Block {
  switch (item.type) {
    case 'text': return { type: 'text', text: item.text ?? '' }
    case 'image': return { type: 'image', source: { type: 'base64', media_type: item.mimeType ?? 'image/png', data: item.data ?? '' } }
    case 'resource':
      return { type: 'text', text: item.resource?.text !== undefined ? `${item.resource.uri ?? 'resource'}:\n${item.resource.text}` : `[binary resource ${item.resource?.uri ?? ''} (${item.resource?.mimeType ?? 'unknown type'}) not shown]` }
    case 'resource_link': return { type: 'text', text: `[resource ${item.name ?? ''} ${item.uri ?? ''}]`.replace(/\s+/g, ' ') }
    default: return { type: 'text', text: `[${item.type}${item.mimeType === undefined ? '' : ` (${item.mimeType})`} content not shown]` }
  }
}

function cap (blocks: Block[], maxChars: number): Block[] {
  const total = blocks.reduce((sum, block) => sum + size(block), 0)
  if (total <= maxChars) return blocks
  const out: Block[] = []
  let left = maxChars
  for (const block of blocks) {
    if (block.type === 'text' && left > 0) {
      out.push({ type: 'text', text: block.text.slice(0, left) })
      left -= Math.min(left, block.text.length)
    } else if (block.type === 'image' && size(block) <= left) {
      out.push(block)
      left -= size(block)
    }
  }
  out.push({ type: 'text', text: `[output cut: ${maxChars} of ${total} characters shown (MCP_TOOL_OUTPUT_MAX_CHARS)]` })
  return out
}

function size (block: Block): number {
  return block.type === 'text' ? block.text.length : block.source.data.length
}
