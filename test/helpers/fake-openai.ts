/**
 * A fake OpenAI-compatible server: /chat/completions (SSE or JSON), /embeddings and GET /models, with the
 * request validation of a strict server so gateway translation bugs surface as 400s, not silence.
 */
import { randomBytes } from 'node:crypto'
import { errorHeaders, sendJson, startFakeServer, streamFrames, type FakeExchange } from './fake-server.ts'
import { fakeEmbedding, isRecord, splitPieces, splitText, usageFor, type FakeReply, type FakeResponder, type FakeUpstream, type RecordedRequest } from './fake-script.ts'

export interface FakeOpenAIOptions {
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string
  responder?: FakeResponder
  /** Ids listed by GET /v1/models. */
  models?: string[]
  /** Rejects max_tokens / max_completion_tokens above this, as a model's output cap does. */
  maxOutputTokens?: number
  /** How an OpenAI-compatible server differs from OpenAI (fake-openai-dialects.ts has the presets). */
  dialect?: OpenAIDialect
  /** The embedding model's vectors (default fakeEmbedding: stable but meaningless); a test scripts similarity with it. */
  embedding?: (text: string, dimensions?: number) => number[]
}

export interface OpenAIError { status: number, message: string, type: string, param: string | null, code: string | null }

/**
 * Where an OpenAI-compatible server departs from OpenAI. Every hook is optional; absent ones behave like
 * OpenAI. Used by the Azure, llama.cpp, OpenRouter, Moonshot and Databricks fakes.
 */
export interface OpenAIDialect {
  /** Top-level request fields this server takes beyond OpenAI's own (vendor extensions); others are refused. */
  fields?: readonly string[]
  /** Replaces the `Authorization: Bearer` check (Azure's `api-key` header). */
  checkAuth?: (recorded: RecordedRequest) => OpenAIError | null
  /** Whether a POST path is the chat endpoint (default: ends with /chat/completions). */
  isChatPath?: (path: string) => boolean
  /** The model named by the URL rather than the body (Databricks invocations). */
  modelFromPath?: (path: string) => string | undefined
  /** Checks after the standard ones, worded as the real server words them. */
  validate?: (body: Record<string, unknown>, recorded: RecordedRequest) => OpenAIError | null
  /** The tool-call ids the server issues (default `call_<random>`). */
  toolCallId?: (name: string, index: number) => string
  /** Puts reasoning on a whole message (default `reasoning_content`); may rewrite `content` too. */
  reasoningMessage?: (reasoning: string, message: Record<string, unknown>) => void
  /** The delta fields of one streamed reasoning piece (default `{reasoning_content}`). */
  reasoningDelta?: (piece: string, last: boolean, full: string) => Record<string, unknown>
  /** Prompt caching the server does for this body: tokens read from and written to its cache. */
  promptCache?: (body: Record<string, unknown>) => { read: number, written: number } | undefined
  /** Raw frames before the first chunk (Azure's empty-choices chunk, OpenRouter's processing comments). */
  prelude?: (model: string) => string[]
  /** A raw frame sent after every chunk (llama.cpp-style `: ping` comments). */
  between?: string
  /** Rewrites every streamed chunk object before it is sent (Azure content_filter_results). */
  decorateChunk?: (chunk: Record<string, unknown>) => void
  /** `annotations` for the answer `text` (OpenRouter's url_citation when its web plugin searched), or none. */
  annotations?: (reply: FakeReply, text: string, body: Record<string, unknown>) => unknown[] | undefined
  /** The JSON body of an error (default OpenAI's `{error:{message,type,param,code}}`). */
  errorBody?: (error: OpenAIError) => unknown
}

