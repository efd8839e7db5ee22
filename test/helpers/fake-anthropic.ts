/**
 * A fake Anthropic Messages API (`POST …/v1/messages`): the auth and version headers, beta flags the
 * target knows, the body rules the real API enforces (non-empty text, tool_use answered by tool_result
 * blocks first in the next user turn, thinking signatures it issued itself, max_tokens caps, budgets),
 * and SSE in Anthropic's exact event order. Used for Azure Anthropic (Microsoft Foundry, with its Entra ID
 * bearer tokens when `entra` is set), Z.AI's Anthropic endpoint and (through `anthropicReplyEvents`)
 * Bedrock InvokeModel streams.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { errorHeaders, sendJson, startFakeServer, streamFrames, type FakeExchange } from './fake-server.ts'
import { isRecord, splitPieces, splitText, usageFor, type FakeReply, type FakeResponder, type FakeUpstream } from './fake-script.ts'
import { verifyEntraToken } from './fake-entra.ts'

export interface FakeAnthropicOptions {
  apiKey?: string
  /** `x-api-key` only (Azure), or also `Authorization: Bearer` (Z.AI). */
  auth?: 'x-api-key' | 'either'
  /**
   * Microsoft Foundry: bearer tokens are Entra ID tokens (fake-entra.ts) for Cognitive Services or ai.azure.com;
   * without `apiKey`, key auth is disabled and a token is required.
   */
  entra?: boolean
  /** When set, any other `anthropic-beta` flag is a 400, as on targets that do not know it. */
  acceptedBetas?: string[]
  /** Reject max_tokens above this, with Anthropic's wording. */
  maxOutputTokens?: number
  /** Whether `thinking: {type: "adaptive"}` is accepted (newer models only). */
  adaptiveThinking?: boolean
  /** Secret for thinking signatures; blocks signed by anyone else are rejected. */
  signingSecret?: string
  /** Model Anthropic's prompt cache (see `AnthropicPromptCache`): usage reports cache reads and writes. */
  promptCache?: boolean
  responder?: FakeResponder
}

const MIN_CACHEABLE_TOKENS = 1024

/**
 * Anthropic's prompt cache as the Messages API keeps it: each `cache_control` (on a tool, a system block or a
 * message block) marks the prefix up to it — tools, then system, then messages in order, the markers
 * themselves not part of it. A marked prefix of at least 1024 tokens (the fakes' bytes/4) is written; a later
 * request whose marked prefix was written before reads it. Shorter prefixes are silently not cached, as on the
 * real API. Reads the longest hit, writes up to the longest marked prefix.
 */
export class AnthropicPromptCache {
  private readonly written = new Set<string>()

  static prefixes (body: Json): string[] {
    const out: string[] = []
    const strip = (block: unknown): unknown => {
      if (!isRecord(block)) return block
      const { cache_control: _marker, ...rest } = block
      return rest
    }
    let prefix = ''
    const add = (item: unknown, tag: string): void => {
      prefix += JSON.stringify([tag, strip(item)])
      if (isRecord(item) && item.cache_control != null) out.push(prefix)
    }
    for (const tool of Array.isArray(body.tools) ? body.tools : []) add(tool, 'tool')
    const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : Array.isArray(body.system) ? body.system : []
    for (const block of system) add(block, 'system')
    for (const message of Array.isArray(body.messages) ? body.messages as Json[] : []) {
      const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content : []
      for (const block of content) add(block, String(message.role))
    }
    return out
  }

  /** Anthropic's limit, in its words; null when the body keeps it. */
  static check (body: Json): string | null {
    const count = AnthropicPromptCache.prefixes(body).length
    return count > 4 ? `A maximum of 4 blocks with cache_control may be provided. Found ${count}.` : null
  }

