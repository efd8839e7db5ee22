/**
 * A scripted Gemini "model" for Claude Code's WebSearch tool (2.1.332), as captured through lynkr to the Gemini fake:
 *
 * - The main agent request declares Claude Code's function tools. WebSearch is either declared (tool search off) or
 *   deferred: listed by name in the system message and loaded with `ToolSearch {query: "select:WebSearch"}`, after
 *   which Claude Code sends it with `defer_loading: true` and a `tool_reference` tool result.
 * - Calling WebSearch makes Claude Code send a sub-request whose only tool is Anthropic's web_search server tool
 *   (lynkr: `tools: [{googleSearch: {}}]`), user text `Perform a web search for the query: <query>`. It is answered
 *   grounded, with a page on the `<marker>.example.org` host and the marker in the grounded answer.
 * - Claude Code hands the sub-request's answer back as the WebSearch function response ("Web search results for
 *   query: …", the Links, the summary); the final answer quotes the marker and the first link it finds there, so it
 *   is built from what came back, not from the script.
 *
 * The model only calls functions the request declared, as Gemini does.
 */
import { isRecord, type FakeReply, type FakeResponder, type RecordedRequest } from './fake-script.ts'

export const WEB_SEARCH_QUERY = 'lynkr e2e code word'

/** The page the scripted search finds; the marker is its host and the answer's code word. */
export function webSearchHit (marker: string): { title: string, url: string } {
  return { title: 'lynkr code word', url: `https://${marker}.example.org/code-word` }
}

function declaredFunctions (body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : []
  return tools.flatMap((tool) => isRecord(tool) && Array.isArray(tool.functionDeclarations)
    ? tool.functionDeclarations.map((fn) => isRecord(fn) ? String(fn.name) : '')
    : [])
}

/** The function responses of the last user turn, by name, as text. */
function lastResponses (body: Record<string, unknown>): Map<string, string> {
  const responses = new Map<string, string>()
  const contents = Array.isArray(body.contents) ? body.contents : []
  const last = contents.at(-1)
  if (!isRecord(last) || last.role !== 'user' || !Array.isArray(last.parts)) return responses
  for (const part of last.parts) {
    if (!isRecord(part) || !isRecord(part.functionResponse)) continue
    const response = part.functionResponse.response
    responses.set(String(part.functionResponse.name), typeof response === 'string' ? response : JSON.stringify(response))
  }
  return responses
}

export function geminiWebSearchResponder (marker: string): FakeResponder {
  return (request: RecordedRequest): FakeReply => {
    const body: unknown = request.body
    if (!isRecord(body)) return { text: 'ok' }
    const tools = Array.isArray(body.tools) ? body.tools : []
    if (tools.some((tool) => isRecord(tool) && tool.googleSearch !== undefined)) {
      const first = Array.isArray(body.contents) && isRecord(body.contents[0]) && Array.isArray(body.contents[0].parts) ? body.contents[0].parts : []
      const asked = first.map((part) => isRecord(part) && typeof part.text === 'string' ? part.text : '').join('')
      const query = /Perform a web search for the query: (.+)/.exec(asked)?.[1]?.trim() ?? asked
      return { webSearch: { query, results: [webSearchHit(marker)] }, text: `The lynkr code word is ${marker}. It was published for this test.` }
    }
    const declared = declaredFunctions(body)
    if (!declared.includes('WebSearch') && !declared.includes('ToolSearch')) return { text: 'ok' }
    const responses = lastResponses(body)
    const results = responses.get('WebSearch')
    if (results !== undefined) {
      // Only what Claude Code sent back: the code word and the first link of the results.
      const word = /lynkr-ws-[a-z0-9]+/.exec(results)?.[0] ?? 'no code word in the results'
      const link = /https:\/\/[^"\\\s)]+/.exec(results)?.[0] ?? 'no link'
      return { text: `The code word is ${word}.\n\nSources:\n- [lynkr code word](${link})` }
    }
    if (declared.includes('WebSearch')) return { toolCalls: [{ name: 'WebSearch', arguments: { query: WEB_SEARCH_QUERY } }] }
    if (responses.has('ToolSearch')) return { text: 'ToolSearch answered, but WebSearch is still not among my functions.' }
    return { toolCalls: [{ name: 'ToolSearch', arguments: { query: 'select:WebSearch' } }] }
  }
}

/**
 * An assistant turn in which Anthropic ran a web search (server_tool_use, its encrypted results, a cited
 * answer), as Claude Code sends it back in history.
 */
export function anthropicSearchTurn (url: string): { role: 'assistant', content: Array<Record<string, unknown>> } {
  return {
    role: 'assistant',
    content: [
      { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'node 24 release date' } },
      { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [{ type: 'web_search_result', title: 'Node.js 24 released', url, encrypted_content: 'EqgfCioIARgB', page_age: 'May 6, 2025' }] },
      { type: 'text', text: 'In May 2025.', citations: [{ type: 'web_search_result_location', url, title: 'Node.js 24 released', encrypted_index: 'Eo8B', cited_text: 'Node.js 24 is released' }] }
    ]
  }
}