export async function startFakeOpenAI (options: FakeOpenAIOptions = {}): Promise<FakeUpstream> {
  const dialect = options.dialect ?? {}
  return await startFakeServer(async (exchange) => {
    const { req, res, recorded } = exchange
    const path = new URL(recorded.path, 'http://fake').pathname
    Object.assign(exchange, { dialect })
    const authError = dialect.checkAuth !== undefined ? dialect.checkAuth(recorded) : checkAuth(req.headers.authorization, options.apiKey)
    if (authError !== null) return sendError(exchange, authError)
    if (req.method === 'GET' && path.endsWith('/models')) {
      const created = Math.floor(Date.now() / 1000)
      const data = (options.models ?? ['gpt-4o-mini']).map((id) => ({ id, object: 'model', created, owned_by: 'fake' }))
      return sendJson(res, 200, { object: 'list', data })
    }
    if (req.method === 'POST' && path.endsWith('/embeddings')) return embeddings(exchange, options.embedding ?? fakeEmbedding)
    if (req.method !== 'POST' || !(dialect.isChatPath?.(path) ?? path.endsWith('/chat/completions'))) {
      return sendError(exchange, invalid(`Unknown request URL: ${req.method ?? ''} ${path}.`, null, 'unknown_url', 404))
    }
    const pathModel = dialect.modelFromPath?.(path)
    const problem = validate(recorded.body, pathModel === undefined) ??
      unknownField(recorded.body, dialect.fields) ??
      outputCap(recorded.body as Record<string, unknown>, options.maxOutputTokens) ??
      dialect.validate?.(recorded.body as Record<string, unknown>, recorded) ?? null
    if (problem !== null) return sendError(exchange, problem)
    await answer(exchange, recorded.body as Record<string, unknown>, pathModel)
  }, options.responder)
}

export function invalid (message: string, param: string | null, code: string | null = null, status = 400): OpenAIError {
  return { status, message, type: 'invalid_request_error', param, code }
}

function checkAuth (header: string | undefined, apiKey: string | undefined): OpenAIError | null {
  if (apiKey === undefined || header === `Bearer ${apiKey}`) return null
  if (header === undefined) return invalid("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", null, null, 401)
  return invalid(`Incorrect API key provided: ${header.replace(/^Bearer\s+/i, '').slice(0, 8)}***.`, null, 'invalid_api_key', 401)
}

function sendError (exchange: FakeExchange & { dialect?: OpenAIDialect }, error: OpenAIError, headers: Record<string, string> = {}): void {
  const { status, ...body } = error
  sendJson(exchange.res, status, exchange.dialect?.errorBody?.(error) ?? { error: body }, headers)
}

/** OpenAI's wording when max_tokens exceeds what the model can produce. */
function outputCap (body: Record<string, unknown>, cap: number | undefined): OpenAIError | null {
  if (cap === undefined) return null
  const field = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens'
  const value = body[field]
  if (typeof value !== 'number' || value <= cap) return null
  return invalid(`${field} is too large: ${value}. This model supports at most ${cap} completion tokens, whereas you provided ${value}.`, field, 'invalid_value')
}

/** The error body OpenAI sends for a given status. */
function scriptedError (reply: FakeReply): OpenAIError {
  const status = reply.status ?? 500
  const message = reply.error ?? `fake upstream error ${status}`
  if (status === 401) return invalid(message, null, 'invalid_api_key', 401)
  if (status === 404) return invalid(message, 'model', 'model_not_found', 404)
  if (status === 429) return { status, message, type: 'requests', param: null, code: 'rate_limit_exceeded' }
  if (status >= 500) return { status, message, type: 'server_error', param: null, code: null }
  return invalid(message, null, null, status)
}

/**
 * OpenAI's Chat Completions parameters, and the extensions the OpenAI-compatible servers this fake stands in for
 * take (OpenRouter, vLLM/SGLang, llama.cpp, LM Studio, DeepSeek, Z.AI). A field outside these (Anthropic's
 * `context_management`, `mcp_servers`…) is refused as OpenAI does.
 */
