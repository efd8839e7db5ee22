// OpenRouter web search: https://openrouter.ai/docs/features/web-search (the `web` plugin)
import type { ChatRequest, UpstreamPart, WebSource, WebSupport } from '@lynkr/protocol'
import { webSearchTool } from '@lynkr/protocol'

type Json = Record<string, unknown>
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * Anthropic's web search tool → OpenRouter's `web` plugin. The plugin searches once per request, for any model,
 * alongside function tools (Claude Code's WebSearch request wants exactly one search). OpenRouter's newer
 * `openrouter:web_search` server tool (beta, the model decides 0..N searches) is not used. `max_uses` →
 * `max_uses` (honoured by models with native search), `allowed_domains` → `include_domains`, `blocked_domains` →
 * `exclude_domains`, `user_location` as it is (the same {type:'approximate', city, region, country, timezone}).
 */
export function webPlugin (request: ChatRequest): Json | undefined {
  const tool = webSearchTool(request)
  if (tool === undefined) return undefined
  return {
    id: 'web',
    ...(tool.max_uses === undefined ? {} : { max_uses: tool.max_uses }),
    ...(tool.allowed_domains === undefined ? {} : { include_domains: tool.allowed_domains }),
    ...(tool.blocked_domains === undefined ? {} : { exclude_domains: tool.blocked_domains }),
    ...(tool.user_location === undefined ? {} : { user_location: tool.user_location })
  }
}

/**
 * `annotations` of a message or delta → a `web-search` part: each `url_citation` ({url, title, content,
 * start_index, end_index}) is a source, and the answer characters it spans (UTF-16 offsets, end exclusive as
 * OpenAI's) are what it backs. Undefined when there are none.
 */
export function annotationsToPart (annotations: unknown): UpstreamPart | undefined {
  if (!Array.isArray(annotations)) return undefined
  const sources: WebSource[] = []
  const supports: WebSupport[] = []
  for (const annotation of annotations) {
    if (!isObject(annotation) || annotation.type !== 'url_citation' || !isObject(annotation.url_citation)) continue
    const citation = annotation.url_citation
    if (typeof citation.url !== 'string' || citation.url === '') continue
    const index = sources.push({
      url: citation.url,
      ...(typeof citation.title === 'string' && citation.title !== '' ? { title: citation.title } : {}),
      ...(typeof citation.content === 'string' && citation.content !== '' ? { snippet: citation.content } : {})
    }) - 1
    if (typeof citation.start_index === 'number' && typeof citation.end_index === 'number' && citation.end_index > citation.start_index) {
      supports.push({ start: citation.start_index, end: citation.end_index, unit: 'utf16', sources: [index] })
    }
  }
  return sources.length === 0 ? undefined : { type: 'web-search', sources, supports }
}
