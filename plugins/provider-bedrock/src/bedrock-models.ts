import type { ModelLimits } from '@lynkr/core'
import { claudeModelInfo } from '@lynkr/anthropic-messages'

export interface BedrockModelProfile {
  /** The foundation-model id without region prefix or ARN (`anthropic.claude-sonnet-4-5-20250929-v1:0`). */
  baseId: string
  /** `anthropic.*`: InvokeModel with an Anthropic body. */
  anthropic: boolean
  /** Converse tool use (AWS "supported models and model features"); unknown models are assumed capable. */
  tools: boolean
  /** Converse `cachePoint` blocks. */
  promptCache: boolean
  /** Converse `toolChoice` `any`/`tool` (Claude, Nova, Mistral Large); other models refuse the field. */
  forcedToolChoice: boolean
  /** Claude only: `thinking: {type: "adaptive"}`. */
  adaptiveThinking?: boolean
  limits?: ModelLimits
}

interface Row { tools: boolean, promptCache?: boolean, forcedToolChoice?: boolean, limits?: ModelLimits }

/**
 * A small capability table by foundation-model prefix: first match wins. Limits are the documented
 * Converse caps; an unknown model gets no clamping and is left to the upstream to judge.
 */
const TABLE: ReadonlyArray<readonly [RegExp, Row]> = [
  [/^anthropic\.claude-(v2|instant)/, { tools: false, limits: { contextWindow: 100_000, maxOutputTokens: 4096 } }],
  [/^anthropic\./, { tools: true, promptCache: true, forcedToolChoice: true }],
  [/^amazon\.nova-premier/, { tools: true, forcedToolChoice: true, limits: { contextWindow: 1_000_000, maxOutputTokens: 32_000 } }],
  [/^amazon\.nova-(pro|lite)/, { tools: true, promptCache: true, forcedToolChoice: true, limits: { contextWindow: 300_000, maxOutputTokens: 10_000 } }],
  [/^amazon\.nova-micro/, { tools: true, promptCache: true, forcedToolChoice: true, limits: { contextWindow: 128_000, maxOutputTokens: 10_000 } }],
  [/^amazon\.titan-text/, { tools: false, limits: { contextWindow: 32_000, maxOutputTokens: 3072 } }],
  [/^meta\.llama3-2-(1b|3b)/, { tools: false, limits: { contextWindow: 128_000, maxOutputTokens: 2048 } }],
  [/^meta\.llama3-[1-3]-/, { tools: true, limits: { contextWindow: 128_000, maxOutputTokens: 2048 } }],
  [/^meta\.llama4-/, { tools: true, limits: { contextWindow: 1_000_000, maxOutputTokens: 8192 } }],
  [/^meta\.llama/, { tools: false, limits: { contextWindow: 8192, maxOutputTokens: 2048 } }],
  [/^mistral\.mistral-large/, { tools: true, forcedToolChoice: true, limits: { contextWindow: 128_000, maxOutputTokens: 8192 } }],
  [/^mistral\.(mistral-small|pixtral)/, { tools: true, limits: { contextWindow: 128_000, maxOutputTokens: 8192 } }],
  [/^mistral\./, { tools: false, limits: { contextWindow: 32_000, maxOutputTokens: 8192 } }],
  [/^cohere\.command-r/, { tools: true, limits: { contextWindow: 128_000, maxOutputTokens: 4096 } }],
  [/^cohere\./, { tools: false, limits: { contextWindow: 4096, maxOutputTokens: 4096 } }],
  [/^ai21\.jamba/, { tools: true, limits: { contextWindow: 256_000, maxOutputTokens: 4096 } }],
  [/^ai21\./, { tools: false }],
  [/^deepseek\.r1/, { tools: false, limits: { contextWindow: 128_000, maxOutputTokens: 32_768 } }],
  [/^deepseek\./, { tools: true }],
  [/^openai\.gpt-oss/, { tools: true, limits: { contextWindow: 128_000, maxOutputTokens: 32_768 } }],
  [/^(writer|qwen)\./, { tools: true }]
]

/** Cross-region inference profiles prefix a geography (`us.`, `eu.`, `apac.`, `global.`…). */
const PROFILE_PREFIX = /^(us|eu|apac|global|us-gov|jp|au|ca)\./

/** `us.anthropic…`, `global.amazon…`: a system-defined cross-region inference profile, not a foundation model. */
export function isInferenceProfileId (modelId: string): boolean {
  return PROFILE_PREFIX.test(modelId)
}

/** Strips an ARN (`…:inference-profile/us.anthropic…`, `…:foundation-model/…`) and a region prefix. */
export function baseModelId (modelId: string): string {
  const tail = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId
  return tail.replace(PROFILE_PREFIX, '')
}

export function bedrockModelProfile (modelId: string, betas: readonly string[] = []): BedrockModelProfile {
  const baseId = baseModelId(modelId)
  const row = TABLE.find(([pattern]) => pattern.test(baseId))?.[1]
  const anthropic = baseId.startsWith('anthropic.')
  const claude = anthropic ? claudeModelInfo(baseId, { betas }) : undefined
  return {
    baseId,
    anthropic,
    tools: row?.tools ?? true,
    promptCache: row?.promptCache ?? false,
    forcedToolChoice: row?.forcedToolChoice ?? false,
    adaptiveThinking: claude?.adaptiveThinking,
    limits: row?.limits ?? (claude === undefined ? undefined : { contextWindow: claude.contextWindow, maxOutputTokens: claude.maxOutputTokens })
  }
}
