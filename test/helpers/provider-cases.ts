/**
 * The table the conformance suite (test/conformance.test.ts) runs against: one row per provider
 * configuration, each with its fake upstream and the few wire-format readers the scenarios need. To add
 * a provider, add a row here (or push one from another file) — the scenarios stay the same.
 */
import type { FakeUpstream } from './fake-script.ts'
import { isRecord } from './fake-script.ts'
import { startFakeAnthropic } from './fake-anthropic.ts'
import { startFakeBedrock } from './fake-bedrock.ts'
import { startFakeGemini } from './fake-gemini.ts'
import { startFakeOpenAI } from './fake-openai.ts'
import { openAIFormatCases } from './openai-provider-cases.ts'

export interface FakeLimits {
  /** The fake rejects max_tokens above this, as the real target does. */
  maxOutputTokens?: number
}

export interface ToolResultSeen { id?: string, text: string, isError?: boolean }

export interface ProviderCase {
  /** Test label, e.g. `bedrock (converse, sigv4)`. */
  name: string
  /** Starts the fake upstream (with an output cap when the limits scenario asks for one). */
  start: (limits?: FakeLimits) => Promise<FakeUpstream>
  /** Gateway environment that points the provider at the fake. */
  env: (fakeUrl: string) => Record<string, string>
  /** The model every upstream request must name. */
  upstreamModel: (request: { path: string, body: any }) => string | undefined
  expectedModel: string
  /** Tool results in the last upstream request, in order. */
  toolResults: (body: any) => ToolResultSeen[]
  /** Variables that override the per-model limits table. */
  limitVariables: { maxOutputTokens: string, contextWindow: string }
  /** max_tokens as the upstream received it. */
  maxTokensSent: (body: any) => number | undefined
  /** The provider raises a smaller max_tokens to this on purpose (Moonshot's thinking models). */
  minOutputTokens?: number
  /** Thinking comes back with a signature the upstream verifies on replay. */
  signedThinking: boolean
  /** Anthropic-format upstream: error bodies must reach the client unmodified. */
  anthropicErrors: boolean
}

function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map((part) => isRecord(part) && typeof part.text === 'string' ? part.text : '').join('')
  return ''
}

function anthropicToolResults (body: any): ToolResultSeen[] {
  const last = (body.messages as any[]).at(-1)
  return (last?.content ?? []).filter((block: any) => block.type === 'tool_result').map((block: any) => ({ id: block.tool_use_id, text: text(block.content), isError: block.is_error === true }))
}

