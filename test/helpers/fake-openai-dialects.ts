/**
 * Fakes of the OpenAI-compatible servers that differ from OpenAI, as dialects of fake-openai.ts: Azure
 * OpenAI (api-key header or Entra ID bearer tokens, api-version, deployments, the empty-choices first
 * chunk), llama.cpp (a strict Jinja chat template, `: ping` comments), LM Studio, OpenRouter (processing
 * comments, reasoning and signed reasoning_details, the web plugin's url_citation annotations), Moonshot/Kimi (`functions.name:N` tool ids,
 * reasoning_content required on tool-call turns of thinking models), DeepSeek (the same rule in thinking
 * mode, also where Azure Foundry or OpenRouter serve its models) and Databricks serving endpoints
 * (invocations URL, reasoning content arrays).
 */
import { createHmac } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { invalid, startFakeOpenAI, type OpenAIDialect, type OpenAIError } from './fake-openai.ts'
import { isRecord, type FakeResponder, type FakeUpstream, type RecordedRequest } from './fake-script.ts'
import { verifyEntraToken } from './fake-entra.ts'
import { thinkingTurnError } from './fake-anthropic.ts'

interface CommonOptions { responder?: FakeResponder, maxOutputTokens?: number }

function header (recorded: RecordedRequest, name: string): string | undefined {
  const value = recorded.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function bearer (recorded: RecordedRequest, key: string | undefined, error: OpenAIError): OpenAIError | null {
  if (key === undefined || header(recorded, 'authorization') === `Bearer ${key}`) return null
  return error
}

function sign (secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('base64')
}

function messagesOf (body: Record<string, unknown>): Array<Record<string, unknown>> {
  return (Array.isArray(body.messages) ? body.messages : []).filter(isRecord)
}

// ---------------------------------------------------------------------------------------------- Azure

export interface FakeAzureOpenAIOptions extends CommonOptions {
  /** The resource key; undefined: key auth is disabled (Entra ID only), as on many enterprise resources. */
  apiKey?: string
  /** Deployments that exist (classic URLs name one in the path, /openai/v1/ URLs in `model`). */
  deployments: string[]
  /** Deployments of reasoning models: max_tokens and sampling parameters are rejected. */
  reasoningDeployments?: string[]
  /** Foundry deployments of DeepSeek reasoning models: DeepSeek's thinking-mode tool rule applies. */
  deepSeekDeployments?: string[]
  apiVersions?: string[]
}

const AZURE_FILTER = { hate: { filtered: false, severity: 'safe' }, self_harm: { filtered: false, severity: 'safe' }, sexual: { filtered: false, severity: 'safe' }, violence: { filtered: false, severity: 'safe' } }

// Azure answers a bad bearer token in its gateway's shape, not the OpenAI error shape (see errorBody).
const TOKEN_REJECTED = 'EntraTokenRejected'
const COGNITIVE_SERVICES = 'https://cognitiveservices.azure.com'

export async function startFakeAzureOpenAI (options: FakeAzureOpenAIOptions): Promise<FakeUpstream> {
  const versions = options.apiVersions ?? ['2024-10-21', '2025-04-01-preview']
  const azureError = (status: number, code: string, message: string): OpenAIError => ({ status, message, type: 'invalid_request_error', param: null, code })
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => {
      const authorization = header(recorded, 'authorization')
      // Bearer tokens are Entra ID tokens, checked for signature, audience and expiry.
      if (authorization !== undefined || (options.apiKey === undefined && header(recorded, 'api-key') === undefined)) {
        return verifyEntraToken(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1], [COGNITIVE_SERVICES])
          ? null
          : azureError(401, TOKEN_REJECTED, `Unauthorized. Access token is missing, invalid, audience is incorrect (${COGNITIVE_SERVICES}), or have expired.`)
      }
      if (options.apiKey === undefined) return azureError(403, 'AuthenticationTypeDisabled', 'Key based authentication is disabled for this resource.')
      return header(recorded, 'api-key') === options.apiKey
        ? null
        : azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.')
    },
    isChatPath: (path) => /^\/openai\/deployments\/[^/]+\/chat\/completions$/.test(path) || path === '/openai/v1/chat/completions',
    // Classic URLs name the deployment; the body's `model` is then optional (and ignored).
    modelFromPath: (path) => /^\/openai\/deployments\/([^/]+)\//.exec(path)?.[1],
    validate: (body, recorded) => {
      const url = new URL(recorded.path, 'http://fake')
      const classic = /^\/openai\/deployments\/([^/]+)\//.exec(url.pathname)
      const version = url.searchParams.get('api-version')
      let deployment: string
      if (classic !== null) {
        if (version === null) return azureError(404, '404', 'Resource not found')
        if (!versions.includes(version)) return azureError(400, 'BadRequest', 'API version not supported')
        deployment = decodeURIComponent(classic[1]!)
      } else {
        if (version !== null && version !== 'preview' && version !== 'latest') return azureError(400, 'BadRequest', `API version '${version}' is not supported on the v1 route; use 'preview' or omit it.`)
        deployment = String(body.model)
      }
      if (!options.deployments.includes(deployment)) {
        return azureError(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.')
      }
      if (options.deepSeekDeployments?.includes(deployment) === true) {
        const problem = deepSeekThinkingProblem(body)
        if (problem !== null) return problem
      }
      if (options.reasoningDeployments?.includes(deployment) === true) {
        if (body.max_tokens !== undefined) return { ...invalid("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'max_tokens', 'unsupported_parameter') }
        for (const field of ['temperature', 'top_p']) {
          if (body[field] !== undefined && body[field] !== 1) return invalid(`Unsupported value: '${field}' does not support ${String(body[field])} with this model. Only the default (1) value is supported.`, field, 'unsupported_value')
        }
      }
      return null
    },
    prelude: () => [`data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: AZURE_FILTER }] })}\n\n`],
    decorateChunk: (chunk) => {
      for (const choice of chunk.choices as Array<Record<string, unknown>>) choice.content_filter_results = {}
    },
    errorBody: (error) => error.code === TOKEN_REJECTED
      ? { statusCode: error.status, message: error.message }
      : { error: { code: error.code ?? String(error.status), message: error.message, param: error.param, type: error.type === 'invalid_request_error' ? null : error.type } }
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

// ------------------------------------------------------------------------------------------- llama.cpp

export interface FakeLlamaCppOptions extends CommonOptions { apiKey?: string }

/**
 * The check a Mistral-style Jinja template makes (llama.cpp `--jinja` renders it and answers its
 * raise_exception): at most one system message, first; then, tool messages and tool-calling assistant
 * turns aside, roles alternate user/assistant starting with user.
 */
export function strictTemplateProblem (body: Record<string, unknown>): string | null {
  const messages = messagesOf(body)
  for (const [i, message] of messages.entries()) {
    if (message.role === 'system' && i !== 0) return 'System message must be at the beginning.'
  }
  const turns = messages.filter((message) => message.role !== 'system' && message.role !== 'tool' && !(message.role === 'assistant' && Array.isArray(message.tool_calls)))
  for (const [i, message] of turns.entries()) {
    if ((message.role === 'user') !== (i % 2 === 0)) return 'After the optional system message, conversation roles must alternate user/assistant/user/assistant/...'
  }
  return null
}

export async function startFakeLlamaCpp (options: FakeLlamaCppOptions = {}): Promise<FakeUpstream> {
  const llamaError = (status: number, message: string, type: string): OpenAIError => ({ status, message, type, param: null, code: null })
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.apiKey, llamaError(401, 'Invalid API Key', 'authentication_error')),
    validate: (body) => {
      const problem = strictTemplateProblem(body)
      // The template's raise_exception surfaces as a server error, with the template's words.
      if (problem !== null) return llamaError(500, problem, 'server_error')
      for (const message of messagesOf(body)) {
        if (message.reasoning_content !== undefined && typeof message.reasoning_content !== 'string') return llamaError(400, 'reasoning_content must be a string', 'invalid_request_error')
      }
      return null
    },
    between: ': ping\n\n',
    errorBody: (error) => ({ error: { code: error.status, message: error.message, type: error.type } })
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

// ------------------------------------------------------------------------------------------- LM Studio

export async function startFakeLmStudio (options: CommonOptions & { apiKey?: string } = {}): Promise<FakeUpstream> {
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.apiKey, invalid('Invalid API key', null, 'invalid_api_key', 401)),
    // LM Studio serves the OpenAI routes under /v1 only.
    isChatPath: (path) => path === '/v1/chat/completions'
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

// ------------------------------------------------------------------------------------------ OpenRouter

export interface FakeOpenRouterOptions extends CommonOptions { apiKey: string }

const OPENROUTER_SECRET = 'openrouter-fake-signing-secret'

/**
 * Anthropic's prompt cache as OpenRouter relays it for anthropic/* models: each `cache_control` on a text part
 * marks the prefix up to it (tools, then messages in order); a prefix seen before is read from the cache,
 * the longest new one written. Tokens are the fakes' bytes/4 guess. More than 4 breakpoints is Anthropic's 400.
 */
function anthropicPromptCache (): { check: (body: Record<string, unknown>) => OpenAIError | null, usage: (body: Record<string, unknown>) => { read: number, written: number } | undefined } {
  const seen = new Set<string>()
  const prefixes = (body: Record<string, unknown>): string[] => {
    const out: string[] = []
    let prefix = JSON.stringify(body.tools ?? [])
    for (const message of messagesOf(body)) {
      const parts = Array.isArray(message.content) ? message.content : [message.content]
      for (const part of parts) {
        prefix += JSON.stringify([message.role, isRecord(part) ? part.text ?? part : part])
        if (isRecord(part) && part.cache_control !== undefined) out.push(prefix)
      }
    }
    return out
  }
  return {
    check: (body) => {
      if (!/^anthropic\//.test(String(body.model))) return null
      const count = prefixes(body).length
      return count > 4 ? invalid(`A maximum of 4 blocks with cache_control may be provided. Found ${count}.`, 'messages') : null
    },
    usage: (body) => {
      if (!/^anthropic\//.test(String(body.model))) return undefined
      const marked = prefixes(body)
      const hit = marked.filter((prefix) => seen.has(prefix)).at(-1)
      const longest = marked.at(-1)
      for (const prefix of marked) seen.add(prefix)
      const tokens = (text: string | undefined): number => text === undefined ? 0 : Math.ceil(text.length / 4)
      return { read: tokens(hit), written: longest === hit ? 0 : tokens(longest) - tokens(hit) }
    }
  }
}

export async function startFakeOpenRouter (options: FakeOpenRouterOptions): Promise<FakeUpstream> {
  const cache = anthropicPromptCache()
  const detail = (text: string, signature?: string): Record<string, unknown> => ({ type: 'reasoning.text', text, ...(signature === undefined ? {} : { signature }), format: 'anthropic-claude-v1', index: 0 })
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.apiKey, { status: 401, message: 'No auth credentials found', type: 'authentication_error', param: null, code: null }),
    promptCache: cache.usage,
    validate: (body) => {
      const breakpoints = cache.check(body)
      if (breakpoints !== null) return breakpoints
      if (body.plugins !== undefined && !Array.isArray(body.plugins)) return invalid('plugins must be an array', 'plugins')
      for (const plugin of pluginsOf(body)) {
        if (typeof plugin.id !== 'string') return invalid('plugins[].id is required', 'plugins')
        if (plugin.id === 'web' && plugin.max_results !== undefined && !(Number.isInteger(plugin.max_results) && (plugin.max_results as number) >= 1 && (plugin.max_results as number) <= 10)) return invalid('max_results must be between 1 and 10', 'plugins')
        if (plugin.id === 'web' && plugin.include_domains !== undefined && plugin.exclude_domains !== undefined) return invalid('include_domains cannot be used with exclude_domains', 'plugins')
      }
      const reasoning = body.reasoning
      if (reasoning !== undefined) {
        const valid = isRecord(reasoning) && (
          (typeof reasoning.max_tokens === 'number' && reasoning.max_tokens > 0) ||
          ['minimal', 'low', 'medium', 'high'].includes(reasoning.effort as string) ||
          typeof reasoning.enabled === 'boolean')
        if (!valid) return invalid(`Invalid reasoning config: ${JSON.stringify(reasoning)}`, 'reasoning')
        // One way to say how much to reason, and never "reason" and "do not reason" at once.
        if (reasoning.effort !== undefined && reasoning.max_tokens !== undefined) return invalid('Only one of "reasoning.effort" and "reasoning.max_tokens" may be specified', 'reasoning')
        if (reasoning.enabled === false && (reasoning.effort !== undefined || reasoning.max_tokens !== undefined)) return invalid('Reasoning is disabled (reasoning.enabled: false) but an effort or token budget was given', 'reasoning')
      }
      // OpenRouter hands DeepSeek the reasoning it got back in any of its forms.
      if (OPENROUTER_DEEPSEEK_THINKING.includes(String(body.model))) {
        const problem = deepSeekThinkingProblem(body, (message) => typeof message.reasoning === 'string' || Array.isArray(message.reasoning_details))
        if (problem !== null) return problem
      }
      for (const [i, message] of messagesOf(body).entries()) {
        if (message.reasoning_details === undefined) continue
        if (!Array.isArray(message.reasoning_details)) return invalid(`messages[${i}].reasoning_details must be an array`, 'messages')
        for (const item of message.reasoning_details) {
          // Claude verifies the signature of replayed reasoning: the details must come back exactly.
          if (!isRecord(item) || item.type !== 'reasoning.text' || typeof item.text !== 'string' || item.signature !== sign(OPENROUTER_SECRET, item.text) ||
            !isDeepStrictEqual(item, detail(item.text, item.signature))) {
            return invalid(`messages.${i}.content.0: Invalid \`signature\` in \`thinking\` block`, 'messages')
          }
        }
      }
      return null
    },
    reasoningMessage: (reasoning, message) => {
      message.reasoning = reasoning
      message.reasoning_details = [detail(reasoning, sign(OPENROUTER_SECRET, reasoning))]
    },
    // Streams carry the text twice: `reasoning` and a reasoning_details fragment; the signature comes last.
    reasoningDelta: (piece, last, full) => ({ reasoning: piece, reasoning_details: [detail(piece, last ? sign(OPENROUTER_SECRET, full) : undefined)] }),
    prelude: () => [': OPENROUTER PROCESSING\n\n', ': OPENROUTER PROCESSING\n\n'],
    // With the web plugin on, a scripted search is cited: every hit is a url_citation (with the page text the
    // search returned); the first spans the answer's first sentence, the others no range.
    annotations: (reply, text, body) => {
      if (reply.webSearch === undefined || !pluginsOf(body).some((plugin) => plugin.id === 'web')) return undefined
      const sentence = /^[^.!?]*[.!?]/.exec(text)?.[0] ?? text
      return reply.webSearch.results.map((hit, i) => ({ type: 'url_citation', url_citation: { url: hit.url, title: hit.title, content: `${hit.title}: page text.`, start_index: 0, end_index: i === 0 ? sentence.length : 0 } }))
    },
    errorBody: (error) => ({ error: { code: error.status, message: error.message, metadata: { provider_name: 'Fake' } } })
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

function pluginsOf (body: Record<string, unknown>): Array<Record<string, unknown>> {
  return Array.isArray(body.plugins) ? body.plugins.filter(isRecord) : []
}

// ------------------------------------------------------------------------------------------- DeepSeek

/** DeepSeek models OpenRouter serves in thinking mode (R1 always reasons; V3.1+ when reasoning is on). */
const OPENROUTER_DEEPSEEK_THINKING = ['deepseek/deepseek-r1', 'deepseek/deepseek-r1-0528', 'deepseek/deepseek-v3.2', 'deepseek/deepseek-chat-v3.1']

/**
 * DeepSeek's thinking-mode rule (https://api-docs.deepseek.com/guides/thinking_mode#tool-calls): an assistant
 * turn with tool_calls must carry its `reasoning_content` back, or the request is refused. `alsoAccepts`: other
 * fields a relay turns into it.
 */
export function deepSeekThinkingProblem (body: Record<string, unknown>, alsoAccepts?: (message: Record<string, unknown>) => boolean): OpenAIError | null {
  for (const [i, message] of messagesOf(body).entries()) {
    if (message.role !== 'assistant' || !Array.isArray(message.tool_calls) || message.tool_calls.length === 0) continue
    if (typeof message.reasoning_content === 'string' || alsoAccepts?.(message) === true) continue
    return invalid(`Missing \`reasoning_content\` field in the assistant message at message index ${i}. For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls`, null, 'invalid_request_error')
  }
  return null
}

export interface FakeDeepSeekOptions extends CommonOptions { apiKey: string }

/**
 * api.deepseek.com: `deepseek-chat` (no thinking unless `thinking: {type: "enabled"}`) and `deepseek-reasoner`
 * (always thinking; reasoning streamed as `reasoning_content`).
 */
export async function startFakeDeepSeek (options: FakeDeepSeekOptions): Promise<FakeUpstream> {
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.apiKey, { status: 401, message: 'Authentication Fails, Your api key: ****' + options.apiKey.slice(-4) + ' is invalid', type: 'authentication_error', param: null, code: 'invalid_request_error' }),
    validate: (body) => {
      if (body.model !== 'deepseek-chat' && body.model !== 'deepseek-reasoner') return invalid('Model Not Exist', null, 'invalid_request_error')
      const thinking = isRecord(body.thinking) ? body.thinking.type : undefined
      if (thinking !== undefined && thinking !== 'enabled' && thinking !== 'disabled') return invalid(`Invalid thinking type: ${String(thinking)}`, 'thinking', 'invalid_request_error')
      const thinkingMode = body.model === 'deepseek-reasoner' || thinking === 'enabled'
      return thinkingMode ? deepSeekThinkingProblem(body) : null
    }
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

// ------------------------------------------------------------------------------------------- Moonshot

export interface FakeMoonshotOptions extends CommonOptions { apiKey: string }

export async function startFakeMoonshot (options: FakeMoonshotOptions): Promise<FakeUpstream> {
  const issued = new Set<string>()
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.apiKey, invalid('Invalid Authentication', null, 'invalid_authentication_error', 401)),
    toolCallId: (name, index) => {
      const id = `functions.${name}:${index}`
      issued.add(id)
      return id
    },
    validate: (body) => {
      const thinking = /thinking|k2\.5/i.test(String(body.model))
      for (const [i, message] of messagesOf(body).entries()) {
        if (message.role === 'assistant' && Array.isArray(message.tool_calls)) {
          if (thinking && typeof message.reasoning_content !== 'string') {
            return invalid(`thinking is enabled but reasoning_content is missing in assistant tool call message at index ${i}`, null)
          }
          for (const call of message.tool_calls) {
            const id = isRecord(call) ? call.id : undefined
            if (typeof id !== 'string' || !issued.has(id)) return invalid(`tool_call_id ${String(id)} is not found`, null)
          }
        }
        if (message.role === 'tool' && !issued.has(String(message.tool_call_id))) return invalid(`tool_call_id ${String(message.tool_call_id)} is not found`, null)
      }
      return null
    }
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}

// ------------------------------------------------------------------------------------------ Databricks

export interface FakeDatabricksOptions extends CommonOptions { token: string, endpoints: string[] }

const DATABRICKS_SECRET = 'databricks-fake-signing-secret'

export async function startFakeDatabricks (options: FakeDatabricksOptions): Promise<FakeUpstream> {
  const databricksError = (status: number, code: string, message: string): OpenAIError => ({ status, message, type: code, param: null, code })
  const endpointOf = (path: string): string | undefined => /^\/serving-endpoints\/([^/]+)\/invocations$/.exec(path)?.[1]
  const dialect: OpenAIDialect = {
    checkAuth: (recorded) => bearer(recorded, options.token, databricksError(401, 'UNAUTHENTICATED', 'Invalid access token.')),
    isChatPath: (path) => endpointOf(path) !== undefined,
    modelFromPath: endpointOf,
    validate: (body, recorded) => {
      const endpoint = endpointOf(new URL(recorded.path, 'http://fake').pathname)!
      if (!options.endpoints.includes(endpoint)) return databricksError(404, 'RESOURCE_DOES_NOT_EXIST', `Endpoint with name '${endpoint}' does not exist.`)
      const thinking = body.thinking
      if (thinking !== undefined) {
        if (!isRecord(thinking) || thinking.type !== 'enabled' || typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < 1024) {
          return databricksError(400, 'BAD_REQUEST', 'thinking.budget_tokens: Input should be greater than or equal to 1024')
        }
        if (typeof body.max_tokens === 'number' && body.max_tokens <= thinking.budget_tokens) return databricksError(400, 'BAD_REQUEST', '`max_tokens` must be greater than `thinking.budget_tokens`')
        // Claude's rule holds behind Databricks: the tool turn in progress must open with (signed) reasoning.
        // Tool messages continue the turn; a user message ends it.
        const messages = messagesOf(body)
        let first = -1
        let usedTools = false
        for (let i = messages.length - 1; i >= 0 && messages[i]!.role !== 'user'; i--) {
          if (messages[i]!.role !== 'assistant') continue
          first = i
          if (Array.isArray(messages[i]!.tool_calls) && (messages[i]!.tool_calls as unknown[]).length > 0) usedTools = true
        }
        const content = first < 0 ? undefined : messages[first]!.content
        const opening = Array.isArray(content) ? content[0] : undefined
        if (usedTools && !(isRecord(opening) && opening.type === 'reasoning')) return databricksError(400, 'BAD_REQUEST', thinkingTurnError(first, 'tool_use'))
      }
      for (const [i, message] of messagesOf(body).entries()) {
        if (message.role !== 'assistant' || !Array.isArray(message.content)) continue
        for (const part of message.content) {
          if (!isRecord(part) || part.type !== 'reasoning') continue
          for (const summary of Array.isArray(part.summary) ? part.summary : []) {
            if (!isRecord(summary) || typeof summary.text !== 'string' || summary.signature !== sign(DATABRICKS_SECRET, summary.text)) {
              return databricksError(400, 'BAD_REQUEST', `messages.${i}.content: Invalid \`signature\` in \`thinking\` block`)
            }
          }
        }
      }
      return null
    },
    reasoningMessage: (reasoning, message) => {
      const text = message.content
      message.content = [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: reasoning, signature: sign(DATABRICKS_SECRET, reasoning) }] },
        ...(typeof text === 'string' && text !== '' ? [{ type: 'text', text }] : [])
      ]
    },
    reasoningDelta: (piece, last, full) => ({
      content: [{ type: 'reasoning', summary: [{ type: 'summary_text', text: piece, ...(last ? { signature: sign(DATABRICKS_SECRET, full) } : {}) }] }]
    }),
    errorBody: (error) => ({ error_code: error.code ?? (error.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : error.status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'), message: error.message })
  }
  return await startFakeOpenAI({ responder: options.responder, maxOutputTokens: options.maxOutputTokens, dialect })
}
