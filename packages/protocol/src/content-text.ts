import type { ContentBlock, ImageBlock, ToolResultBlock } from './messages.ts'
import { decodeSearchContent } from './server-tools.ts'

/** The text blocks of a turn, and its server-tool blocks as text (`serverToolText`), joined by blank lines; other blocks are skipped. */
export function joinTextBlocks (blocks: ContentBlock[]): string {
  const parts: string[] = []
  for (const block of blocks) {
    if (block.type === 'text') parts.push((block as { text: string }).text)
    else {
      const rendered = serverToolText(block)
      if (rendered !== undefined) parts.push(rendered)
    }
  }
  return parts.join('\n\n')
}

/** `web_search_tool_result` and the other server tools' results; not a client tool's `tool_result`. */
export function isServerToolResultType (type: string): type is `${string}_tool_result` {
  return type !== 'tool_result' && type.endsWith('_tool_result')
}

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)
const str = (value: unknown): string | undefined => typeof value === 'string' && value !== '' ? value : undefined

/**
 * A block of a server tool (web search, web fetch, code execution: tools Anthropic's API runs itself) as
 * text, for upstreams that have no such blocks; undefined for any other block. A conversation that tier
 * routing moves between an Anthropic upstream and another model keeps what was searched and found, instead
 * of losing it silently. Encrypted page contents stay out: only the provider that made them can read them.
 */
export function serverToolText (block: ContentBlock): string | undefined {
  const fields = block as unknown as Json
  const type: string = block.type
  if (type === 'server_tool_use') return `[${str(fields.name) ?? 'server tool'} called with ${JSON.stringify(fields.input ?? {})}]`
  if (!isServerToolResultType(type)) return undefined
  const label = type.slice(0, -'_tool_result'.length).replace(/_/g, ' ')
  const content = fields.content
  if (isJson(content) && str(content.error_code) !== undefined) return `[${label} failed: ${String(content.error_code)}]`
  const items = Array.isArray(content) ? content : [content]
  const lines = items.map(describeResult).filter((line) => line !== '')
  return lines.length === 0 ? `[${label}: no results]` : `[${label} results]\n${lines.join('\n')}`
}

/** One result item: a search hit (title, url), a fetched page (url, its text), a code run (output, exit code). */
function describeResult (item: unknown): string {
  if (!isJson(item)) return typeof item === 'string' ? item : ''
  const lines: string[] = []
  const title = str(item.title)
  const url = str(item.url)
  if (title !== undefined || url !== undefined) lines.push(`- ${[title, url].filter(Boolean).join(' — ')}`)
  // What another upstream's search quoted of the page (lynkr's own encrypted_content); Anthropic's stays out.
  for (const snippet of decodeSearchContent(item.encrypted_content)?.snippets ?? []) lines.push(`  > ${snippet}`)
  const document = isJson(item.content) ? item.content : undefined
  const source = isJson(document?.source) ? document.source : undefined
  if (source !== undefined && str(source.data) !== undefined && source.media_type === 'text/plain') lines.push(String(source.data))
  if (str(item.stdout) !== undefined) lines.push(`stdout:\n${String(item.stdout)}`)
  if (str(item.stderr) !== undefined) lines.push(`stderr:\n${String(item.stderr)}`)
  if (typeof item.return_code === 'number') lines.push(`exit code ${item.return_code}`)
  return lines.join('\n')
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
