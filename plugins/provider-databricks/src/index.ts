// Databricks Model Serving: https://docs.databricks.com/aws/en/machine-learning/model-serving/score-foundation-models
// (chat requests in OpenAI format on POST /serving-endpoints/<name>/invocations; Claude endpoints accept
// `thinking` and answer reasoning as content parts with a signature).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { ANTHROPIC_TURN_BLOCKS, defineManifest, toolTurnLacksThinking } from '@lynkr/protocol'
import type { ChatRequest, ContentBlock, ProviderAdapter, TurnBlocks } from '@lynkr/protocol'
import { LynkrConfigError, UpstreamClient, limitOptions, limitVariables, parseUrlVariable, registerUpstreamProvider, requireVariable, urlPathSegment, withModelLimits } from '@lynkr/core'
import type { ModelLimits } from '@lynkr/core'
import { createOpenAICompatibleAdapter, modelLimitsResolver, thinkTagsVariable } from '@lynkr/openai-chat'
import type { OpenAIChatBody } from '@lynkr/openai-chat'

export interface DatabricksPluginOptions {
  /** Workspace URL, e.g. https://dbc-1234.cloud.databricks.com (no trailing slash). */
  apiBase: string
  /** The serving endpoint used when a request names none. */
  endpoint: string
  token: string
  limits?: ModelLimits
  /** Recover a `<think>…</think>` the answer opens with (DATABRICKS_THINK_TAGS, default on). */
  thinkTags?: boolean
  timeoutMs: number
  dispatcher?: unknown
}

/**
 * DATABRICKS_ENDPOINT_PATH as the original Lynkr took it (`/serving-endpoints/<name>/invocations`), or just
 * the endpoint name.
 */
export function endpointName (value: string): string {
  const text = value.trim()
  const match = /^\/?serving-endpoints\/([^/]+)(?:\/invocations)?\/?$/.exec(text)
  if (match !== null) return decodeURIComponent(match[1]!)
  if (/^[A-Za-z0-9_.-]+$/.test(text)) return text
  throw new LynkrConfigError(`DATABRICKS_ENDPOINT_PATH="${value}" must be /serving-endpoints/<endpoint-name>/invocations or an endpoint name`, 'DATABRICKS_ENDPOINT_PATH')
}

export function invocationsUrl (apiBase: string, endpoint: string): string {
  return `${apiBase.replace(/\/+$/, '')}/serving-endpoints/${urlPathSegment(endpoint, 'endpoint')}/invocations`
}

/** Claude behind Databricks keeps Claude's rule: a tool turn in progress must open with (signed) reasoning. */
const DATABRICKS_TURN_BLOCKS: TurnBlocks<ContentBlock> = {
  ...ANTHROPIC_TURN_BLOCKS,
  opensTurn: (block) => block.type === 'thinking' && typeof block.signature === 'string' && block.signature !== ''
}

/**
 * The endpoint is named by the URL, so the body carries no `model`. Claude endpoints take Anthropic's
 * `thinking` object as an extra body field (adaptive thinking becomes a budget, as they only know budgets);
 * it is left off when the tool turn in progress has no reasoning Databricks signed (Claude would refuse it).
 */
export function databricksBody (body: OpenAIChatBody, request: ChatRequest): OpenAIChatBody {
  const { model: _model, ...rest } = body
  const out = rest as OpenAIChatBody
  if (/claude/i.test(request.model)) {
    const thinking = request.thinking
    const maxTokens = request.max_tokens
    let budget: number | undefined
    if (thinking?.type === 'enabled') budget = thinking.budget_tokens
    else if (thinking?.type === 'adaptive') budget = Math.min(16_000, maxTokens - 1)
    if (budget !== undefined && budget >= 1024 && budget < maxTokens && !toolTurnLacksThinking(request.messages, DATABRICKS_TURN_BLOCKS)) out.thinking = { type: 'enabled', budget_tokens: budget }
  }
  return out
}

export function createDatabricksAdapter (options: DatabricksPluginOptions, client: UpstreamClient): ProviderAdapter {
  return withModelLimits(createOpenAICompatibleAdapter({
    id: 'databricks',
    chatUrl: (request) => invocationsUrl(options.apiBase, request.model),
    model: options.endpoint,
    headers: { authorization: `Bearer ${options.token}` },
    // Claude endpoints verify thinking signatures on replay: reasoning goes back as signed content parts.
    quirks: { maxTokensField: 'max_tokens', reasoningParts: true },
    finishBody: databricksBody,
    leadingThinkTags: options.thinkTags !== false,
    healthUrl: `${options.apiBase.replace(/\/+$/, '')}/api/2.0/serving-endpoints/${encodeURIComponent(options.endpoint)}`,
    client
  }), modelLimitsResolver(options.limits))
}

async function databricksProvider (app: FastifyInstance, options: DatabricksPluginOptions): Promise<void> {
  registerUpstreamProvider(app, 'databricks', options, (client) => createDatabricksAdapter(options, client))
}

export default fp(databricksProvider, { name: '@lynkr/provider-databricks', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['databricks'],
  enabledBy: ['DATABRICKS_API_KEY'],
  secrets: ['DATABRICKS_API_KEY'],
  env: Type.Object({
    DATABRICKS_API_BASE: Type.Optional(Type.String()),
    DATABRICKS_API_KEY: Type.Optional(Type.String()),
    DATABRICKS_ENDPOINT_PATH: Type.String({ default: '/serving-endpoints/databricks-claude-sonnet-4-5/invocations' }),
    ...thinkTagsVariable('DATABRICKS'),
    ...limitVariables('DATABRICKS')
  }),
  toOptions: (env, runtime): DatabricksPluginOptions => {
    const base = requireVariable(env.DATABRICKS_API_BASE, 'DATABRICKS_API_BASE', 'databricks needs the workspace URL, e.g. https://dbc-1234.cloud.databricks.com')
    return {
      apiBase: parseUrlVariable(base, 'DATABRICKS_API_BASE').toString().replace(/\/+$/, ''),
      endpoint: endpointName(env.DATABRICKS_ENDPOINT_PATH),
      thinkTags: env.DATABRICKS_THINK_TAGS,
      token: requireVariable(env.DATABRICKS_API_KEY, 'DATABRICKS_API_KEY', 'databricks needs a personal access token (dapi…)'),
      ...limitOptions(env, 'DATABRICKS'),
      dispatcher: runtime.dispatcher
    }
  }
})
