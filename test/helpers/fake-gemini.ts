/**
 * A fake Gemini API: `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse` and `:countTokens`, with API-key auth (`x-goog-api-key` or `?key=`; a wrong
 * key is Google's 400 INVALID_ARGUMENT with reason API_KEY_INVALID). Tool schemas are
 * checked against Gemini's OpenAPI subset and rejected with Gemini's own 400 wording ("Invalid JSON
 * payload received. Unknown name …"), as are empty OBJECT properties, `required` names that do not exist,
 * non-string enums, empty parts and function responses that answer no call. With `tools:[{googleSearch:{}}]` a
 * scripted web search comes back as Google Search grounding (`groundingMetadata` on the candidate: queries,
 * chunks with Google's redirect URLs and the site's domain as title, supports with UTF-8 byte offsets);
 * googleSearch next to functionDeclarations, or with a field the Gemini API does not take, is refused.
 */
import { randomBytes } from 'node:crypto'
import { errorHeaders, sendJson, startFakeServer, streamFrames, type FakeExchange } from './fake-server.ts'
import { isRecord, splitText, usageFor, type FakeReply, type FakeResponder, type FakeUpstream } from './fake-script.ts'

export interface FakeGeminiOptions {
  apiKey?: string
  /** When set, other model names are Google's 404 NOT_FOUND. */
  models?: string[]
  maxOutputTokens?: number
  responder?: FakeResponder
}

type Json = Record<string, any>

const SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required',
  'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering',
  'default', 'items', 'minimum', 'maximum'
])
const STATUS_NAMES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' }

function fail (exchange: FakeExchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(exchange.res, status, { error: { code: status, message, status: STATUS_NAMES[status] ?? 'UNKNOWN' } }, headers)
}

/** Walks a schema like Gemini's proto parser does: the first unknown field is the error. */
export function checkGeminiSchema (schema: unknown, where: string): string | null {
  if (!isRecord(schema)) return `Invalid value at '${where}': expected a Schema object`
  for (const key of Object.keys(schema)) {
    if (!SCHEMA_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`
  }
  if (schema.type !== undefined && (typeof schema.type !== 'string' || !['string', 'number', 'integer', 'boolean', 'array', 'object'].includes(schema.type.toLowerCase()))) {
    return `Invalid value at '${where}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), ${JSON.stringify(schema.type)}`
  }
  if (Array.isArray(schema.enum) && schema.enum.some((value: unknown) => typeof value !== 'string')) {
    return `Invalid value at '${where}.enum[0]' (TYPE_STRING), ${JSON.stringify(schema.enum[0])}`
  }
  if (typeof schema.format === 'string' && String(schema.type).toLowerCase() === 'string' && !['enum', 'date-time'].includes(schema.format)) {
    return `* ${where}.format: only 'enum' and 'date-time' are supported for STRING type`
  }
  if (isRecord(schema.properties)) {
    if (Object.keys(schema.properties).length === 0 && String(schema.type).toLowerCase() === 'object') return `* ${where}.properties: should be non-empty for OBJECT type`
    for (const [name, property] of Object.entries(schema.properties)) {
      const problem = checkGeminiSchema(property, `${where}.properties[${name}]`)
      if (problem !== null) return problem
    }
  }
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (!isRecord(schema.properties) || !(name in schema.properties)) return `* ${where}.required[0]: property is not defined`
    }
  }
  if (schema.items !== undefined) {
    const problem = checkGeminiSchema(schema.items, `${where}.items`)
    if (problem !== null) return problem
  }
  if (Array.isArray(schema.anyOf)) {
    for (const [i, branch] of schema.anyOf.entries()) {
      const problem = checkGeminiSchema(branch, `${where}.any_of[${i}]`)
      if (problem !== null) return problem
    }
  }
  return null
}

