import type { AnthropicTopLevelField, ChatMessage, ChatRequest, ContentBlock, TextBlock, ThinkingConfig, ToolDefinition } from '@lynkr/protocol'
import { isLynkrCitation, isLynkrSearchResult, isToolReference, loadedToolNames, serverToolText, toolTurnLacksThinking, ANTHROPIC_TURN_BLOCKS } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { betaAllowed } from './betas.ts'
import { topLevelFieldsFor } from './top-level-fields.ts'

export interface AnthropicRequestOptions {
  /** Omitted for Bedrock InvokeModel (the model is in the URL). */
  model?: string
  /** Omitted for Bedrock InvokeModel (streaming is chosen by the endpoint). */
  stream?: boolean
  /**
   * Mid-conversation `role: "system"` messages (Claude Code 2.1.x): `keep` for Anthropic's own API, which
   * accepts them; `hoist` appends their text to the top-level `system` for targets that do not.
   */
  systemMessages: 'keep' | 'hoist'
  /** The betas that will be forwarded: fields that need a beta are dropped without it. */
  betas: readonly string[]
  /**
   * Whether the target model accepts `thinking: {type: "adaptive"}`; false converts it to a budget,
   * undefined (unknown model) forwards it unchanged.
   */
  adaptiveThinking?: boolean
  /** Extra top-level fields (Bedrock: `anthropic_version`, `anthropic_beta`). */
  extra?: Record<string, unknown>
  /** Told why `thinking` was left off a request that asked for it (for a debug line). */
  onThinkingOff?: (reason: string) => void
  /**
   * Whether the target runs the server tool a `server_tool_use` block names (`web_search`…); a call it does
   * not run (an earlier turn Anthropic served, replayed to Bedrock) goes as text with its result. Default: all.
   */
  runsServerTool?: (name: string) => boolean
  /** The Anthropic-only top-level fields the target accepts at all (default: all); each also needs its beta. */
  topLevelFields?: readonly AnthropicTopLevelField[]
}

/**
 * Rebuilds an Anthropic Messages body from the internal request for an Anthropic-format upstream.
 * Blocks are the client's own objects, so `cache_control`, thinking signatures, citations and unknown
 * fields reach the upstream unchanged and in order; only what the target would reject is touched:
 * - thinking blocks without a signature (produced by another upstream, e.g. OpenAI reasoning, or signed by
 *   another family and unsigned by core's signature-origin) are removed, because Anthropic verifies signatures;
 * - `thinking` is left off when the tool turn in progress does not start with a thinking block (it came from
 *   an upstream that does not reason, or its thinking was removed): Anthropic refuses such a request;
 * - a web search another upstream ran (lynkr-made result contents and citation indexes, e.g. Gemini
 *   grounding) goes as text, and its citations are dropped: Anthropic cannot verify them either; so does a
 *   server tool call (and its result) the target does not run (`runsServerTool`);
 * - empty text blocks are removed;
 * - tool fields and deferred tools that need a beta the target does not get are dropped, and so are
 *   top-level fields (`context_management`, `mcp_servers`…) the target does not take (top-level-fields.ts).
 */
