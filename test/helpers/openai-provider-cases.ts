/**
 * Conformance rows (provider-cases.ts) for the OpenAI-format providers: OpenAI, the local servers (llama.cpp,
 * LM Studio), OpenRouter, Azure OpenAI (deployments and /openai/v1/ URLs), Databricks and Moonshot, each
 * against its dialect of the OpenAI fake (fake-openai-dialects.ts).
 */
import type { ProviderCase, ToolResultSeen } from './provider-cases.ts'
import { startFakeOpenAI } from './fake-openai.ts'
import { startFakeAzureOpenAI, startFakeDatabricks, startFakeLlamaCpp, startFakeLmStudio, startFakeMoonshot, startFakeOpenRouter } from './fake-openai-dialects.ts'

function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map((part) => typeof part?.text === 'string' ? part.text : '').join('')
  return ''
}

/**
 * Tool messages at the end of an OpenAI body (after any trailing user text). With strict roles the user
 * text is folded into the last tool message after a blank line: `folded` strips it.
 */
export function openAIToolResults (body: any, folded = false): ToolResultSeen[] {
  const messages = body.messages as any[]
  const out: ToolResultSeen[] = []
  let i = messages.length - 1
  while (i >= 0 && messages[i].role === 'user') i--
  for (; i >= 0 && messages[i].role === 'tool'; i--) {
    let content = text(messages[i].content)
    if (folded && i === messages.length - 1) content = content.split('\n\n')[0]!
    const isError = content.startsWith('Error: ')
    out.unshift({ id: messages[i].tool_call_id, text: isError ? content.slice('Error: '.length) : content, isError })
  }
  return out
}

const bodyModel = (request: { body: any }): string | undefined => request.body?.model

