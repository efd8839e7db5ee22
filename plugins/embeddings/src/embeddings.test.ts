import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrError } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { embeddingsUrl, ollamaEmbedUrl, resolveEmbeddingsTarget } from './embeddings-config.ts'
import type { EmbeddingsEnv } from './embeddings-config.ts'
import { decodeFloat32Base64, encodeFloat32Base64 } from './embedding-encoding.ts'
import { parseEmbeddingsRequest } from './parse-embeddings-request.ts'
import { embeddingsBody, readEmbeddingsReply } from './embed-upstream.ts'

const DEFAULTS: EmbeddingsEnv = { EMBEDDINGS_TIMEOUT_MS: 120000, OPENROUTER_EMBEDDINGS_MODEL: 'openai/text-embedding-3-small', OPENAI_EMBEDDINGS_MODEL: 'text-embedding-3-small' }

describe('resolveEmbeddingsTarget', () => {
  test('nothing configured: null (the route explains what to set)', () => {
    assert.equal(resolveEmbeddingsTarget(DEFAULTS, {}), null)
    assert.equal(resolveEmbeddingsTarget(DEFAULTS, { OLLAMA_ENDPOINT: 'http://o:11434', MODEL_PROVIDER: 'ollama' }), null)
  })

  test('inferred in order: Ollama, llama.cpp, OpenRouter, OpenAI', () => {
    const all = { OPENROUTER_API_KEY: 'or', OPENAI_API_KEY: 'sk' }
    const ollama = resolveEmbeddingsTarget({ ...DEFAULTS, OLLAMA_EMBEDDINGS_MODEL: 'nomic-embed-text', LLAMACPP_EMBEDDINGS_ENDPOINT: 'http://l:8080' }, { ...all, OLLAMA_ENDPOINT: 'http://gpu:11434/', OLLAMA_API_KEY: 'ok' })
    assert.deepEqual(ollama, { provider: 'ollama', url: 'http://gpu:11434/api/embed', model: 'nomic-embed-text', headers: { authorization: 'Bearer ok' }, dimensions: true })
    assert.equal(resolveEmbeddingsTarget({ ...DEFAULTS, LLAMACPP_EMBEDDINGS_ENDPOINT: 'http://l:8080' }, all)?.url, 'http://l:8080/v1/embeddings')
    assert.deepEqual(resolveEmbeddingsTarget(DEFAULTS, all), { provider: 'openrouter', url: 'https://openrouter.ai/api/v1/embeddings', model: 'openai/text-embedding-3-small', headers: { authorization: 'Bearer or' }, dimensions: true })
    assert.deepEqual(resolveEmbeddingsTarget(DEFAULTS, { OPENAI_API_KEY: 'sk', OPENAI_ENDPOINT: 'https://api.openai.com/v1/chat/completions' }), { provider: 'openai', url: 'https://api.openai.com/v1/embeddings', model: 'text-embedding-3-small', headers: { authorization: 'Bearer sk' }, dimensions: true })
  })

  test('EMBEDDINGS_PROVIDER chooses; a dedicated Ollama endpoint wins over OLLAMA_ENDPOINT', () => {
    const env = { OPENAI_API_KEY: 'sk', OLLAMA_ENDPOINT: 'http://chat:11434' }
    const own = { ...DEFAULTS, EMBEDDINGS_PROVIDER: 'Ollama', OLLAMA_EMBEDDINGS_MODEL: 'bge-m3', OLLAMA_EMBEDDINGS_ENDPOINT: 'http://embed:11434/api/embeddings' }
    assert.equal(resolveEmbeddingsTarget(own, env)?.url, 'http://embed:11434/api/embed')
    assert.equal(resolveEmbeddingsTarget({ ...own, EMBEDDINGS_PROVIDER: 'openai' }, env)?.provider, 'openai')
  })

  test('misconfiguration stops the boot naming the variable', () => {
    assert.throws(() => resolveEmbeddingsTarget({ ...DEFAULTS, EMBEDDINGS_PROVIDER: 'cohere' }, {}), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'EMBEDDINGS_PROVIDER' && /valid values: ollama, llamacpp, openrouter, openai/.test(error.message))
    assert.throws(() => resolveEmbeddingsTarget({ ...DEFAULTS, EMBEDDINGS_PROVIDER: 'ollama' }, {}), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'OLLAMA_EMBEDDINGS_MODEL')
    assert.throws(() => resolveEmbeddingsTarget({ ...DEFAULTS, EMBEDDINGS_PROVIDER: 'openai' }, {}), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'OPENAI_API_KEY')
    assert.throws(() => resolveEmbeddingsTarget({ ...DEFAULTS, LLAMACPP_EMBEDDINGS_ENDPOINT: 'localhost:8080' }, {}), (error: unknown) => error instanceof LynkrConfigError && error.variable === 'LLAMACPP_EMBEDDINGS_ENDPOINT')
  })

  test('URL forms', () => {
    assert.equal(embeddingsUrl('http://h:1/v1/embeddings', 'X'), 'http://h:1/v1/embeddings')
    assert.equal(embeddingsUrl('http://h:1/v1/', 'X'), 'http://h:1/v1/embeddings')
    assert.equal(embeddingsUrl('http://h:1', 'X'), 'http://h:1/v1/embeddings')
    assert.equal(embeddingsUrl('http://h:1/openai/v1/chat/completions', 'X'), 'http://h:1/openai/v1/embeddings')
    assert.equal(ollamaEmbedUrl('http://h:11434/api/embed', 'X'), 'http://h:11434/api/embed')
    assert.equal(ollamaEmbedUrl('http://h:11434/ollama', 'X'), 'http://h:11434/ollama/api/embed')
  })
})