function validate (input: unknown, options: FakeGeminiOptions): string | null {
  if (!isRecord(input)) return 'Invalid JSON payload received.'
  const body: Json = input
  for (const key of Object.keys(body)) {
    if (!['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent'].includes(key)) {
      return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`
    }
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified'
  const max = body.generationConfig?.maxOutputTokens
  if (max !== undefined && (typeof max !== 'number' || max < 1)) {
    return `Unable to submit request because it has a maxOutputTokens value of ${String(max)} but the supported range is from 1 (inclusive) to ${(options.maxOutputTokens ?? 65_536) + 1} (exclusive). Update the value and try again.`
  }
  if (options.maxOutputTokens !== undefined && typeof max === 'number' && max > options.maxOutputTokens) {
    return `Unable to submit request because it has a maxOutputTokens value of ${max} but the supported range is from 1 (inclusive) to ${options.maxOutputTokens + 1} (exclusive). Update the value and try again.`
  }
  const declared = new Set<string>()
  const tools: Json[] = Array.isArray(body.tools) ? body.tools : []
  for (const [t, tool] of tools.entries()) {
    if (tool.googleSearch !== undefined) {
      const unknown = Object.keys(tool.googleSearch ?? {}).find((key) => key !== 'timeRangeFilter')
      if (unknown !== undefined) return `Invalid JSON payload received. Unknown name "${unknown}" at 'tools[${t}].google_search': Cannot find field.`
    }
  }
  if (tools.some((tool) => tool.googleSearch !== undefined) && tools.some((tool) => Array.isArray(tool.functionDeclarations) && tool.functionDeclarations.length > 0)) {
    return 'Tool use with function calling is unsupported'
  }
  for (const [t, tool] of tools.entries()) {
    for (const [f, fn] of (tool.functionDeclarations ?? []).entries()) {
      if (typeof fn.name !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$/.test(fn.name)) return `* GenerateContentRequest.tools[${t}].function_declarations[${f}].name: Invalid function name.`
      declared.add(fn.name)
      if (fn.parameters !== undefined) {
        const problem = checkGeminiSchema(fn.parameters, `tools[${t}].function_declarations[${f}].parameters`)
        if (problem !== null) return problem
      }
    }
  }
  // The names called by the previous content when it was a function call turn: the next content must answer
  // exactly those, one response part per call part.
  let called: string[] = []
  for (const [i, content] of body.contents.entries()) {
    if (content.role !== 'user' && content.role !== 'model') return `* GenerateContentRequest.contents[${i}].role: Please use a valid role: user, model.`
    if (!Array.isArray(content.parts) || content.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`
    const calls: string[] = []
    const responses: string[] = []
    for (const [j, part] of content.parts.entries()) {
      if (typeof part.text === 'string' && part.text === '') return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field`
      const problem = partProblem(part, `contents[${i}].parts[${j}]`)
      if (problem !== null) return problem
      if (part.functionCall !== undefined) {
        if (!declared.has(part.functionCall.name)) return `* GenerateContentRequest.contents[${i}].parts[${j}].function_call.name: function ${String(part.functionCall.name)} is not declared`
        calls.push(part.functionCall.name)
      }
      if (part.functionResponse !== undefined) {
        responses.push(String(part.functionResponse.name))
        if (!isRecord(part.functionResponse.response)) return `* GenerateContentRequest.contents[${i}].parts[${j}].function_response.response: must be an object`
      }
    }
    if ((responses.length > 0 || (called.length > 0 && content.role === 'user')) && !sameNames(called, responses)) {
      return 'Please ensure that function response turn comes immediately after a function call turn. And the number of function response parts should be equal to number of function call parts of the function call turn.'
    }
    called = content.role === 'model' ? calls : []
  }
  return null
}

const PART_FIELDS = new Set(['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'thought', 'thoughtSignature', 'executableCode', 'codeExecutionResult', 'videoMetadata'])
/** What Gemini takes inline (no GIF among the images). */
const INLINE_TYPES = /^(?:image\/(?:png|jpeg|webp|heic|heif)|application\/pdf|text\/plain|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** One part as Gemini's proto parser sees it: known fields only, inline data of a supported type in base64. */
function partProblem (part: Json, where: string): string | null {
  for (const key of Object.keys(part)) {
    if (!PART_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}" at '${where}': Cannot find field.`
  }
  const inline = part.inlineData
  if (inline !== undefined) {
    if (!isRecord(inline) || typeof inline.mimeType !== 'string' || inline.mimeType === '') return `* GenerateContentRequest.${where}.inline_data.mime_type: mime_type must be specified`
    if (!INLINE_TYPES.test(inline.mimeType)) return `Unsupported MIME type: ${inline.mimeType}`
    if (typeof inline.data !== 'string' || inline.data === '' || inline.data.length % 4 !== 0 || !BASE64.test(inline.data)) {
      return `Invalid value at '${where}.inline_data.data' (TYPE_BYTES), Base64 decoding failed for "${String(inline.data).slice(0, 20)}"`
    }
  }
  const file = part.fileData
  if (file !== undefined && (!isRecord(file) || typeof file.fileUri !== 'string' || typeof file.mimeType !== 'string')) return `* GenerateContentRequest.${where}.file_data: file_uri and mime_type must be specified`
  return null
}

/** The same names, in any order. */
function sameNames (a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000')
}

export async function startFakeGemini (options: FakeGeminiOptions = {}): Promise<FakeUpstream> {
  return await startFakeServer(async (exchange) => {
    const { req, recorded } = exchange
    const url = new URL(recorded.path, 'http://fake')
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined
    if (options.apiKey !== undefined && key !== options.apiKey) {
      const message = 'API key not valid. Please pass a valid API key.'
      return sendJson(exchange.res, 400, { error: { code: 400, message, status: 'INVALID_ARGUMENT', details: [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message }
      ] } })
    }
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/.exec(url.pathname)
    if (req.method !== 'POST' || match === null) return fail(exchange, 404, `Method not found: ${req.method ?? ''} ${url.pathname}`)
    const model = decodeURIComponent(match[1]!)
    if (options.models !== undefined && !options.models.includes(model)) {
      return fail(exchange, 404, `models/${model} is not found for API version v1beta, or is not supported for ${match[2]}. Call ListModels to see the list of available models and their supported methods.`)
    }
    if (match[2] === 'countTokens') {
      const contents = (recorded.body as Json | undefined)?.contents
      if (!Array.isArray(contents) || contents.length === 0) return fail(exchange, 400, '* CountTokensRequest.contents: contents is not specified')
      const totalTokens = Math.max(1, Math.ceil(JSON.stringify(contents).length / 4))
      return sendJson(exchange.res, 200, { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] })
    }
    const stream = match[2] === 'streamGenerateContent'
    if (stream && url.searchParams.get('alt') !== 'sse') return fail(exchange, 400, 'This fake only streams with alt=sse')
    const problem = validate(recorded.body, options)
    if (problem !== null) return fail(exchange, 400, problem)
    const reply = exchange.reply()
    if (!(await exchange.sleep(reply.delayMs))) return
    if (reply.status !== undefined && (reply.status < 200 || reply.status >= 300)) {
      return fail(exchange, reply.status, reply.error ?? `fake upstream error ${reply.status}`, errorHeaders(reply))
    }
    const chunks = replyChunks(reply, recorded.body as Json, model)
    if (!stream) {
      if (reply.midStreamError !== undefined) return fail(exchange, 500, reply.midStreamError)
      return sendJson(exchange.res, 200, mergeChunks(chunks))
    }
    await streamFrames(exchange, 'text/event-stream', chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`), reply)
  }, options.responder)
}

export const FAKE_THOUGHT_SIGNATURE = 'Q2lVQkFSc3R1ZmZlZC1ieS10aGUtZmFrZQ=='

/** Gemini hands out redirect URLs, not the pages' own; the fake's are derived from the page so tests can expect them. */
export function fakeGroundingRedirect (url: string): string {
  return `https://vertexaisearch.cloud.google.com/grounding-api-redirect/${Buffer.from(url).toString('base64url')}`
}

/** The grounding metadata of a scripted search: the first sentence of `text` is supported by the first hit. */
function groundingMetadata (search: NonNullable<FakeReply['webSearch']>, text: string): Json {
  const sentence = /^[^.!?]*[.!?]/.exec(text)?.[0] ?? text
  const end = Buffer.byteLength(sentence, 'utf8')
  return {
    searchEntryPoint: { renderedContent: `<style>.container{display:flex}</style><div class="container"><a class="chip" href="https://www.google.com/search?q=${encodeURIComponent(search.query)}">${search.query}</a></div>` },
    groundingChunks: search.results.map((hit) => ({ web: { uri: fakeGroundingRedirect(hit.url), title: new URL(hit.url).hostname } })),
    // proto3 JSON leaves zero values out: a segment at the start of the answer has no startIndex.
    groundingSupports: search.results.length === 0 ? [] : [{ segment: { endIndex: end, text: sentence }, groundingChunkIndices: [0] }],
    webSearchQueries: [search.query]
  }
}

function usageMetadata (reply: FakeReply, body: Json): Json {
  const { input, output, cached } = usageFor(reply, body.contents)
  const thoughts = reply.reasoning === undefined ? 0 : Math.max(1, Math.ceil(reply.reasoning.length / 4))
  return { promptTokenCount: input, candidatesTokenCount: output, totalTokenCount: input + output + thoughts, ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}), ...(cached === undefined ? {} : { cachedContentTokenCount: cached }) }
}

/** Stream chunks: thought parts, text pieces, then the function calls whole (the first carries a thoughtSignature). */
function replyChunks (reply: FakeReply, body: Json, model: string): Json[] {
  const responseId = randomBytes(8).toString('base64url')
  const chunk = (parts: Json[], extra: Json = {}): Json => ({ candidates: [{ content: { role: 'model', parts }, index: 0, ...extra }], modelVersion: model, responseId })
  const chunks: Json[] = []
  for (const piece of splitText(reply.reasoning ?? '')) chunks.push(chunk([{ text: piece, thought: true }]))
  const text = (reply.text ?? (reply.midStreamError === undefined ? '' : 'partial answer')) + (reply.webSearch?.uncitedTail ?? '')
  // Gemini searches only when the request enabled googleSearch; the queries come early, the sources at the end.
  const grounded = reply.webSearch !== undefined && (body.tools ?? []).some((tool: Json) => tool.googleSearch !== undefined)
  const grounding = grounded ? groundingMetadata(reply.webSearch!, text) : undefined
  for (const [i, piece] of splitText(text).entries()) {
    chunks.push(chunk([{ text: piece }], i === 0 && grounding !== undefined ? { groundingMetadata: { searchEntryPoint: grounding.searchEntryPoint, webSearchQueries: grounding.webSearchQueries } } : {}))
  }
  if (reply.midStreamError !== undefined) {
    chunks.push({ error: { code: 500, message: reply.midStreamError, status: 'INTERNAL' } })
    return chunks
  }
  const calls = (reply.toolCalls ?? []).map((call, index) => ({ functionCall: { name: call.name, args: call.arguments }, ...(index === 0 ? { thoughtSignature: FAKE_THOUGHT_SIGNATURE } : {}) }))
  if (calls.length > 0) chunks.push(chunk(calls))
  const finish = reply.finishReason ?? 'STOP'
  chunks.push({ ...chunk([{ text: '' }], { finishReason: finish, ...(grounding === undefined ? {} : { groundingMetadata: grounding }) }), usageMetadata: usageMetadata(reply, body) })
  return chunks
}

function mergeChunks (chunks: Json[]): Json {
  const parts: Json[] = []
  for (const chunk of chunks) {
    for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
      const last = parts.at(-1)
      if (typeof part.text === 'string' && part.text === '') continue
      if (last !== undefined && typeof last.text === 'string' && typeof part.text === 'string' && last.thought === part.thought) last.text += part.text
      else parts.push({ ...part })
    }
  }
  const last = chunks.at(-1)!
  const grounding = last.candidates?.[0]?.groundingMetadata
  return { candidates: [{ content: { role: 'model', parts }, finishReason: last.candidates?.[0]?.finishReason, ...(grounding === undefined ? {} : { groundingMetadata: grounding }), index: 0 }], usageMetadata: last.usageMetadata, modelVersion: last.modelVersion, responseId: last.responseId }
}