export function toAnthropicRequest (request: ChatRequest, options: AnthropicRequestOptions): Record<string, unknown> {
  const system: TextBlock[] = [...(request.system ?? [])]
  const messages: Array<{ role: string, content: ContentBlock[] }> = []
  const foreignSearches = foreignSearchIds(request.messages, options.runsServerTool)
  // Citations of web search results the target cannot see as blocks (it does not run web search) go too.
  const searchCitations = options.runsServerTool?.('web_search') ?? true
  const toolSearch = hasToolSearch(options.betas)
  for (const message of request.messages) {
    if (message.role === 'system' && options.systemMessages === 'hoist') {
      for (const block of message.content) if (block.type === 'text' && block.text.trim() !== '') system.push(block)
      continue
    }
    const content = cleanContent(message, foreignSearches, toolSearch, searchCitations)
    if (content.length === 0) continue
    messages.push({ role: message.role, content })
  }

  const body: Record<string, unknown> = {}
  if (options.model !== undefined) body.model = options.model
  body.max_tokens = request.max_tokens
  if (system.length > 0) body.system = system
  body.messages = messages
  const tools = anthropicTools(request.tools, options.betas, toolSearch, toolSearch ? undefined : loadedToolNames(request.messages))
  if (tools !== undefined && tools.length > 0) {
    body.tools = tools
    if (request.tool_choice !== undefined) body.tool_choice = request.tool_choice
  } else if (request.tool_choice?.type === 'none') {
    body.tool_choice = request.tool_choice
  }
  const thinking = thinkingFor(request, options.adaptiveThinking)
  if (thinking !== undefined && thinking.type !== 'disabled' && toolTurnLacksThinking(messages, ANTHROPIC_TURN_BLOCKS)) {
    options.onThinkingOff?.('the tool turn in progress does not start with a thinking block this upstream can verify (it came from another upstream)')
  } else if (thinking !== undefined) body.thinking = thinking
  if (request.temperature !== undefined) body.temperature = request.temperature
  if (request.top_p !== undefined) body.top_p = request.top_p
  if (request.top_k !== undefined) body.top_k = request.top_k
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) body.stop_sequences = request.stop_sequences
  if (request.userId !== undefined) body.metadata = { user_id: request.userId }
  const outputConfig: Record<string, unknown> = {}
  if (request.effort !== undefined && options.betas.some((flag) => flag.startsWith('effort-'))) outputConfig.effort = request.effort
  if (request.responseFormat?.type === 'json_schema') outputConfig.format = { type: 'json_schema', schema: request.responseFormat.schema }
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig
  Object.assign(body, topLevelFieldsFor(request.anthropicFields, options.betas, options.topLevelFields))
  if (options.stream !== undefined) body.stream = options.stream
  return { ...body, ...options.extra }
}

/** Signatures other upstreams issued (Gemini thought signatures travel in thinking blocks too). */
const FOREIGN_SIGNATURE = /^gemini:/

function signed (block: { signature?: string }): boolean {
  return typeof block.signature === 'string' && block.signature !== '' && !FOREIGN_SIGNATURE.test(block.signature)
}

function cleanContent (message: ChatMessage, foreignSearches: ReadonlySet<string>, toolSearch: boolean, searchCitations: boolean): ContentBlock[] {
  const out: ContentBlock[] = []
  for (const block of message.content) {
    if (block.type === 'tool_result' && !toolSearch && Array.isArray(block.content) && block.content.some(isToolReference)) {
      // tool_reference blocks need the tool-search beta; the tools they loaded are declared instead (anthropicTools).
      const rest = (block.content as unknown[]).filter((item) => !isToolReference(item))
      out.push({ ...block, content: rest.length > 0 ? rest : 'Tool loaded.' } as ContentBlock)
      continue
    }
    if (block.type === 'text') {
      if (block.text === '') continue
      const citations = (block as { citations?: unknown }).citations
      if (Array.isArray(citations) && citations.some((citation) => isLynkrCitation(citation) || (!searchCitations && (citation as { type?: unknown })?.type === 'web_search_result_location'))) {
        const { citations: _dropped, ...plain } = block as TextBlock & { citations?: unknown }
        out.push(plain)
      } else out.push(block)
    } else if (block.type === 'thinking') {
      if (signed(block)) out.push(block)
    } else if (foreignSearches.has(searchId(block) ?? '')) {
      const text = serverToolText(block)
      if (text !== undefined && text !== '') out.push({ type: 'text', text })
    } else out.push(block)
  }
  return out
}

