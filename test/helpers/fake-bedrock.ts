/**
 * A fake Bedrock runtime: `/model/{id}/converse`, `converse-stream`, `invoke` and
 * `invoke-with-response-stream`, plus the read-only control-plane calls the health probe makes
 * (GetFoundationModel, GetInferenceProfile, ListInferenceProfiles). It authenticates like AWS — the SigV4 signature is recomputed with the
 * AWS signer over the path and body exactly as received (so a model id that was signed unencoded, or
 * encoded only once in the canonical URI, fails as on AWS), or a Bedrock API key as a bearer token —
 * validates bodies with Bedrock's rules, and answers binary event streams framed by the AWS codec
 * (prelude and message CRCs), with the `p` padding field in every payload.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '@aws-crypto/sha256-js'
import { EventStreamCodec } from '@smithy/eventstream-codec'
import type { MessageHeaders } from '@smithy/eventstream-codec'
import { fromUtf8, toUtf8 } from '@smithy/util-utf8'
import { errorHeaders, sendJson, startFakeServer, type FakeExchange } from './fake-server.ts'
import { isRecord, splitPieces, splitText, usageFor, type FakeReply, type FakeResponder, type FakeUpstream } from './fake-script.ts'
import { CLAUDE_SIGNING_SECRET, anthropicReplyEvents, anthropicReplyMessage, openToolTurn, thinkingSignature, thinkingTurnError, validateAnthropicBody } from './fake-anthropic.ts'

export interface FakeBedrockOptions {
  /** SigV4 credentials the fake accepts. */
  credentials?: { accessKeyId: string, secretAccessKey: string, sessionToken?: string, region: string }
  /** A Bedrock API key accepted as `Authorization: Bearer`. */
  bearerToken?: string
  /** Converse `maxTokens` / InvokeModel `max_tokens` cap. */
  maxOutputTokens?: number
  /** `anthropic_beta` flags InvokeModel accepts (others are "invalid beta flag"). */
  acceptedBetas?: string[]
  /** Whether Claude here takes `thinking: {type: "adaptive"}`. */
  adaptiveThinking?: boolean
  /** Foundation models the control plane knows (each also behind the us./eu./global. profiles), with their inference types. */
  foundationModels?: Record<string, string[]>
  responder?: FakeResponder
}

const FOUNDATION_MODELS: Record<string, string[]> = {
  'anthropic.claude-sonnet-4-5-20250929-v1:0': ['INFERENCE_PROFILE'],
  'amazon.nova-pro-v1:0': ['ON_DEMAND'],
  'amazon.nova-lite-v1:0': ['ON_DEMAND'],
  'meta.llama3-8b-instruct-v1:0': ['ON_DEMAND']
}

type Json = Record<string, any>

/** Claude on Bedrock verifies the signatures Claude issued anywhere (Anthropic documents them as cross-platform). */
const SECRET = CLAUDE_SIGNING_SECRET
const codec = new EventStreamCodec(toUtf8, fromUtf8)
const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException', 403: 'AccessDeniedException', 404: 'ResourceNotFoundException', 408: 'ModelTimeoutException',
  424: 'ModelErrorException', 429: 'ThrottlingException', 500: 'InternalServerException', 503: 'ServiceUnavailableException'
}

function fail (exchange: FakeExchange, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange.res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': randomBytes(16).toString('hex'), ...headers })
}

function header (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}

function parseAmzDate (value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  return match === null ? null : new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!))
}