  /** Tokens read from and written to the cache by this request (and remembers what it wrote). */
  use (body: Json): { read: number, written: number } {
    const tokens = (text: string | undefined): number => text === undefined ? 0 : Math.ceil(text.length / 4)
    const marked = AnthropicPromptCache.prefixes(body).filter((prefix) => tokens(prefix) >= MIN_CACHEABLE_TOKENS)
    const hit = marked.filter((prefix) => this.written.has(prefix)).at(-1)
    const longest = marked.at(-1)
    for (const prefix of marked) this.written.add(prefix)
    return { read: tokens(hit), written: longest === hit ? 0 : tokens(longest) - tokens(hit) }
  }
}

type Json = Record<string, any>

/**
 * Claude's signatures are valid on every platform that serves Claude (Anthropic's API, Foundry, Bedrock,
 * Vertex), so the Anthropic and Bedrock fakes share this secret unless a test gives another (Z.AI's GLM).
 */
export const CLAUDE_SIGNING_SECRET = 'claude-fake-signing-secret'

/** Claude's rule for thinking and tool use, in its own words: the tool turn in progress must start with thinking. */
export function thinkingTurnError (index: number, found: string): string {
  return `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${found}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`
}

/**
 * The first message of the assistant turn in progress (after the last user message without a tool result),
 * when that turn used tools: with thinking on, it must open with thinking. `kind` reads a wire block.
 */
export function openToolTurn (messages: Json[], kind: (block: Json) => 'tool_use' | 'tool_result' | 'other'): { index: number, content: Json[] } | undefined {
  let first: { index: number, content: Json[] } | undefined
  let usedTools = false
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!
    const content: Json[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content : []
    if (message.role === 'user') {
      if (!content.some((block) => kind(block) === 'tool_result')) break
      continue
    }
    if (message.role !== 'assistant') continue
    first = { index: i, content }
    if (content.some((block) => kind(block) === 'tool_use')) usedTools = true
  }
  return usedTools ? first : undefined
}

export function thinkingSignature (secret: string, thinking: string): string {
  return createHmac('sha256', secret).update(thinking).digest('base64')
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 504: 'timeout_error', 529: 'overloaded_error'
}

export function anthropicErrorBody (status: number, message: string): Json {
  return { type: 'error', error: { type: TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message }, request_id: `req_${randomBytes(8).toString('hex')}` }
}

function fail (exchange: FakeExchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange.res, status, anthropicErrorBody(status, message), headers)
}

const FOUNDRY_AUDIENCES = ['https://cognitiveservices.azure.com', 'https://ai.azure.com']

export async function startFakeAnthropic (options: FakeAnthropicOptions = {}): Promise<FakeUpstream> {
  const secret = options.signingSecret ?? CLAUDE_SIGNING_SECRET
  const cache = options.promptCache === true ? new AnthropicPromptCache() : undefined
  return await startFakeServer(async (exchange) => {
    const { req, recorded } = exchange
    const path = new URL(recorded.path, 'http://fake').pathname
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    if (options.entra === true && (bearer !== undefined || options.apiKey === undefined)) {
      // Foundry's gateway answers in its own shape, before the Anthropic API sees the request.
      if (!verifyEntraToken(bearer, FOUNDRY_AUDIENCES)) return sendJson(exchange.res, 401, { error: { code: '401', message: `Unauthorized. Access token is missing, invalid, audience is incorrect (${FOUNDRY_AUDIENCES.join(' or ')}), or have expired.` } })
    } else if (options.apiKey !== undefined) {
      const keyAsBearer = options.auth === 'either' && req.headers.authorization === `Bearer ${options.apiKey}`
      if (req.headers['x-api-key'] !== options.apiKey && !keyAsBearer) return fail(exchange, 401, 'invalid x-api-key')
    }
    if (req.method !== 'POST' || !path.endsWith('/v1/messages')) return fail(exchange, 404, `Not found: ${req.method ?? ''} ${path}`)
    if (req.headers['anthropic-version'] === undefined) return fail(exchange, 400, 'anthropic-version: header is required')
    if (options.acceptedBetas !== undefined) {
      const flags = String(req.headers['anthropic-beta'] ?? '').split(',').map((flag) => flag.trim()).filter(Boolean)
      const unknown = flags.filter((flag) => !options.acceptedBetas!.includes(flag))
      if (unknown.length > 0) return fail(exchange, 400, `Unexpected value(s) \`${unknown.join('`, `')}\` for the \`anthropic-beta\` header. Please consult our documentation at docs.anthropic.com or try again without the header.`)
    }
    const betas = String(req.headers['anthropic-beta'] ?? '').split(',').map((flag) => flag.trim()).filter(Boolean)
    const problem = validateAnthropicBody(recorded.body, { ...options, secret, requireModel: true }) ?? topLevelFieldProblem(recorded.body as Json, betas) ?? AnthropicPromptCache.check(recorded.body as Json)
    if (problem !== null) return fail(exchange, 400, problem)
    await answer(exchange, recorded.body as Json, secret, cache)
  }, options.responder)
}