/** The id tying a server tool call to its result block (`web_search_tool_result`, `web_fetch_tool_result`…). */
function searchId (block: ContentBlock): string | undefined {
  const fields = block as unknown as { type: string, id?: unknown, tool_use_id?: unknown }
  if (fields.type === 'server_tool_use') return typeof fields.id === 'string' ? fields.id : undefined
  if (fields.type.endsWith('_tool_result') && fields.type !== 'tool_result' && fields.type !== 'mcp_tool_result') return typeof fields.tool_use_id === 'string' ? fields.tool_use_id : undefined
  return undefined
}

/**
 * Ids of the server tool calls the target cannot take as blocks: web searches lynkr made from another
 * upstream's search (their results carry lynkr contents), and calls of server tools the target does not run.
 */
function foreignSearchIds (messages: ChatMessage[], runs: ((name: string) => boolean) | undefined): Set<string> {
  const ids = new Set<string>()
  for (const message of messages) {
    for (const block of message.content) {
      const type = block.type as string
      const id = searchId(block)
      if (id === undefined) continue
      if (type === 'web_search_tool_result' && isLynkrSearchResult(block as { content?: unknown })) ids.add(id)
      const name = (block as { name?: unknown }).name
      if (type === 'server_tool_use' && runs !== undefined && typeof name === 'string' && !runs(name)) ids.add(id)
    }
  }
  return ids
}

function hasToolSearch (betas: readonly string[]): boolean {
  return betas.some((flag) => betaAllowed(flag, ['advanced-tool-use-*', 'tool-search-tool-*']))
}

/**
 * Tool-search (`defer_loading`) and `input_examples` are beta features; without the beta they are a 400.
 * Without it, deferred tools a tool search already loaded (`loaded`) are declared as ordinary tools.
 */
function anthropicTools (tools: ToolDefinition[] | undefined, betas: readonly string[], toolSearch: boolean, loaded?: ReadonlySet<string>): ToolDefinition[] | undefined {
  if (tools === undefined) return undefined
  const examples = toolSearch || betas.some((flag) => flag.startsWith('tool-examples-'))
  if (toolSearch && examples) return tools
  const out: ToolDefinition[] = []
  for (const tool of tools) {
    if (tool.defer_loading === true && !toolSearch && loaded?.has(tool.name) !== true) continue
    const dropDeferred = !toolSearch && 'defer_loading' in tool
    const dropExamples = !examples && 'input_examples' in tool
    if (!dropDeferred && !dropExamples) {
      out.push(tool)
      continue
    }
    const copy: ToolDefinition = { ...tool }
    if (dropDeferred) delete copy.defer_loading
    if (dropExamples) delete copy.input_examples
    out.push(copy)
  }
  return out
}

const ADAPTIVE_BUDGET: Record<string, number> = { low: 4096, medium: 16_000, high: 32_000, xhigh: 48_000, max: 64_000 }

/**
 * Adaptive thinking (what Claude Code sends to new models) becomes a budget for models that predate it;
 * the budget follows the requested effort and stays in 1024..max_tokens-1, or thinking is left off.
 */
function thinkingFor (request: ChatRequest, adaptive: boolean | undefined): ThinkingConfig | undefined {
  const thinking = request.thinking
  if (thinking === undefined || adaptive === undefined) return thinking
  if (thinking.type === 'adaptive' && !adaptive) {
    const budget = Math.min(ADAPTIVE_BUDGET[request.effort ?? 'medium'] ?? 16_000, request.max_tokens - 1)
    return budget >= 1024 ? { type: 'enabled', budget_tokens: budget } : undefined
  }
  if (thinking.type === 'enabled' && !adaptive && thinking.display !== undefined) {
    const { display: _display, ...rest } = thinking
    return rest
  }
  return thinking
}

/** Parses a `*_SYSTEM_MESSAGES` variable. */
export function parseSystemMessages (value: string, variable: string): 'keep' | 'hoist' {
  if (value === 'keep' || value === 'hoist') return value
  throw new LynkrConfigError(`${variable}="${value}" must be "keep" (send role:"system" messages as they are) or "hoist" (append them to the system prompt)`, variable)
}
