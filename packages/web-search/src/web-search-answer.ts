import type { ChatRequest, UpstreamPart, WebSource, WebSupport } from '@lynkr/protocol'
import { encodeCitationIndex, encodeSearchContent } from '@lynkr/protocol'
import type { PartTransform } from '@lynkr/core'
import { generateId } from '@lynkr/core'

/** Anthropic caps `cited_text` at 150 characters. */
const CITED_TEXT_MAX = 150
/** What a result's snippets may carry back on later turns (they go into the prompt as text). */
const SNIPPETS_MAX_CHARS = 2000

export interface WebSearchAnswerOptions {
  provider: string
  /** The query to show when the upstream names none (OpenRouter's plugin searches for the prompt itself). */
  fallbackQuery: string
}

interface Range { start: number, end: number, sources: number[] }

/** UTF-8 byte offset → UTF-16 index in `text` (Gemini counts bytes; JS strings count code units). */
function charIndex (bytes: Buffer, byteOffset: number): number {
  return bytes.subarray(0, Math.max(0, Math.min(byteOffset, bytes.length))).toString('utf8').length
}

/**
 * The stretches of `text` the supports back, in order and without overlaps. Offsets are trusted when the
 * stretch they name is the support's own text (or when it gives none); otherwise its text is looked up.
 */
export function citedRanges (text: string, supports: readonly WebSupport[]): Range[] {
  let bytes: Buffer | undefined
  const ranges: Range[] = []
  for (const support of supports) {
    if (support.sources.length === 0) continue
    let start = support.start
    let end = support.end
    if (support.unit === 'utf8') {
      bytes ??= Buffer.from(text, 'utf8')
      start = charIndex(bytes, start)
      end = charIndex(bytes, end)
    }
    const wanted = support.text?.trim()
    if (wanted !== undefined && wanted !== '' && !text.slice(start, end).includes(wanted)) {
      const found = text.indexOf(wanted)
      if (found === -1) continue
      start = found
      end = found + wanted.length
    }
    if (start < 0 || end > text.length || end <= start || text.slice(start, end).trim() === '') continue
    ranges.push({ start, end, sources: support.sources })
  }
  ranges.sort((a, b) => a.start - b.start)
  const kept: Range[] = []
  for (const range of ranges) if (kept.length === 0 || range.start >= kept.at(-1)!.end) kept.push(range)
  return kept
}

/**
 * Holds an answer while its upstream searched the web, then emits what Claude Code's WebSearch tool reads:
 * a `server_tool_use` (web_search with the query) and its `web_search_tool_result` before the answer text,
 * and the text split into blocks where the cited stretches carry `web_search_result_location` citations.
 * Upstreams report their sources only with or after the text (Gemini's grounding metadata comes in the last
 * chunks), so the text is held until the end; reasoning before the text still streams. When the upstream
 * reports no search, the parts go out as they came: no search is claimed that did not happen.
 */
export class WebSearchAnswer implements PartTransform {
  private readonly options: WebSearchAnswerOptions
  private readonly held: UpstreamPart[] = []
  private holding = false
  private text = ''
  private readonly queries: string[] = []
  private readonly sources: WebSource[] = []
  private readonly byUrl = new Map<string, number>()
  private readonly supports: WebSupport[] = []
  private readonly supportKeys = new Set<string>()

  constructor (options: WebSearchAnswerOptions) {
    this.options = options
  }

  push (part: UpstreamPart): UpstreamPart[] {
    switch (part.type) {
      case 'web-search':
        this.record(part)
        return []
      case 'text-delta':
        this.holding = true
        this.text += part.text
        this.held.push(part)
        return []
      case 'error':
        return [part]
      case 'response-start':
        return [part]
      case 'reasoning-delta':
      case 'reasoning-signature':
      case 'redacted-reasoning':
        if (!this.holding) return [part]
        this.held.push(part)
        return []
      default:
        this.holding = true
        this.held.push(part)
        return []
    }
  }

  end (): UpstreamPart[] {
    if (this.sources.length === 0 && this.queries.length === 0) return this.held
    const out: UpstreamPart[] = []
    let placed = false
    for (const part of this.held) {
      if (part.type !== 'text-delta') out.push(part)
      else if (!placed) {
        placed = true
        out.push(...this.searchBlocks(), ...this.citedText())
      }
    }
    if (!placed) {
      // A search and no text (a tool call followed, or the answer was cut): the blocks still say what ran.
      const at = out.findIndex((part) => part.type !== 'reasoning-delta' && part.type !== 'reasoning-signature' && part.type !== 'redacted-reasoning')
      out.splice(at === -1 ? out.length : at, 0, ...this.searchBlocks())
    }
    return out
  }