const OPENAI_FIELDS = new Set([
  'model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'n', 'stop',
  'presence_penalty', 'frequency_penalty', 'logit_bias', 'logprobs', 'top_logprobs', 'user', 'seed', 'tools', 'tool_choice',
  'parallel_tool_calls', 'response_format', 'reasoning_effort', 'metadata', 'store', 'service_tier', 'modalities', 'prediction',
  'audio', 'web_search_options', 'verbosity', 'prompt_cache_key', 'safety_identifier', 'functions', 'function_call',
  // compatible servers' extensions
  'top_k', 'min_p', 'repetition_penalty', 'reasoning', 'include_reasoning', 'provider', 'plugins', 'transforms', 'usage', 'models', 'route',
  'chat_template_kwargs', 'enable_thinking', 'thinking', 'cache_prompt', 'keep_alive', 'options', 'extra_body'
])

function unknownField (body: unknown, extra: readonly string[] = []): OpenAIError | null {
  if (!isRecord(body)) return null
  const unknown = Object.keys(body).find((key) => !OPENAI_FIELDS.has(key) && !extra.includes(key))
  return unknown === undefined ? null : invalid(`Unrecognized request argument supplied: ${unknown}`, null)
}

/** Rejects what real strict servers reject (protocols.md 2.1, 3.9). */
function validate (body: unknown, requireModel = true): OpenAIError | null {
  if (!isRecord(body)) return invalid('We could not parse the JSON body of your request.', null)
  if (requireModel && (typeof body.model !== 'string' || body.model === '')) return invalid('you must provide a model parameter', null)
  if (!Array.isArray(body.messages)) return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter')
  if (body.stream_options != null && body.stream !== true) {
    return invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options')
  }
  const pending = new Set<string>() // tool_call ids still waiting for their tool message
  let inToolRun = false
  for (const [i, message] of (body.messages as unknown[]).entries()) {
    if (!isRecord(message)) return invalid(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`, 'invalid_type')
    if (pending.size > 0 && message.role !== 'tool') return unanswered(pending, i)
    const emptyText = findEmptyText(message.content, `messages[${i}].content`)
    if (emptyText !== null) return invalid(`Invalid '${emptyText}': string too short. Expected a string with minimum length 1, but got an empty string instead.`, emptyText, 'string_too_short')
    if (message.role === 'tool') {
      if (typeof message.tool_call_id !== 'string') return invalid("Missing parameter 'tool_call_id': messages with role 'tool' must have a 'tool_call_id'.", `messages.[${i}].tool_call_id`)
      if (!inToolRun) return invalid("Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", `messages.[${i}].role`)
      if (!pending.delete(message.tool_call_id)) return invalid(`Invalid parameter: 'tool_call_id' of '${message.tool_call_id}' not found in 'tool_calls' of previous message.`, `messages.[${i}].tool_call_id`)
      continue
    }
    inToolRun = false
    if (message.role !== 'assistant' || message.tool_calls == null) continue
    if (!Array.isArray(message.tool_calls)) return invalid(`Invalid type for 'messages[${i}].tool_calls': expected an array.`, `messages[${i}].tool_calls`, 'invalid_type')
    if (message.tool_calls.length === 0) {
      return invalid(`Invalid 'messages[${i}].tool_calls': empty array. Expected an array with minimum length 1, but got an empty array instead.`, `messages[${i}].tool_calls`, 'empty_array')
    }
    for (const [j, call] of (message.tool_calls as unknown[]).entries()) {
      const fn = isRecord(call) ? call.function : undefined
      if (!isRecord(call) || typeof call.id !== 'string' || !isRecord(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
        return invalid(`Invalid 'messages[${i}].tool_calls[${j}]': expected {id, type:'function', function:{name, arguments: string}}.`, `messages[${i}].tool_calls[${j}]`, 'invalid_type')
      }
      pending.add(call.id)
    }
    inToolRun = true
  }
  return pending.size > 0 ? unanswered(pending, (body.messages as unknown[]).length) : null
}

function unanswered (pending: Set<string>, index: number): OpenAIError {
  return invalid(`An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`, `messages.[${index}].role`)
}

function findEmptyText (content: unknown, where: string): string | null {
  if (content === '') return where
  if (!Array.isArray(content)) return null
  for (const [j, part] of content.entries()) {
    if (isRecord(part) && part.type === 'text' && part.text === '') return `${where}[${j}].text`
  }
  return null
}

async function answer (exchange: FakeExchange & { dialect?: OpenAIDialect }, body: Record<string, unknown>, pathModel?: string): Promise<void> {
  const dialect = exchange.dialect ?? {}
  const reply = exchange.reply()
  if (!(await exchange.sleep(reply.delayMs))) return
  if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
    return sendError(exchange, scriptedError(reply), errorHeaders(reply))
  }
  const model = pathModel ?? body.model as string
  const id = `chatcmpl-${randomBytes(12).toString('base64url')}`
  const created = Math.floor(Date.now() / 1000)
  const calls = (reply.toolCalls ?? []).map((call, index) => ({ ...call, id: call.id ?? dialect.toolCallId?.(call.name, index) ?? `call_${randomBytes(12).toString('base64url')}` }))
  const finish = reply.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop')
  const { input, output, cached: scripted } = usageFor(reply, body.messages)
  const caching = reply.usage === undefined ? dialect.promptCache?.(body) : undefined
  const cached = caching?.read ?? scripted
  const usage = {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    ...(cached === undefined && caching === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached ?? 0, ...(caching === undefined ? {} : { cache_write_tokens: caching.written }) } })
  }

  if (body.stream !== true) {
    if (reply.dropConnectionAfterChunks !== undefined) return void exchange.res.socket?.destroy()
    if (reply.midStreamError !== undefined) return sendError(exchange, scriptedError({ error: reply.midStreamError }))
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: reply.text ?? null,
      refusal: null,
      ...(calls.length === 0 ? {} : { tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } })) })
    }
    if (reply.reasoning !== undefined) {
      if (dialect.reasoningMessage !== undefined) dialect.reasoningMessage(reply.reasoning, message)
      else message.reasoning_content = reply.reasoning
    }
    const annotations = dialect.annotations?.(reply, reply.text ?? '', body)
    if (annotations !== undefined) message.annotations = annotations
    return sendJson(exchange.res, 200, {
      id, object: 'chat.completion', created, model, system_fingerprint: 'fp_fake',
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage
    })
  }

  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true
  const frame = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`
  // With include_usage every chunk carries usage: null, and only the trailing chunk has numbers.
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string => {
    const value: Record<string, unknown> = {
      id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {})
    }
    dialect.decorateChunk?.(value)
    return frame(value) + (dialect.between ?? '')
  }

  const frames = [...(dialect.prelude?.(model) ?? []), chunk({ role: 'assistant', content: '', refusal: null })]
  const reasoningPieces = splitText(reply.reasoning ?? '')
  reasoningPieces.forEach((piece, index) => {
    const last = index === reasoningPieces.length - 1
    frames.push(chunk(dialect.reasoningDelta?.(piece, last, reply.reasoning!) ?? { reasoning_content: piece }))
  })
  const text = reply.text ?? (reply.midStreamError === undefined ? '' : 'partial answer')
  for (const piece of splitText(text)) frames.push(chunk({ content: piece }))
  if (reply.midStreamError !== undefined) {
    frames.push(frame({ error: { message: reply.midStreamError, type: 'server_error', param: null, code: null } }))
    return await streamFrames(exchange, 'text/event-stream; charset=utf-8', frames, reply)
  }
  // Annotations come in a delta of their own once the text is out.
  const annotations = dialect.annotations?.(reply, text, body)
  if (annotations !== undefined) frames.push(chunk({ role: 'assistant', content: '', annotations }))
  for (const fragment of toolFragments(calls, reply.interleave === true, reply.sharedToolIndex === true)) frames.push(chunk({ tool_calls: [fragment] }))
  frames.push(chunk({}, finish))
  if (includeUsage) {
    frames.push(frame({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices: [], usage }))
  }
  frames.push('data: [DONE]\n\n')
  await streamFrames(exchange, 'text/event-stream; charset=utf-8', frames, reply)
}

/**
 * Per call: a head fragment (id, type, name, arguments ""), then argument pieces carrying only index. With a
 * shared index every call is numbered 0 (calls cannot interleave then: only the heads tell them apart).
 */
function toolFragments (calls: Array<{ id: string, name: string, arguments: Record<string, unknown> }>, interleave: boolean, sharedIndex: boolean): unknown[] {
  const perCall = calls.map((call, position) => {
    const index = sharedIndex ? 0 : position
    return [
      { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
      ...splitPieces(JSON.stringify(call.arguments), 3).map((piece) => ({ index, function: { arguments: piece } }))
    ]
  })
  if (!interleave || sharedIndex) return perCall.flat()
  const out: unknown[] = []
  const longest = Math.max(0, ...perCall.map((fragments) => fragments.length))
  for (let position = 0; position < longest; position++) {
    for (const fragments of perCall) if (position < fragments.length) out.push(fragments[position])
  }
  return out
}

/**
 * POST /embeddings as OpenAI validates it: `input` a non-empty string or array, `encoding_format` float or
 * base64 (little-endian float32), `dimensions` a positive integer. Vectors come from fakeEmbedding.
 */
function embeddings (exchange: FakeExchange, embed: (text: string, dimensions?: number) => number[]): void {
  const body: unknown = exchange.recorded.body
  if (!isRecord(body)) return sendError(exchange, invalid('We could not parse the JSON body of your request.', null))
  if (typeof body.model !== 'string' || body.model === '') return sendError(exchange, invalid('you must provide a model parameter', null))
  const input = body.input
  // Token ids (one array or several) are embedded as OpenAI does; ids must exist in the model's vocabulary.
  const token = (item: unknown): boolean => Number.isInteger(item) && (item as number) >= 0 && (item as number) < 200_000
  const tokenList = (item: unknown): boolean => Array.isArray(item) && item.length > 0 && item.every(token)
  const texts = typeof input === 'string' && input !== ''
    ? [input]
    : Array.isArray(input) && input.length > 0 && input.every((item) => typeof item === 'string' && item !== '') ? input as string[]
      : tokenList(input) ? [JSON.stringify(input)]
        : Array.isArray(input) && input.length > 0 && input.every(tokenList) ? input.map((item) => JSON.stringify(item)) : null
  if (texts === null) return sendError(exchange, invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'input'))
  const format = body.encoding_format ?? 'float'
  if (format !== 'float' && format !== 'base64') return sendError(exchange, invalid(`Invalid value for 'encoding_format': '${String(format)}'.`, 'encoding_format'))
  if (body.dimensions !== undefined && (typeof body.dimensions !== 'number' || !Number.isInteger(body.dimensions) || body.dimensions < 1)) {
    return sendError(exchange, invalid("Invalid 'dimensions': expected an integer >= 1.", 'dimensions'))
  }
  const reply = exchange.reply()
  if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) return sendError(exchange, scriptedError(reply), errorHeaders(reply))
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : undefined
  const encode = (vector: number[]): number[] | string => {
    if (format === 'float') return vector
    const bytes = Buffer.alloc(vector.length * 4)
    vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4))
    return bytes.toString('base64')
  }
  const tokens = texts.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0)
  sendJson(exchange.res, 200, {
    object: 'list',
    data: texts.map((text, index) => ({ object: 'embedding', index, embedding: encode(embed(text, dimensions)) })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens }
  })
}
