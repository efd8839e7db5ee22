/**
 * Which upstream serves /v1/embeddings, from Lynkr's variables: EMBEDDINGS_PROVIDER when set, otherwise the
 * first configured of Ollama (OLLAMA_EMBEDDINGS_MODEL), llama.cpp (LLAMACPP_EMBEDDINGS_ENDPOINT), OpenRouter
 * (OPENROUTER_API_KEY) and OpenAI (OPENAI_API_KEY). Pure: env records in, a target out.
 */
import { LynkrConfigError, parseUrlVariable, requireVariable } from '@lynkr/core'

export const EMBEDDINGS_PROVIDERS = ['ollama', 'llamacpp', 'openrouter', 'openai'] as const
export type EmbeddingsProviderId = typeof EMBEDDINGS_PROVIDERS[number]

export interface EmbeddingsTarget {
  provider: EmbeddingsProviderId
  /** `…/api/embed` for Ollama, `…/embeddings` (OpenAI-compatible) for the others. */
  url: string
  /** The upstream model; undefined for llama.cpp, which serves whatever it loaded. */
  model?: string
  headers: Record<string, string>
  /** Whether the upstream honours `dimensions` (llama.cpp does not). */
  dimensions: boolean
}

/** The plugin's own variables (its env slice). */
export interface EmbeddingsEnv {
  EMBEDDINGS_PROVIDER?: string
  EMBEDDINGS_TIMEOUT_MS: number
  OLLAMA_EMBEDDINGS_MODEL?: string
  OLLAMA_EMBEDDINGS_ENDPOINT?: string
  LLAMACPP_EMBEDDINGS_ENDPOINT?: string
  OPENROUTER_EMBEDDINGS_MODEL: string
  OPENAI_EMBEDDINGS_MODEL: string
}

/** What to tell a client when nothing is configured. */
export const NOT_CONFIGURED = 'Embeddings are not configured in lynkr: set OLLAMA_EMBEDDINGS_MODEL (Ollama), ' +
  'LLAMACPP_EMBEDDINGS_ENDPOINT (llama.cpp), OPENROUTER_API_KEY (OpenRouter) or OPENAI_API_KEY (OpenAI); ' +
  'EMBEDDINGS_PROVIDER picks one when several are set'

function value (env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
}

/** Appends `/embeddings` to an OpenAI-style base URL; accepts the full URL or a chat-completions URL. */
export function embeddingsUrl (endpoint: string, variable: string, defaultVersion = '/v1'): string {
  const url = parseUrlVariable(endpoint, variable)
  let path = url.pathname.replace(/\/+$/, '')
  if (path.endsWith('/chat/completions')) path = path.slice(0, -'/chat/completions'.length)
  if (!path.endsWith('/embeddings')) {
    if (!/\/v\d+$/.test(path)) path += defaultVersion
    path += '/embeddings'
  }
  url.pathname = path
  return url.toString()
}

/** Ollama's native `/api/embed`, from a server URL (an `/api/embed(dings)` path is tolerated). */
export function ollamaEmbedUrl (endpoint: string, variable: string): string {
  const url = parseUrlVariable(endpoint, variable)
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/embed(?:dings)?$/, '') + '/api/embed'
  return url.toString()
}

function inferProvider (own: EmbeddingsEnv, env: Record<string, string | undefined>): EmbeddingsProviderId | null {
  if (own.OLLAMA_EMBEDDINGS_MODEL !== undefined) return 'ollama'
  if (own.LLAMACPP_EMBEDDINGS_ENDPOINT !== undefined) return 'llamacpp'
  if (value(env, 'OPENROUTER_API_KEY') !== undefined) return 'openrouter'
  if (value(env, 'OPENAI_API_KEY') !== undefined) return 'openai'
  return null
}

/** The configured target, or null when nothing is configured (the route then explains what to set). */
export function resolveEmbeddingsTarget (own: EmbeddingsEnv, env: Record<string, string | undefined>): EmbeddingsTarget | null {
  const explicit = own.EMBEDDINGS_PROVIDER?.trim().toLowerCase()
  if (explicit !== undefined && explicit !== '' && !(EMBEDDINGS_PROVIDERS as readonly string[]).includes(explicit)) {
    throw new LynkrConfigError(`EMBEDDINGS_PROVIDER="${own.EMBEDDINGS_PROVIDER ?? ''}" is not an embeddings provider; valid values: ${EMBEDDINGS_PROVIDERS.join(', ')}`, 'EMBEDDINGS_PROVIDER')
  }
  const provider = (explicit || inferProvider(own, env)) as EmbeddingsProviderId | null
  if (provider === null) return null
  switch (provider) {
    case 'ollama': {
      const model = requireVariable(own.OLLAMA_EMBEDDINGS_MODEL, 'OLLAMA_EMBEDDINGS_MODEL', 'Ollama embeddings need a model (for example nomic-embed-text)')
      const variable = own.OLLAMA_EMBEDDINGS_ENDPOINT !== undefined ? 'OLLAMA_EMBEDDINGS_ENDPOINT' : 'OLLAMA_ENDPOINT'
      const endpoint = own.OLLAMA_EMBEDDINGS_ENDPOINT ?? value(env, 'OLLAMA_ENDPOINT') ?? 'http://localhost:11434'
      const apiKey = value(env, 'OLLAMA_API_KEY')
      return { provider, url: ollamaEmbedUrl(endpoint, variable), model, headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, dimensions: true }
    }
    case 'llamacpp': {
      const endpoint = requireVariable(own.LLAMACPP_EMBEDDINGS_ENDPOINT, 'LLAMACPP_EMBEDDINGS_ENDPOINT', 'the URL of a llama-server started with --embedding')
      return { provider, url: embeddingsUrl(endpoint, 'LLAMACPP_EMBEDDINGS_ENDPOINT'), headers: {}, dimensions: false }
    }
    case 'openrouter': {
      const key = requireVariable(value(env, 'OPENROUTER_API_KEY'), 'OPENROUTER_API_KEY', 'OpenRouter embeddings need an API key')
      const endpoint = value(env, 'OPENROUTER_ENDPOINT') ?? 'https://openrouter.ai/api/v1'
      return { provider, url: embeddingsUrl(endpoint, 'OPENROUTER_ENDPOINT'), model: own.OPENROUTER_EMBEDDINGS_MODEL, headers: { authorization: `Bearer ${key}` }, dimensions: true }
    }
    case 'openai': {
      const key = requireVariable(value(env, 'OPENAI_API_KEY'), 'OPENAI_API_KEY', 'OpenAI embeddings need an API key')
      const endpoint = value(env, 'OPENAI_ENDPOINT') ?? 'https://api.openai.com/v1'
      const headers: Record<string, string> = { authorization: `Bearer ${key}` }
      const organization = value(env, 'OPENAI_ORGANIZATION')
      if (organization !== undefined) headers['openai-organization'] = organization
      return { provider, url: embeddingsUrl(endpoint, 'OPENAI_ENDPOINT'), model: own.OPENAI_EMBEDDINGS_MODEL, headers, dimensions: true }
    }
  }
}
