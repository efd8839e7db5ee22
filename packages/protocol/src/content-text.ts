import type { ContentBlock, ImageBlock, ToolResultBlock } from './messages.ts'

/** The text blocks of a turn, joined by blank lines (other blocks are skipped). */
export function joinTextBlocks (blocks: ContentBlock[]): string {
  return blocks.filter((b) => b.type === 'text').map((b) => (b as { text: string }).text).join('\n\n')
}

/**
 * A tool result as one text, for upstreams whose tool messages are text-only: text parts joined by newlines,
 * each image replaced by a note and handed to `image` (which returns what the caller sends after the tool
 * messages, or null when it cannot send that image), other parts dropped, and `Error: ` in front of a failed
 * tool's output.
 */
export function flattenToolResult<T> (block: ToolResultBlock, image: (block: ImageBlock) => T | null): { text: string, images: T[] } {
  const images: T[] = []
  let text: string
  if (typeof block.content === 'string') text = block.content
  else {
    const parts: string[] = []
    for (const inner of block.content ?? []) {
      if (inner.type === 'text') parts.push((inner as { text: string }).text)
      else if (inner.type === 'image') {
        const converted = image(inner as ImageBlock)
        if (converted !== null) images.push(converted)
        parts.push('[image attached below]')
      }
    }
    text = parts.join('\n')
  }
  return { text: block.is_error === true ? `Error: ${text}` : text, images }
}