/** OpenAI itself, serving gpt-4o: its 16384-token output cap is enforced even when the scenario sets none. */
export const openAICase: ProviderCase = {
  name: 'openai (gpt-4o)',
  start: async (limits) => await startFakeOpenAI({ apiKey: 'sk-test-key', maxOutputTokens: limits?.maxOutputTokens ?? 16_384 }),
  env: (url) => ({ MODEL_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test-key', OPENAI_ENDPOINT: `${url}/v1`, OPENAI_MODEL: 'gpt-4o' }),
  upstreamModel: bodyModel,
  expectedModel: 'gpt-4o',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'OPENAI_MAX_OUTPUT_TOKENS', contextWindow: 'OPENAI_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const llamaCppCase: ProviderCase = {
  name: 'llamacpp (strict template)',
  start: async (limits) => await startFakeLlamaCpp({ apiKey: 'llama-key', maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'llamacpp', LLAMACPP_ENDPOINT: url, LLAMACPP_API_KEY: 'llama-key', LLAMACPP_MODEL: 'qwen3-coder-30b-a3b' }),
  upstreamModel: bodyModel,
  expectedModel: 'qwen3-coder-30b-a3b',
  toolResults: (body) => openAIToolResults(body, true),
  limitVariables: { maxOutputTokens: 'LLAMACPP_MAX_OUTPUT_TOKENS', contextWindow: 'LLAMACPP_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const lmStudioCase: ProviderCase = {
  name: 'lmstudio',
  start: async (limits) => await startFakeLmStudio({ maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'lmstudio', LMSTUDIO_ENDPOINT: url, LMSTUDIO_MODEL: 'qwen2.5-coder-7b-instruct' }),
  upstreamModel: bodyModel,
  expectedModel: 'qwen2.5-coder-7b-instruct',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'LMSTUDIO_MAX_OUTPUT_TOKENS', contextWindow: 'LMSTUDIO_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const openRouterCase: ProviderCase = {
  name: 'openrouter',
  start: async (limits) => await startFakeOpenRouter({ apiKey: 'sk-or-test', maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'openrouter', OPENROUTER_API_KEY: 'sk-or-test', OPENROUTER_ENDPOINT: `${url}/api/v1`, OPENROUTER_MODEL: 'anthropic/claude-sonnet-4.5' }),
  upstreamModel: bodyModel,
  expectedModel: 'anthropic/claude-sonnet-4.5',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'OPENROUTER_MAX_OUTPUT_TOKENS', contextWindow: 'OPENROUTER_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  // reasoning_details ride on the signature; the fake verifies them on replay.
  signedThinking: true,
  anthropicErrors: false
}

export const azureOpenAICase: ProviderCase = {
  name: 'azure-openai (deployments URL)',
  start: async (limits) => await startFakeAzureOpenAI({ apiKey: 'azure-openai-key', deployments: ['gpt-4o-prod'], maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: url, AZURE_OPENAI_API_KEY: 'azure-openai-key', AZURE_OPENAI_DEPLOYMENT: 'gpt-4o-prod' }),
  upstreamModel: (request) => decodeURIComponent(/\/openai\/deployments\/([^/]+)\//.exec(request.path)?.[1] ?? ''),
  expectedModel: 'gpt-4o-prod',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'AZURE_OPENAI_MAX_OUTPUT_TOKENS', contextWindow: 'AZURE_OPENAI_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const azureOpenAIV1Case: ProviderCase = {
  name: 'azure-openai (/openai/v1/, reasoning deployment)',
  start: async (limits) => await startFakeAzureOpenAI({ apiKey: 'azure-openai-key', deployments: ['o4-mini'], reasoningDeployments: ['o4-mini'], maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'azure-openai', AZURE_OPENAI_ENDPOINT: `${url}/openai/v1/`, AZURE_OPENAI_API_KEY: 'azure-openai-key', AZURE_OPENAI_DEPLOYMENT: 'o4-mini' }),
  upstreamModel: bodyModel,
  expectedModel: 'o4-mini',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'AZURE_OPENAI_MAX_OUTPUT_TOKENS', contextWindow: 'AZURE_OPENAI_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_completion_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const databricksCase: ProviderCase = {
  name: 'databricks (claude serving endpoint)',
  start: async (limits) => await startFakeDatabricks({ token: 'dapi-test-token', endpoints: ['databricks-claude-sonnet-4-5'], maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'databricks', DATABRICKS_API_BASE: url, DATABRICKS_API_KEY: 'dapi-test-token' }),
  upstreamModel: (request) => decodeURIComponent(/^\/serving-endpoints\/([^/]+)\/invocations$/.exec(request.path)?.[1] ?? ''),
  expectedModel: 'databricks-claude-sonnet-4-5',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'DATABRICKS_MAX_OUTPUT_TOKENS', contextWindow: 'DATABRICKS_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: true,
  anthropicErrors: false
}

export const moonshotCase: ProviderCase = {
  name: 'moonshot (kimi thinking)',
  start: async (limits) => await startFakeMoonshot({ apiKey: 'sk-moonshot-test', maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({ MODEL_PROVIDER: 'moonshot', MOONSHOT_API_KEY: 'sk-moonshot-test', MOONSHOT_ENDPOINT: `${url}/v1`, MOONSHOT_MODEL: 'kimi-k2-thinking' }),
  upstreamModel: bodyModel,
  expectedModel: 'kimi-k2-thinking',
  toolResults: (body) => openAIToolResults(body),
  limitVariables: { maxOutputTokens: 'MOONSHOT_MAX_OUTPUT_TOKENS', contextWindow: 'MOONSHOT_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  // Kimi thinking models get at least 16000 output tokens, Moonshot's advice (provider-moonshot README).
  minOutputTokens: 16_000,
  signedThinking: false,
  anthropicErrors: false
}

export const openAIFormatCases: ProviderCase[] = [openAICase, llamaCppCase, lmStudioCase, openRouterCase, azureOpenAICase, azureOpenAIV1Case, databricksCase, moonshotCase]