/** The rules the real Messages API enforces that a translating gateway can break. Returns the 400 message. */
/** The beta each of Anthropic's beta-gated top-level fields needs; without it the API refuses the field. */
const FIELD_BETAS: Record<string, string[]> = { context_management: ['context-management-'], mcp_servers: ['mcp-client-'], container: ['code-execution-', 'skills-'] }

/** `context_management`, `mcp_servers`, `container` and `service_tier` checked as Anthropic's API checks them. */
export function topLevelFieldProblem (body: Json, betas: readonly string[]): string | null {
  for (const [field, needs] of Object.entries(FIELD_BETAS)) {
    if (body[field] !== undefined && !betas.some((flag) => needs.some((prefix) => flag.startsWith(prefix)))) return `${field}: Extra inputs are not permitted`
  }
  if (body.context_management !== undefined && !isRecord(body.context_management)) return 'context_management: Input should be a valid dictionary'
  if (body.container !== undefined && typeof body.container !== 'string' && !isRecord(body.container)) return 'container: Input should be a valid string'
  if (body.mcp_servers !== undefined) {
    if (!Array.isArray(body.mcp_servers)) return 'mcp_servers: Input should be a valid list'
    for (const [i, server] of body.mcp_servers.entries()) {
      if (!isRecord(server) || server.type !== 'url' || typeof server.url !== 'string' || typeof server.name !== 'string') return `mcp_servers.${i}: Field required`
    }
  }
  if (body.service_tier !== undefined && body.service_tier !== 'auto' && body.service_tier !== 'standard_only') return "service_tier: Input should be 'auto' or 'standard_only'"
  return null
}