  private record (part: Extract<UpstreamPart, { type: 'web-search' }>): void {
    for (const query of part.queries ?? []) if (query.trim() !== '' && !this.queries.includes(query)) this.queries.push(query)
    // Upstreams may resend what they reported before (Gemini repeats its accumulated metadata): keyed by URL.
    const index = part.sources.map((source) => {
      let known = this.byUrl.get(source.url)
      if (known === undefined) {
        known = this.sources.push({ ...source }) - 1
        this.byUrl.set(source.url, known)
      } else {
        const existing = this.sources[known]!
        existing.title ??= source.title
        if (source.snippet !== undefined && !(existing.snippet ?? '').includes(source.snippet)) existing.snippet = existing.snippet === undefined ? source.snippet : `${existing.snippet}\n${source.snippet}`
      }
      return known
    })
    for (const support of part.supports ?? []) {
      const sources = support.sources.map((i) => index[i]).filter((i): i is number => i !== undefined)
      const key = `${support.unit}:${support.start}:${support.end}:${sources.join(',')}`
      if (this.supportKeys.has(key)) continue
      this.supportKeys.add(key)
      this.supports.push({ ...support, sources })
    }
  }

  private searchBlocks (): UpstreamPart[] {
    const id = generateId('srvtoolu_')
    // One call however many queries the upstream ran: its results are not attributed to queries.
    const query = this.queries.length === 0 ? this.options.fallbackQuery : this.queries.join('; ')
    const snippets = this.snippetsBySource()
    const content = this.sources.map((source, i) => ({
      type: 'web_search_result',
      url: source.url,
      title: source.title ?? hostOf(source.url),
      encrypted_content: encodeSearchContent({ provider: this.options.provider, snippets: snippets[i]! }),
      page_age: null
    }))
    return [
      { type: 'server-block', block: { type: 'server_tool_use', id, name: 'web_search', input: { query } } },
      { type: 'server-block', block: { type: 'web_search_tool_result', tool_use_id: id, content } },
      // Counted as Anthropic counts its own searches, so clients (Claude Code's cost line) see one ran.
      { type: 'usage', usage: { server_tool_use: { web_search_requests: 1 } } }
    ]
  }

  /** What each source backs in the answer, plus what the upstream quoted of it, bounded. */
  private snippetsBySource (): string[][] {
    const snippets = this.sources.map((source) => source.snippet === undefined ? [] : [source.snippet])
    for (const range of citedRanges(this.text, this.supports)) {
      for (const i of range.sources) snippets[i]!.push(this.text.slice(range.start, range.end).trim())
    }
    return snippets.map((list) => {
      const out: string[] = []
      let total = 0
      for (const snippet of list) {
        if (total >= SNIPPETS_MAX_CHARS) break
        const piece = snippet.slice(0, SNIPPETS_MAX_CHARS - total)
        out.push(piece)
        total += piece.length
      }
      return out
    })
  }

  private citedText (): UpstreamPart[] {
    const out: UpstreamPart[] = []
    let at = 0
    const plain = (end: number): void => {
      if (end > at) out.push({ type: 'text-delta', text: this.text.slice(at, end), newBlock: true })
    }
    for (const range of citedRanges(this.text, this.supports)) {
      plain(range.start)
      const cited = this.text.slice(range.start, range.end)
      for (const i of [...new Set(range.sources)]) {
        const source = this.sources[i]!
        out.push({ type: 'citation', citation: { type: 'web_search_result_location', url: source.url, title: source.title ?? hostOf(source.url), encrypted_index: encodeCitationIndex(i), cited_text: cited.slice(0, CITED_TEXT_MAX) } })
      }
      out.push({ type: 'text-delta', text: cited })
      at = range.end
    }
    plain(this.text.length)
    return out
  }
}

function hostOf (url: string): string {
  try { return new URL(url).hostname } catch { return url }
}

/** The latest user text of a request, shortened: what a plugin that searches for the prompt itself searched for. */
export function promptQuery (request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i]!
    if (message.role !== 'user') continue
    const text = message.content.filter((block) => block.type === 'text').map((block) => (block as { text: string }).text).join(' ').replace(/\s+/g, ' ').trim()
    if (text !== '') return text.length > 200 ? `${text.slice(0, 199)}…` : text
  }
  return ''
}