const AWS = { accessKeyId: 'AKIDEXAMPLELYNKR', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example', region: 'eu-west-3' }
const CLAUDE_BETAS = ['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14', 'claude-code-20250219', 'context-management-2025-06-27', 'effort-2025-11-24', 'advanced-tool-use-2025-11-20']

export const bedrockConverseCase: ProviderCase = {
  name: 'bedrock (converse, sigv4)',
  start: async (limits) => await startFakeBedrock({ credentials: AWS, maxOutputTokens: limits?.maxOutputTokens }),
  env: (url) => ({
    MODEL_PROVIDER: 'bedrock',
    AWS_ACCESS_KEY_ID: AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
    AWS_SESSION_TOKEN: AWS.sessionToken,
    AWS_REGION: AWS.region,
    AWS_BEDROCK_MODEL_ID: 'us.amazon.nova-pro-v1:0',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url
  }),
  upstreamModel: (request) => decodeURIComponent(/^\/model\/([^/]+)\//.exec(request.path)?.[1] ?? ''),
  expectedModel: 'us.amazon.nova-pro-v1:0',
  toolResults: (body) => ((body.messages as any[]).at(-1)?.content ?? []).filter((block: any) => block.toolResult !== undefined)
    .map((block: any) => ({ id: block.toolResult.toolUseId, text: text(block.toolResult.content), isError: block.toolResult.status === 'error' })),
  limitVariables: { maxOutputTokens: 'AWS_BEDROCK_MAX_OUTPUT_TOKENS', contextWindow: 'AWS_BEDROCK_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.inferenceConfig?.maxTokens,
  signedThinking: true,
  anthropicErrors: false
}

export const bedrockInvokeCase: ProviderCase = {
  name: 'bedrock (invoke anthropic.*, api key)',
  start: async (limits) => await startFakeBedrock({ bearerToken: 'ABSKbedrock-api-key', maxOutputTokens: limits?.maxOutputTokens ?? 64_000, acceptedBetas: ['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14', 'context-management-2025-06-27', 'effort-2025-11-24'] }),
  env: (url) => ({
    MODEL_PROVIDER: 'bedrock',
    AWS_BEARER_TOKEN_BEDROCK: 'ABSKbedrock-api-key',
    AWS_BEDROCK_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    AWS_ENDPOINT_URL: url
  }),
  upstreamModel: (request) => decodeURIComponent(/^\/model\/([^/]+)\//.exec(request.path)?.[1] ?? ''),
  expectedModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  toolResults: anthropicToolResults,
  limitVariables: { maxOutputTokens: 'AWS_BEDROCK_MAX_OUTPUT_TOKENS', contextWindow: 'AWS_BEDROCK_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: true,
  anthropicErrors: false
}

export const azureAnthropicCase: ProviderCase = {
  name: 'azure-anthropic',
  start: async (limits) => await startFakeAnthropic({ apiKey: 'azure-key', acceptedBetas: CLAUDE_BETAS, maxOutputTokens: limits?.maxOutputTokens ?? 64_000 }),
  env: (url) => ({ MODEL_PROVIDER: 'azure-anthropic', AZURE_ANTHROPIC_ENDPOINT: `${url}/anthropic`, AZURE_ANTHROPIC_API_KEY: 'azure-key', AZURE_ANTHROPIC_MODEL: 'claude-sonnet-4-5' }),
  upstreamModel: (request) => request.body?.model,
  expectedModel: 'claude-sonnet-4-5',
  toolResults: anthropicToolResults,
  limitVariables: { maxOutputTokens: 'AZURE_ANTHROPIC_MAX_OUTPUT_TOKENS', contextWindow: 'AZURE_ANTHROPIC_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: true,
  anthropicErrors: true
}

export const zaiAnthropicCase: ProviderCase = {
  name: 'zai (anthropic format)',
  start: async (limits) => await startFakeAnthropic({ apiKey: 'zai-key', auth: 'either', acceptedBetas: [], maxOutputTokens: limits?.maxOutputTokens, signingSecret: 'zai-secret' }),
  env: (url) => ({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: 'zai-key', ZAI_ENDPOINT: `${url}/api/anthropic` }),
  upstreamModel: (request) => request.body?.model,
  expectedModel: 'GLM-4.7',
  toolResults: anthropicToolResults,
  limitVariables: { maxOutputTokens: 'ZAI_MAX_OUTPUT_TOKENS', contextWindow: 'ZAI_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: true,
  anthropicErrors: true
}

export const zaiOpenAICase: ProviderCase = {
  name: 'zai (openai format)',
  start: async () => await startFakeOpenAI({ apiKey: 'zai-key' }),
  env: (url) => ({ MODEL_PROVIDER: 'zai', ZAI_API_KEY: 'zai-key', ZAI_ENDPOINT: `${url}/api/paas/v4`, ZAI_MODEL: 'glm-4.6' }),
  upstreamModel: (request) => request.body?.model,
  expectedModel: 'glm-4.6',
  toolResults: (body) => {
    const messages = body.messages as any[]
    const out: ToolResultSeen[] = []
    let i = messages.length - 1
    while (i >= 0 && messages[i].role === 'user') i-- // the user text after the tool results
    for (; i >= 0 && messages[i].role === 'tool'; i--) out.unshift({ id: messages[i].tool_call_id, text: text(messages[i].content).replace(/^Error: /, ''), isError: /^Error: /.test(text(messages[i].content)) })
    return out
  },
  limitVariables: { maxOutputTokens: 'ZAI_MAX_OUTPUT_TOKENS', contextWindow: 'ZAI_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.max_tokens,
  signedThinking: false,
  anthropicErrors: false
}

export const vertexCase: ProviderCase = {
  name: 'vertex (gemini)',
  start: async (limits) => await startFakeGemini({ apiKey: 'gemini-key', maxOutputTokens: limits?.maxOutputTokens ?? 65_536 }),
  env: (url) => ({ MODEL_PROVIDER: 'vertex', VERTEX_API_KEY: 'gemini-key', VERTEX_ENDPOINT: url, VERTEX_MODEL: 'gemini-2.5-pro' }),
  upstreamModel: (request) => decodeURIComponent(/\/models\/([^/:]+):/.exec(request.path)?.[1] ?? ''),
  expectedModel: 'gemini-2.5-pro',
  toolResults: (body) => {
    const last = (body.contents as any[]).at(-1)
    return (last?.parts ?? []).filter((part: any) => part.functionResponse !== undefined).map((part: any) => {
      const response = part.functionResponse.response
      return { text: String(response.result ?? response.error ?? ''), isError: response.error !== undefined }
    })
  },
  limitVariables: { maxOutputTokens: 'VERTEX_MAX_OUTPUT_TOKENS', contextWindow: 'VERTEX_CONTEXT_WINDOW' },
  maxTokensSent: (body) => body.generationConfig?.maxOutputTokens,
  // Gemini's thought signatures ride on thinking blocks, but only on parts that follow them.
  signedThinking: false,
  anthropicErrors: false
}

export const providerCases: ProviderCase[] = [bedrockConverseCase, bedrockInvokeCase, azureAnthropicCase, zaiAnthropicCase, zaiOpenAICase, vertexCase, ...openAIFormatCases]
