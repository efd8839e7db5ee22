/**
 * One embeddings call to the configured upstream: Ollama's native `/api/embed`, or an OpenAI-compatible
 * `/embeddings` (llama.cpp, OpenRouter, OpenAI). Always asks for floats; the route encodes what the client
 * asked for.
 */
import type { UpstreamClient } from '@lynkr/core'
import { LynkrError } from '@lynkr/protocol'
import type { EmbeddingsTarget } from './embeddings-config.ts'
import type { EmbeddingsRequest } from './parse-embeddings-request.ts'
import { decodeFloat32Base64 } from './embedding-encoding.ts'

export interface EmbeddingsResult { vectors: number[][], promptTokens: number, model: string }

function badReply (target: EmbeddingsTarget, what: string): LynkrError {
  return new LynkrError('api_error', `${target.provider} embeddings upstream returned ${what}`, { status: 502, provider: target.provider, code: 'LYNKR_EMBEDDINGS_BAD_REPLY' })
}

/** The upstream request body (pure, for tests). */
export function embeddingsBody (target: EmbeddingsTarget, request: EmbeddingsRequest): Record<string, unknown> {
  if (target.provider === 'ollama') {
    const body: Record<string, unknown> = { model: target.model, input: request.input.length === 1 ? request.input[0] : request.input, truncate: true }
    if (request.dimensions !== undefined) body.dimensions = request.dimensions
    return body
  }
  const body: Record<string, unknown> = {
    model: target.model ?? request.model ?? 'default',
    input: request.input.length === 1 ? request.input[0] : request.input,
    encoding_format: 'float'
  }
  if (request.dimensions !== undefined && target.dimensions) body.dimensions = request.dimensions
  if (request.user !== undefined && target.provider !== 'llamacpp') body.user = request.user
  return body
}

/** The upstream reply → vectors in input order (pure, for tests). */
export function readEmbeddingsReply (target: EmbeddingsTarget, reply: unknown, expected: number): EmbeddingsResult {
  const record = (reply ?? {}) as Record<string, unknown>
  let vectors: number[][]
  let promptTokens = 0
  if (target.provider === 'ollama') {
    if (!Array.isArray(record.embeddings)) throw badReply(target, 'no "embeddings" array')
    vectors = record.embeddings as number[][]
    promptTokens = typeof record.prompt_eval_count === 'number' ? record.prompt_eval_count : 0
  } else {
    if (!Array.isArray(record.data)) throw badReply(target, 'no "data" array')
    const items = [...record.data as Array<Record<string, unknown>>]
    items.sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0))
    vectors = items.map((item) => typeof item.embedding === 'string' ? decodeFloat32Base64(item.embedding) : item.embedding as number[])
    const usage = record.usage as Record<string, unknown> | undefined
    promptTokens = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0
  }
  if (vectors.length !== expected || vectors.some((vector) => !Array.isArray(vector))) {
    throw badReply(target, `${vectors.length} embeddings for ${expected} inputs`)
  }
  const model = typeof record.model === 'string' ? record.model : target.model ?? 'unknown'
  return { vectors, promptTokens, model }
}

export async function embed (client: UpstreamClient, target: EmbeddingsTarget, request: EmbeddingsRequest, signal: AbortSignal): Promise<EmbeddingsResult> {
  if (request.tokens && target.provider === 'ollama') {
    throw new LynkrError('invalid_request', "Invalid 'input': Ollama embeddings accept text only, not token arrays.", { code: 'LYNKR_REQUEST_INVALID' })
  }
  const reply = await client.sendJson({ provider: target.provider, url: target.url, headers: target.headers, body: JSON.stringify(embeddingsBody(target, request)), signal })
  const result = readEmbeddingsReply(target, reply, request.input.length)
  if (request.dimensions !== undefined && !target.dimensions && result.vectors.some((vector) => vector.length !== request.dimensions)) {
    throw new LynkrError('invalid_request', `Invalid 'dimensions': the ${target.provider} embeddings model returns ${result.vectors[0]?.length ?? 0}-dimensional vectors and cannot shorten them to ${request.dimensions}.`, { code: 'LYNKR_REQUEST_INVALID' })
  }
  return result
}