describe('base64 encoding', () => {
  test('little-endian float32, as the official SDK decodes it', () => {
    const vector = [0.5, -1.25, 3.4028234663852886e38, 0.1]
    const encoded = encodeFloat32Base64(vector)
    const bytes = Buffer.from(encoded, 'base64')
    assert.equal(bytes.length, 16)
    assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x00, 0x00, 0x3f]) // 0.5 = 0x3f000000, low byte first
    // What openai-node does: new Float32Array(buffer) on a little-endian machine.
    assert.deepEqual(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 4)), vector.map(Math.fround))
    assert.deepEqual(decodeFloat32Base64(encoded), vector.map(Math.fround))
  })
})

describe('parseEmbeddingsRequest', () => {
  test('string, strings, tokens; encoding_format and dimensions', () => {
    assert.deepEqual(parseEmbeddingsRequest({ model: 'm', input: 'hi' }), { input: ['hi'], tokens: false, model: 'm', encodingFormat: 'float' })
    assert.deepEqual(parseEmbeddingsRequest({ model: 'm', input: ['a', 'b'], encoding_format: 'base64', dimensions: 256, user: 'u' }), { input: ['a', 'b'], tokens: false, model: 'm', encodingFormat: 'base64', dimensions: 256, user: 'u' })
    assert.deepEqual(parseEmbeddingsRequest({ model: 'm', input: [1, 2, 3] }).input, [[1, 2, 3]])
    assert.deepEqual(parseEmbeddingsRequest({ model: 'm', input: [[1], [2, 3]] }), { input: [[1], [2, 3]], tokens: true, model: 'm', encodingFormat: 'float' })
  })

  test('bad input is a 400 (OpenAI requires the model; a name headers cannot carry is refused)', () => {
    for (const body of [null, 'x', {}, { model: 'm', input: '' }, { input: [] }, { input: ['a', 2] }, { input: 'x', encoding_format: 'int8' }, { input: 'x', dimensions: 0 }, { input: 'x', dimensions: 1.5 }, { input: 'x', model: 3 }, { input: 'x' }, { input: 'x', model: '' }, { input: 'x', model: 'm\r\nx-injected: 1' }, { model: 'm', input: [1e308] }, { model: 'm', input: [[1, 2 ** 31]] }]) {
      assert.throws(() => parseEmbeddingsRequest(body), (error: unknown) => error instanceof LynkrError && error.status === 400, JSON.stringify(body))
    }
  })
})

describe('upstream bodies and replies', () => {
  const ollama = { provider: 'ollama' as const, url: 'http://o/api/embed', model: 'nomic-embed-text', headers: {}, dimensions: true }
  const llamacpp = { provider: 'llamacpp' as const, url: 'http://l/v1/embeddings', headers: {}, dimensions: false }
  const openai = { provider: 'openai' as const, url: 'http://x/v1/embeddings', model: 'text-embedding-3-small', headers: {}, dimensions: true }

  test('Ollama: native body with the configured model; floats always asked of OpenAI-compatible upstreams', () => {
    assert.deepEqual(embeddingsBody(ollama, { input: ['a'], tokens: false, model: 'text-embedding-ada-002', encodingFormat: 'base64', dimensions: 64 }), { model: 'nomic-embed-text', input: 'a', truncate: true, dimensions: 64 })
    assert.deepEqual(embeddingsBody(openai, { input: ['a', 'b'], tokens: false, encodingFormat: 'base64', dimensions: 64, user: 'u' }), { model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float', dimensions: 64, user: 'u' })
    assert.deepEqual(embeddingsBody(llamacpp, { input: ['a'], tokens: false, model: 'client', encodingFormat: 'float', dimensions: 64 }), { model: 'client', input: 'a', encoding_format: 'float' })
  })

  test('replies to vectors in input order with usage', () => {
    assert.deepEqual(readEmbeddingsReply(ollama, { model: 'nomic-embed-text', embeddings: [[1, 2]], prompt_eval_count: 3 }, 1), { vectors: [[1, 2]], promptTokens: 3, model: 'nomic-embed-text' })
    const reply = { data: [{ index: 1, embedding: [2] }, { index: 0, embedding: encodeFloat32Base64([0.5]) }], model: 'm', usage: { prompt_tokens: 4, total_tokens: 4 } }
    assert.deepEqual(readEmbeddingsReply(openai, reply, 2), { vectors: [[0.5], [2]], promptTokens: 4, model: 'm' })
    assert.throws(() => readEmbeddingsReply(ollama, { embeddings: [[1]] }, 2), (error: unknown) => error instanceof LynkrError && error.status === 502)
    assert.throws(() => readEmbeddingsReply(openai, { object: 'list' }, 1), (error: unknown) => error instanceof LynkrError && error.status === 502)
  })
})
