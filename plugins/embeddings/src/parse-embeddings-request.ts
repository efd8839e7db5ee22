import { LynkrError, modelNameProblem } from '@lynkr/protocol'

export interface EmbeddingsRequest {
  /** Texts, or token-id arrays (OpenAI-compatible upstreams only). */
  input: string[] | number[][]
  tokens: boolean
  /** What the client named; echoed back (always set by parseEmbeddingsRequest). */
  model?: string
  encodingFormat: 'float' | 'base64'
  dimensions?: number
  user?: string
}

function invalid (message: string): LynkrError {
  return new LynkrError('invalid_request', message, { code: 'LYNKR_REQUEST_INVALID' })
}

/** Above any tokenizer's vocabulary (o200k has about 200,000 ids): 1e308 "is an integer" to JavaScript. */
const MAX_TOKEN_ID = 2 ** 31 - 1

function isTokenArray (value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item) && (item as number) >= 0 && (item as number) <= MAX_TOKEN_ID)
}

/** Validates an OpenAI embeddings body: `input` is a string, strings, tokens or token arrays. */
export function parseEmbeddingsRequest (body: unknown): EmbeddingsRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object.')
  const record = body as Record<string, unknown>
  const raw = record.input
  let input: string[] | number[][]
  let tokens = false
  if (typeof raw === 'string') input = [raw]
  else if (Array.isArray(raw) && raw.length > 0 && raw.every((item) => typeof item === 'string')) input = raw as string[]
  else if (isTokenArray(raw)) { input = [raw]; tokens = true }
  else if (Array.isArray(raw) && raw.length > 0 && raw.every(isTokenArray)) { input = raw as number[][]; tokens = true }
  else if (raw === undefined || raw === null) throw invalid("Missing required parameter: 'input'.")
  else throw invalid("Invalid 'input': expected a non-empty string, an array of strings, or an array of token arrays.")
  if (!tokens && (input as string[]).some((text) => text === '')) throw invalid("Invalid 'input': empty strings cannot be embedded.")
  if (input.length > 2048) throw invalid(`Invalid 'input': at most 2048 inputs per request, got ${input.length}.`)

  // OpenAI requires the model; lynkr serves the configured one and echoes the name back.
  if (record.model === undefined || record.model === null || record.model === '') throw invalid("Missing required parameter: 'model'.")
  if (typeof record.model !== 'string') throw invalid("Invalid type for 'model': expected a string.")
  const problem = modelNameProblem(record.model)
  if (problem !== undefined) throw invalid(`Invalid 'model': the name ${problem}.`)
  const format = record.encoding_format ?? 'float'
  if (format !== 'float' && format !== 'base64') throw invalid("Invalid value for 'encoding_format': expected 'float' or 'base64'.")
  const dimensions = record.dimensions
  if (dimensions !== undefined && dimensions !== null && (!Number.isInteger(dimensions) || (dimensions as number) < 1)) {
    throw invalid("Invalid 'dimensions': expected a positive integer.")
  }
  return {
    input,
    tokens,
    model: record.model,
    encodingFormat: format,
    ...(typeof dimensions === 'number' ? { dimensions } : {}),
    ...(typeof record.user === 'string' ? { user: record.user } : {})
  }
}