export function validateAnthropicBody (body: unknown, options: { maxOutputTokens?: number, adaptiveThinking?: boolean, secret: string, requireModel: boolean }): string | null {
  if (!isRecord(body)) return 'Request body must be a JSON object'
  if (options.requireModel && (typeof body.model !== 'string' || body.model === '')) return 'model: Field required'
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required'
  if (options.maxOutputTokens !== undefined && body.max_tokens > options.maxOutputTokens) {
    return `max_tokens: ${body.max_tokens} > ${options.maxOutputTokens}, which is the maximum allowed number of output tokens for ${String(body.model ?? 'this model')}`
  }
  const thinking = body.thinking as Json | undefined
  if (thinking !== undefined) {
    if (thinking.type === 'adaptive' && options.adaptiveThinking !== true) return "thinking.type: Input tag 'adaptive' found using 'type' does not match any of the expected tags: 'disabled', 'enabled'"
    if (thinking.type === 'enabled' && (typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < 1024 || thinking.budget_tokens >= body.max_tokens)) {
      return '`max_tokens` must be greater than `thinking.budget_tokens`, and budget_tokens must be >= 1024'
    }
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required'
  let pending: string[] = []
  for (const [i, message] of (body.messages as unknown[]).entries()) {
    if (!isRecord(message) || !['user', 'assistant', 'system'].includes(String(message.role))) return `messages.${i}.role: Input should be 'user' or 'assistant'`
    const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content
    if (!Array.isArray(content)) return `messages.${i}.content: Input should be a valid list`
    if (pending.length > 0) {
      const leading = content.slice(0, pending.length)
      const answered = leading.filter((block: any) => block?.type === 'tool_result').map((block: any) => block.tool_use_id)
      if (message.role !== 'user' || pending.some((id) => !answered.includes(id))) {
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${pending.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
      }
      pending = []
    }
    for (const [j, block] of content.entries()) {
      if (!isRecord(block)) return `messages.${i}.content.${j}: Input should be an object`
      if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) return `messages.${i}.content.${j}.text: text content blocks must be non-empty`
      if (block.type === 'thinking') {
        if (message.role !== 'assistant') return `messages.${i}.content.${j}: thinking blocks are only allowed in assistant messages`
        if (typeof block.signature !== 'string' || block.signature !== thinkingSignature(options.secret, String(block.thinking ?? ''))) {
          return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`
        }
      }
      if (block.type === 'tool_use') {
        if (message.role !== 'assistant') return `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`
        pending.push(String(block.id))
      }
    }
  }
  if (pending.length > 0) return `messages: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${pending.join(', ')}`
  if (thinking !== undefined && thinking.type !== 'disabled') {
    const turn = openToolTurn(body.messages as Json[], (block) => block?.type === 'tool_use' ? 'tool_use' : block?.type === 'tool_result' ? 'tool_result' : 'other')
    const opening = turn?.content[0]?.type
    if (turn !== undefined && opening !== 'thinking' && opening !== 'redacted_thinking') return thinkingTurnError(turn.index, String(opening))
  }
  return null
}

/** The Anthropic SSE events a FakeReply renders to, in the real order (protocols.md §1.7). */
export function anthropicReplyEvents (reply: FakeReply, model: string, body: Json, secret: string, caching?: { read: number, written: number }): Json[] {
  const { input: counted, output, cached: scripted } = usageFor(reply, body.messages)
  // With the prompt cache modelled, the whole prompt counts (input excludes what was read or written).
  const input = caching === undefined ? counted : Math.max(counted, Math.ceil(JSON.stringify([body.tools ?? [], body.system ?? [], body.messages]).length / 4))
  const cached = caching?.read ?? scripted
  const written = caching?.written ?? 0
  const events: Json[] = [{
    type: 'message_start',
    message: {
      id: `msg_${randomBytes(12).toString('hex')}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: Math.max(0, input - (cached ?? 0) - written), output_tokens: 1, cache_creation_input_tokens: written, cache_read_input_tokens: cached ?? 0 }
    }
  }, { type: 'ping' }]
  let index = 0
  if (reply.reasoning !== undefined) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } })
    for (const piece of splitText(reply.reasoning)) events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } })
    events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: thinkingSignature(secret, reply.reasoning) } })
    events.push({ type: 'content_block_stop', index: index++ })
  }
  if (reply.webSearch !== undefined) {
    // As Anthropic's API streams a server tool: the call with its input as JSON deltas, then the result whole.
    const id = `srvtoolu_${randomBytes(12).toString('hex')}`
    events.push({ type: 'content_block_start', index, content_block: { type: 'server_tool_use', id, name: 'web_search', input: {} } })
    for (const piece of splitPieces(JSON.stringify({ query: reply.webSearch.query }), 2)) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } })
    events.push({ type: 'content_block_stop', index: index++ })
    const results = reply.webSearch.results.map((hit) => ({ type: 'web_search_result', title: hit.title, url: hit.url, encrypted_content: randomBytes(24).toString('base64'), page_age: null }))
    events.push({ type: 'content_block_start', index, content_block: { type: 'web_search_tool_result', tool_use_id: id, content: results } })
    events.push({ type: 'content_block_stop', index: index++ })
  }
  const text = reply.text ?? (reply.midStreamError === undefined ? undefined : 'partial answer')
  if (text !== undefined && text !== '') {
    events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
    // After a web search the answer cites its first hit, citations before the text, as the API streams them.
    const hit = reply.webSearch?.results[0]
    if (hit !== undefined) {
      events.push({ type: 'content_block_delta', index, delta: { type: 'citations_delta', citation: { type: 'web_search_result_location', url: hit.url, title: hit.title, encrypted_index: 'EpcBCioIBhgC', cited_text: text.slice(0, 40) } } })
    }
    for (const piece of splitText(text)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })
    if (reply.midStreamError !== undefined) {
      events.push({ type: 'error', error: { type: 'overloaded_error', message: reply.midStreamError } })
      return events
    }
    events.push({ type: 'content_block_stop', index: index++ })
    // Text the model writes without a source after a cited passage is a block of its own.
    const tail = reply.webSearch?.uncitedTail
    if (tail !== undefined) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const piece of splitText(tail)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })
      events.push({ type: 'content_block_stop', index: index++ })
    }
  }
  const calls = reply.toolCalls ?? []
  for (const call of calls) {
    events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id ?? `toolu_${randomBytes(12).toString('hex')}`, name: call.name, input: {} } })
    events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } })
    for (const piece of splitPieces(JSON.stringify(call.arguments), 3)) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } })
    events.push({ type: 'content_block_stop', index: index++ })
  }
  const stopReason = reply.finishReason ?? (calls.length > 0 ? 'tool_use' : 'end_turn')
  // Anthropic counts the server tools it ran in the final usage.
  const serverToolUse = reply.webSearch === undefined ? {} : { server_tool_use: { web_search_requests: 1 } }
  events.push({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: output, ...serverToolUse } })
  events.push({ type: 'message_stop' })
  return events
}