/** Returns [status, type, message] when the request does not authenticate. */
async function authenticate (exchange: FakeExchange, options: FakeBedrockOptions): Promise<[number, string, string] | null> {
  const { req, recorded } = exchange
  const authorization = header(req.headers.authorization) ?? ''
  if (options.bearerToken !== undefined && authorization.startsWith('Bearer ')) {
    return authorization === `Bearer ${options.bearerToken}` ? null : [403, 'AccessDeniedException', 'Invalid API Key format: Must start with pre-defined prefix']
  }
  const credentials = options.credentials
  if (credentials === undefined) return [403, 'AccessDeniedException', 'Authorization header requires a Bedrock API key']
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(authorization)
  if (match === null) return [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token']
  const [, keyId, , region, service, signedHeaders] = match
  if (keyId !== credentials.accessKeyId) return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.']
  if (service !== 'bedrock' || region !== credentials.region) return [403, 'InvalidSignatureException', `Credential should be scoped to correct service: 'bedrock' and region '${credentials.region}'.`]
  if (credentials.sessionToken !== undefined && header(req.headers['x-amz-security-token']) !== credentials.sessionToken) {
    return [403, 'UnrecognizedClientException', 'The security token included in the request is invalid.']
  }
  const date = parseAmzDate(header(req.headers['x-amz-date']) ?? '')
  if (date === null || Math.abs(Date.now() - date.getTime()) > 5 * 60_000) return [403, 'InvalidSignatureException', 'Signature expired: the X-Amz-Date is missing or more than 5 minutes from the server time.']
  const bodyHash = createHash('sha256').update(recorded.rawBody ?? '').digest('hex')
  const claimed = header(req.headers['x-amz-content-sha256'])
  if (claimed !== undefined && claimed !== bodyHash) return [400, 'XAmzContentSHA256Mismatch', 'The provided \'x-amz-content-sha256\' header does not match what was computed.']
  const headers: Record<string, string> = {}
  for (const name of signedHeaders!.split(';')) headers[name] = header(req.headers[name]) ?? ''
  const [path, search = ''] = recorded.path.split('?', 2) as [string, string?]
  const query: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(search)) query[key] = value
  const signer = new SignatureV4({ service: 'bedrock', region: credentials.region, credentials, sha256: Sha256 })
  const signed = await signer.sign({ method: req.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', path, query, headers, body: recorded.rawBody ?? '' }, { signingDate: date })
  if (signed.headers.authorization !== authorization) {
    return [403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.']
  }
  return null
}

export async function startFakeBedrock (options: FakeBedrockOptions = {}): Promise<FakeUpstream> {
  return await startFakeServer(async (exchange) => {
    const { req, recorded } = exchange
    const denied = await authenticate(exchange, options)
    if (denied !== null) return fail(exchange, ...denied)
    if (req.method === 'GET') return controlPlane(exchange, options)
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.exec(recorded.path.split('?')[0]!)
    if (req.method !== 'POST' || match === null) return fail(exchange, 404, 'UnknownOperationException', `Unknown operation ${req.method ?? ''} ${recorded.path}`)
    const modelId = decodeURIComponent(match[1]!)
    const operation = match[2]!
    if (!isRecord(recorded.body)) return fail(exchange, 400, 'SerializationException', 'Unable to parse the request body as JSON')
    const invoke = operation.startsWith('invoke')
    const problem = invoke ? validateInvoke(recorded.body, options) : validateConverse(recorded.body, options, modelId)
    if (problem !== null) return fail(exchange, 400, 'ValidationException', problem)
    const reply = exchange.reply()
    if (!(await exchange.sleep(reply.delayMs))) return
    if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
      return fail(exchange, reply.status, ERROR_TYPES[reply.status] ?? 'InternalServerException', reply.error ?? `fake upstream error ${reply.status}`, errorHeaders(reply))
    }
    if (operation === 'converse') return sendJson(exchange.res, 200, converseMessage(reply, recorded.body))
    if (operation === 'invoke') return sendJson(exchange.res, 200, anthropicReplyMessage(anthropicReplyEvents(reply, modelId, recorded.body, SECRET)))
    const frames = operation === 'converse-stream' ? converseFrames(reply, recorded.body) : invokeFrames(reply, modelId, recorded.body)
    await streamBinary(exchange, frames, reply)
  }, options.responder)
}

/** The control-plane reads, answered from `foundationModels` in the shapes of the Bedrock API reference. */
function controlPlane (exchange: FakeExchange, options: FakeBedrockOptions): void {
  const region = options.credentials?.region ?? 'us-east-1'
  const models = options.foundationModels ?? FOUNDATION_MODELS
  const url = new URL(exchange.recorded.path, 'http://fake')
  const [, collection, rawId] = /^\/(foundation-models|inference-profiles)(?:\/([^/]+))?$/.exec(url.pathname) ?? []
  const profile = (id: string): Json | undefined => {
    const bare = id.startsWith('arn:') ? id.slice(id.lastIndexOf('/') + 1) : id
    const match = /^(us|eu|apac|global)\.(.+)$/.exec(bare)
    if (match === null || models[match[2]!] === undefined) return undefined
    return {
      inferenceProfileName: `${match[1]!.toUpperCase()} ${match[2]}`,
      inferenceProfileId: bare,
      inferenceProfileArn: `arn:aws:bedrock:${region}:123456789012:inference-profile/${bare}`,
      models: [{ modelArn: `arn:aws:bedrock:${region}::foundation-model/${match[2]}` }],
      status: 'ACTIVE',
      type: 'SYSTEM_DEFINED'
    }
  }
  if (collection === 'foundation-models' && rawId !== undefined) {
    const id = decodeURIComponent(rawId)
    const modelId = id.startsWith('arn:') ? id.slice(id.lastIndexOf('/') + 1) : id
    const types = models[modelId]
    if (types === undefined) return fail(exchange, 400, 'ValidationException', 'The provided model identifier is invalid.')
    return sendJson(exchange.res, 200, {
      modelDetails: {
        modelArn: `arn:aws:bedrock:${region}::foundation-model/${modelId}`,
        modelId,
        modelName: modelId,
        providerName: modelId.split('.')[0],
        inputModalities: ['TEXT'],
        outputModalities: ['TEXT'],
        responseStreamingSupported: true,
        customizationsSupported: [],
        inferenceTypesSupported: types,
        modelLifecycle: { status: 'ACTIVE' }
      }
    })
  }
  if (collection === 'inference-profiles' && rawId !== undefined) {
    const found = profile(decodeURIComponent(rawId))
    if (found === undefined) return fail(exchange, 404, 'ResourceNotFoundException', `Inference profile ${decodeURIComponent(rawId)} not found.`)
    return sendJson(exchange.res, 200, found)
  }
  if (collection === 'inference-profiles') {
    const limit = Number(url.searchParams.get('maxResults') ?? 1000)
    const all = Object.keys(models).map((id) => profile(`us.${id}`)!)
    return sendJson(exchange.res, 200, { inferenceProfileSummaries: all.slice(0, limit), ...(all.length > limit ? { nextToken: String(limit) } : {}) })
  }
  return fail(exchange, 404, 'UnknownOperationException', `Unknown operation GET ${exchange.recorded.path}`)
}

const CONVERSE_KEYS = new Set(['messages', 'system', 'inferenceConfig', 'toolConfig', 'additionalModelRequestFields', 'additionalModelResponseFieldPaths', 'guardrailConfig', 'promptVariables', 'requestMetadata', 'performanceConfig'])
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** Models whose Converse toolChoice may be `any` or `tool` (AWS: Claude, Nova, Mistral Large); others refuse the field. */
const FORCED_TOOL_CHOICE = /^(?:anthropic\.|amazon\.nova-|mistral\.mistral-large)/

/** Converse's validation (protocols.md §3.9, §6.3), with Bedrock's wording. */
function validateConverse (body: Json, options: FakeBedrockOptions, modelId: string): string | null {
  for (const key of Object.keys(body)) if (!CONVERSE_KEYS.has(key)) return `extraneous key [${key}] is not permitted`
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'The messages field is required and must contain at least one message.'
  const max = body.inferenceConfig?.maxTokens
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 1)) {
    return `1 validation error detected: Value '${String(max)}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1`
  }
  if (options.maxOutputTokens !== undefined && typeof max === 'number' && max > options.maxOutputTokens) {
    return `The maximum tokens you requested exceeds the model limit of ${options.maxOutputTokens}. Try again with a maximum tokens value that is lower than ${options.maxOutputTokens}.`
  }
  for (const [i, block] of (body.system ?? []).entries()) {
    if (typeof block.text === 'string' && block.text.trim() === '') return `The text field in the SystemContentBlock object at system.${i} is blank. Add text to the text field, and try again.`
  }
  // Claude's limit of four breakpoints holds for cache points too.
  const points = [...(body.system ?? []), ...(body.toolConfig?.tools ?? []), ...(body.messages ?? []).flatMap((message: Json) => Array.isArray(message.content) ? message.content : [])]
    .filter((block: Json) => isRecord(block) && block.cachePoint !== undefined).length
  if (points > 4) return `The request has ${points} cachePoint blocks; a maximum of 4 is allowed.`
  const toolNames = new Set<string>()
  const tools = body.toolConfig?.tools
  if (body.toolConfig !== undefined) {
    if (!Array.isArray(tools) || tools.length === 0) return 'The toolConfig field must contain at least one tool.'
    for (const tool of tools) {
      if (tool.cachePoint !== undefined) continue
      const name = tool.toolSpec?.name
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) return `Value '${String(name)}' at 'toolConfig.tools.member.toolSpec.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`
      if (!isRecord(tool.toolSpec.inputSchema?.json)) return 'The inputSchema field of a toolSpec must contain a json schema.'
      toolNames.add(name)
    }
    const choice = body.toolConfig.toolChoice
    if (choice !== undefined && !(isRecord(choice.auto) || isRecord(choice.any) || (isRecord(choice.tool) && toolNames.has(choice.tool.name)))) {
      return 'The value at toolConfig.toolChoice is invalid.'
    }
    const forced = choice === undefined ? undefined : ['any', 'tool'].find((field) => choice[field] !== undefined)
    const baseId = (modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId).replace(/^(?:us|eu|apac|global|us-gov|jp|au|ca)\./, '')
    if (forced !== undefined && !FORCED_TOOL_CHOICE.test(baseId)) {
      return `This model doesn't support the toolConfig.toolChoice.${forced} field. Remove toolConfig.toolChoice.${forced} and try again.`
    }
  }
  let expected = 'user'
  let usesTools = false
  // toolUse ids of the previous assistant turn: the next user turn must answer each with a toolResult.
  let pending: string[] = []
  for (const [i, message] of body.messages.entries()) {
    if (i === 0 && message.role !== 'user') return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.'
    if (message.role !== expected) return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.'
    expected = expected === 'user' ? 'assistant' : 'user'
    if (!Array.isArray(message.content) || message.content.length === 0) return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`
    const problem = toolResultProblem(message.content, pending, i)
    if (problem !== null) return problem
    pending = message.role === 'assistant' ? message.content.filter((block: Json) => isRecord(block.toolUse)).map((block: Json) => String(block.toolUse.toolUseId)) : []
    for (const [j, block] of message.content.entries()) {
      if (typeof block.text === 'string' && block.text.trim() === '') return `The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`
      const images = [block, ...(Array.isArray(block.toolResult?.content) ? block.toolResult.content : [])].filter((entry: Json) => entry.image !== undefined)
      for (const entry of images) {
        const problem = imageProblem(entry.image, `messages.${i}.member.content.${j}.member`)
        if (problem !== null) return problem
      }
      if (block.toolUse !== undefined || block.toolResult !== undefined) usesTools = true
      if (block.toolUse !== undefined && body.toolConfig !== undefined && !toolNames.has(block.toolUse.name)) {
        return `The toolUse name ${String(block.toolUse.name)} at messages.${i}.content.${j} is not defined in the toolConfig.`
      }
      const reasoning = block.reasoningContent?.reasoningText
      if (reasoning !== undefined && reasoning.signature !== thinkingSignature(SECRET, String(reasoning.text ?? ''))) {
        return `The reasoning signature at messages.${i}.content.${j} is invalid.`
      }
    }
  }
  if (usesTools && body.toolConfig === undefined) return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.'
  const thinking = body.additionalModelRequestFields?.thinking
  if (isRecord(thinking) && thinking.type !== 'disabled') {
    const turn = openToolTurn(body.messages, (block) => isRecord(block.toolUse) ? 'tool_use' : isRecord(block.toolResult) ? 'tool_result' : 'other')
    const opening = turn?.content[0]
    if (turn !== undefined && !isRecord(opening?.reasoningContent)) return thinkingTurnError(turn.index, isRecord(opening?.toolUse) ? 'tool_use' : 'text')
  }
  return null
}

const IMAGE_FORMATS = ['gif', 'jpeg', 'png', 'webp']

/** An ImageBlock as Converse validates it: a known format and base64 bytes. */
function imageProblem (image: Json, where: string): string | null {
  if (!IMAGE_FORMATS.includes(image?.format)) return `1 validation error detected: Value '${String(image?.format)}' at '${where}.image.format' failed to satisfy constraint: Member must satisfy enum value set: [${IMAGE_FORMATS.join(', ')}]`
  const bytes = image.source?.bytes
  if (typeof bytes !== 'string' || bytes === '' || bytes.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(bytes)) return `Invalid base64 value at '${where}.image.source.bytes'`
  return null
}

/** Bedrock's pairing of toolResult blocks with the previous turn's toolUse blocks, in its own wording. */
function toolResultProblem (content: Json[], pending: string[], index: number): string | null {
  const answered = content.filter((block) => isRecord(block.toolResult)).map((block) => String(block.toolResult.toolUseId))
  if (answered.length > pending.length) return `The number of toolResult blocks at messages.${index}.content exceeds the number of toolUse blocks of previous turn.`
  const missing = pending.filter((id) => !answered.includes(id))
  if (missing.length > 0) return `Expected toolResult blocks at messages.${index}.content for the following Ids: ${missing.join(', ')}`
  return null
}

function validateInvoke (body: Json, options: FakeBedrockOptions): string | null {
  if (body.anthropic_version !== 'bedrock-2023-05-31') return 'anthropic_version: Input should be \'bedrock-2023-05-31\''
  for (const key of ['model', 'stream']) if (key in body) return `extraneous key [${key}] is not permitted`
  if (body.anthropic_beta !== undefined) {
    if (!Array.isArray(body.anthropic_beta)) return 'anthropic_beta: Input should be a valid list'
    const unknown = body.anthropic_beta.filter((flag: unknown) => options.acceptedBetas !== undefined && !options.acceptedBetas.includes(String(flag)))
    if (unknown.length > 0) return `invalid beta flag: ${unknown.join(', ')}`
  }
  // Bedrock's Claude does not run Anthropic's web search or web fetch: those tool types are a validation error.
  for (const [i, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (isRecord(tool) && typeof tool.type === 'string' && /^web_(search|fetch)_/.test(tool.type)) {
      return `tools.${i}: Input tag '${tool.type}' found using 'type' does not match any of the expected tags: 'bash_20250124', 'custom', 'text_editor_20250124', 'text_editor_20250429', 'text_editor_20250728'`
    }
  }
  // …nor does it take their blocks in the history (a turn Anthropic's API served).
  for (const [i, message] of (Array.isArray(body.messages) ? body.messages : []).entries()) {
    for (const [j, block] of (Array.isArray(message?.content) ? message.content : []).entries()) {
      if (isRecord(block) && /^(server_tool_use|web_search_tool_result|web_fetch_tool_result)$/.test(String(block.type))) {
        return `messages.${i}.content.${j}: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags`
      }
    }
  }
  return validateAnthropicBody(body, { maxOutputTokens: options.maxOutputTokens, adaptiveThinking: options.adaptiveThinking, secret: SECRET, requireModel: false })
}

function converseUsage (reply: FakeReply, body: Json): Json {
  const { input, output, cached } = usageFor(reply, body.messages)
  return { inputTokens: input - (cached ?? 0), outputTokens: output, totalTokens: input + output, ...(cached === undefined ? {} : { cacheReadInputTokens: cached, cacheWriteInputTokens: 0 }) }
}

function toolUseId (): string {
  return `tooluse_${randomBytes(12).toString('base64url').replace(/[^a-zA-Z0-9]/g, 'x')}`
}

function converseMessage (reply: FakeReply, body: Json): Json {
  const content: Json[] = []
  if (reply.reasoning !== undefined) content.push({ reasoningContent: { reasoningText: { text: reply.reasoning, signature: thinkingSignature(SECRET, reply.reasoning) } } })
  if (reply.text !== undefined && reply.text !== '') content.push({ text: reply.text })
  for (const call of reply.toolCalls ?? []) content.push({ toolUse: { toolUseId: call.id ?? toolUseId(), name: call.name, input: call.arguments } })
  return {
    output: { message: { role: 'assistant', content } },
    stopReason: reply.finishReason ?? ((reply.toolCalls ?? []).length > 0 ? 'tool_use' : 'end_turn'),
    usage: converseUsage(reply, body),
    metrics: { latencyMs: 12 }
  }
}

/** Real payloads carry a `p` field of padding (to hide token lengths) that clients must ignore. */
function padded (payload: Json): Json {
  return { ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0'.slice(0, 1 + (JSON.stringify(payload).length % 40)) }
}

function eventFrame (eventType: string, payload: Json): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' }
  }
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(padded(payload))) })
}

function exceptionFrame (exceptionType: string, message: string): Uint8Array {
  const headers: MessageHeaders = {
    ':exception-type': { type: 'string', value: exceptionType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'exception' }
  }
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message })) })
}

/** ConverseStream: no contentBlockStart for text and reasoning; usage in `metadata` after messageStop. */
function converseFrames (reply: FakeReply, body: Json): Uint8Array[] {
  const frames = [eventFrame('messageStart', { role: 'assistant' })]
  let index = 0
  if (reply.reasoning !== undefined) {
    for (const piece of splitText(reply.reasoning)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { text: piece } } }))
    frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { signature: thinkingSignature(SECRET, reply.reasoning) } } }))
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index++ }))
  }
  const text = reply.text ?? (reply.midStreamError === undefined ? undefined : 'partial answer')
  if (text !== undefined && text !== '') {
    for (const piece of splitText(text)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { text: piece } }))
    if (reply.midStreamError !== undefined) {
      frames.push(exceptionFrame('modelStreamErrorException', reply.midStreamError))
      return frames
    }
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index++ }))
  }
  for (const call of reply.toolCalls ?? []) {
    frames.push(eventFrame('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId: call.id ?? toolUseId(), name: call.name } } }))
    for (const piece of splitPieces(JSON.stringify(call.arguments), 3)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: piece } } }))
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index++ }))
  }
  frames.push(eventFrame('messageStop', { stopReason: reply.finishReason ?? ((reply.toolCalls ?? []).length > 0 ? 'tool_use' : 'end_turn') }))
  frames.push(eventFrame('metadata', { usage: converseUsage(reply, body), metrics: { latencyMs: 12 } }))
  return frames
}

/** invoke-with-response-stream: each Anthropic event base64-encoded in a `chunk` event's `bytes`. */
function invokeFrames (reply: FakeReply, modelId: string, body: Json): Uint8Array[] {
  const events = anthropicReplyEvents(reply, modelId, body, SECRET)
  const frames: Uint8Array[] = []
  for (const event of events) {
    if (event.type === 'ping') continue
    if (event.type === 'error') {
      frames.push(exceptionFrame('modelStreamErrorException', String(event.error.message)))
      break
    }
    const withMetrics = event.type === 'message_stop'
      ? { ...event, 'amazon-bedrock-invocationMetrics': { inputTokenCount: 10, outputTokenCount: 5, invocationLatency: 100, firstByteLatency: 50 } }
      : event
    frames.push(eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(withMetrics)).toString('base64') }))
  }
  return frames
}

/** Writes each frame in two network chunks split mid-frame, so clients must reassemble by length. */
async function streamBinary (exchange: FakeExchange, frames: Uint8Array[], reply: FakeReply): Promise<void> {
  const res: ServerResponse = exchange.res
  if (res.destroyed) return
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomBytes(16).toString('hex') })
  res.flushHeaders()
  for (let i = 0; i < frames.length; i++) {
    if (reply.dropConnectionAfterChunks === i) return void res.socket?.destroy()
    if (res.destroyed) return
    const frame = frames[i]!
    const cut = Math.max(1, Math.floor(frame.length / 3))
    res.write(frame.subarray(0, cut))
    res.write(frame.subarray(cut))
    if (i < frames.length - 1 && !(await exchange.sleep(reply.chunkDelayMs))) return
  }
  res.end()
}