/** Folds the events into the non-streaming Message. */
export function anthropicReplyMessage (events: Json[]): Json {
  const message = { ...events[0]!.message, content: [] as Json[] }
  const json = new Map<number, string>()
  for (const event of events) {
    if (event.type === 'content_block_start') message.content[event.index] = { ...event.content_block }
    else if (event.type === 'content_block_delta') {
      const block = message.content[event.index]!
      if (event.delta.type === 'text_delta') block.text += event.delta.text
      else if (event.delta.type === 'citations_delta') block.citations = [...(block.citations ?? []), event.delta.citation]
      else if (event.delta.type === 'thinking_delta') block.thinking += event.delta.thinking
      else if (event.delta.type === 'signature_delta') block.signature = event.delta.signature
      else if (event.delta.type === 'input_json_delta') json.set(event.index, (json.get(event.index) ?? '') + event.delta.partial_json)
    } else if (event.type === 'content_block_stop' && json.has(event.index)) message.content[event.index]!.input = JSON.parse(json.get(event.index)!)
    else if (event.type === 'message_delta') {
      message.stop_reason = event.delta.stop_reason
      message.usage = { ...message.usage, ...event.usage }
    }
  }
  return message
}

async function answer (exchange: FakeExchange, body: Json, secret: string, cache?: AnthropicPromptCache): Promise<void> {
  const reply = exchange.reply()
  if (!(await exchange.sleep(reply.delayMs))) return
  if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
    return fail(exchange, reply.status, reply.error ?? `fake upstream error ${reply.status}`, errorHeaders(reply))
  }
  const events = anthropicReplyEvents(reply, String(body.model), body, secret, reply.usage === undefined ? cache?.use(body) : undefined)
  if (body.stream !== true) {
    if (reply.dropConnectionAfterChunks !== undefined) return void exchange.res.socket?.destroy()
    if (reply.midStreamError !== undefined) return fail(exchange, 529, reply.midStreamError)
    return sendJson(exchange.res, 200, anthropicReplyMessage(events), { 'request-id': `req_${randomBytes(8).toString('hex')}` })
  }
  const frames = events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`)
  await streamFrames(exchange, 'text/event-stream; charset=utf-8', frames, reply)
}
