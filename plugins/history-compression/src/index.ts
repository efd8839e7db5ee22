import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { failureLogFields, providerNamedBy, splitProviderModel } from '@lynkr/core'
import { historyCompressionStep } from './history-step.ts'
import type { HistoryOptions } from './history-step.ts'
import { MemorySummaryStore } from './summary-store.ts'
import type { SummaryStore } from './summary-store.ts'
import { SqliteSummaryStore, summaryMigrations } from './summary-store-sqlite.ts'
import type { SqliteHandle, Kysely } from '@lynkr/storage'
import { describeSummaryChoice, refusesModel, summaryRoute } from './summary-model.ts'
import type { SummaryModelChoice, SummaryRoute } from './summary-model.ts'

export interface HistoryPluginOptions extends Omit<HistoryOptions, 'summarise' | 'summaries'> {
  /** What writes summaries: HISTORY_SUMMARY_MODEL, else TIER_SIMPLE, else a cheaper sibling of the request's model. */
  summaryModel: SummaryModelChoice
}

async function historyCompression (app: FastifyInstance, options: HistoryPluginOptions): Promise<void> {
  const { summaryModel, ...policy } = options
  // Frozen summaries go to the embedded store when the storage plugin is loaded (usage or memory need it; it may
  // register after this plugin, hence onReady), so a restart sends the same summary; otherwise memory only.
  let store: SummaryStore = new MemorySummaryStore(policy.maxSessions ?? 1000)
  app.addHook('onReady', async () => {
    if (!app.hasDecorator('sqlite')) return
    const storage = app as unknown as { sqlite: Kysely<any>, sqliteHandle: SqliteHandle }
    // Imported only here: @lynkr/storage loads the native driver, already loaded when the store is there.
    const { migrate } = await import('@lynkr/storage')
    await migrate(storage.sqlite, 'history-compression', summaryMigrations)
    const sqlite = new SqliteSummaryStore(storage.sqliteHandle, app.log)
    sqlite.prune(Date.now())
    store = sqlite
  })
  // Summary models that failed: refused ones (4xx) go straight to the request's model; each is logged once.
  const refused = new Set<string>()
  const warned = new Set<string>()
  if (policy.summariseOlder !== false) app.addHook('onReady', async () => { app.log.info(`history compression: ${describeSummaryChoice(summaryModel)}`) })
  app.lynkr.pipeline.use(historyCompressionStep({
    ...policy,
    summaries: { load: (key) => store.load(key), save: (key, summary) => { store.save(key, summary) } },
    summarise: async (request, context) => {
      const own = { provider: context.decision.provider, model: context.decision.model }
      const ask = async (route: SummaryRoute): Promise<string> => {
        const { message } = await app.lynkr.chat.internal({ purpose: 'summarise', request, route, log: context.log })
        return message.content.filter((block) => block.type === 'text').map((block) => (block as { text: string }).text).join('\n')
      }
      const target = summaryRoute(summaryModel, own, {
        isProvider: (id) => app.lynkr.providers.get(id) !== undefined,
        inputPrice: (provider, model) => app.lynkr.pricing.priceOf(provider, model)?.input
      })
      const name = `${target.provider}:${target.model}`
      if ((target.provider === own.provider && target.model === own.model) || refused.has(name)) return await ask(own)
      try {
        return await ask(target)
      } catch (error) {
        // The summary must not be lost: the request's own model writes it instead. A model the upstream refuses
        // (unknown, no access) is not asked again; a passing failure (5xx, timeout) is tried again next time.
        if (refusesModel(error) && refused.size < 100) refused.add(name)
        if (!warned.has(name)) {
          warned.add(name)
          context.log.warn({ ...failureLogFields(error), summaryModel: name, source: target.source }, `history compression: summarising on ${name} failed; summarising on the request's model ${own.provider}:${own.model} instead`)
        }
        return await ask(own)
      }
    }
  }))
}

export default fp(historyCompression, { name: '@lynkr/history-compression', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'pipeline',
  enabledBy: ['HISTORY_COMPRESSION_ENABLED'],
  // HISTORY_SUMMARY_MODEL=ollama:qwen2.5:3b: summaries go to ollama, so ollama is enabled.
  selectProviders: (env, known) => providerNamedBy(env, 'HISTORY_SUMMARY_MODEL', known),
  env: Type.Object({
    HISTORY_COMPRESSION_ENABLED: Type.Boolean({ default: false, description: 'token phase 6: old tool results cleared in rare, cost-modelled batches (sticky per session) and older turns summarised once near the window\'s end' }),
    HISTORY_KEEP_RECENT_TURNS: Type.Integer({ default: 0, minimum: 0, description: 'tool results of the last N assistant turns are never cleared; 0 = by provider: 2 with a prompt cache, 3 without and local' }),
    HISTORY_SUMMARIZE_OLDER: Type.Boolean({ default: true, description: 'near the window\'s end, summarise older turns once (an internal call) and keep that summary frozen' }),
    HISTORY_SUMMARY_MODEL: Type.Optional(Type.String({ description: 'model that writes summaries: provider:model, or a model of the request\'s provider; default TIER_SIMPLE with tier routing, else a cheaper model of the request\'s provider where one is known (Claude → Haiku 4.5, GPT → its mini, Gemini Pro → 2.5 Flash), else the request\'s model; a failed call falls back to the request\'s model' })),
    TOKEN_BUDGET_WARNING: Type.Integer({ default: 0, minimum: 0, description: 'prompt tokens above which a batch of old tool results is cleared; 0 = by provider: 7 % of the window with a prompt cache, 10 % without, half a local window' }),
    TOKEN_BUDGET_MAX: Type.Integer({ default: 0, minimum: 0, description: 'prompt tokens above which older turns are summarised; 0 = 85 % of the window' }),
    TOKEN_BUDGET_ENFORCEMENT: Type.Boolean({ default: true, description: 'false: never summarise (batched clearing still runs)' })
  }),
  toOptions: (env, runtime): HistoryPluginOptions => ({
    keepRecentTurns: env.HISTORY_KEEP_RECENT_TURNS > 0 ? env.HISTORY_KEEP_RECENT_TURNS : undefined,
    warningTokens: env.TOKEN_BUDGET_WARNING > 0 ? env.TOKEN_BUDGET_WARNING : undefined,
    maxTokens: env.TOKEN_BUDGET_MAX > 0 ? env.TOKEN_BUDGET_MAX : undefined,
    summariseOlder: env.HISTORY_SUMMARIZE_OLDER && env.TOKEN_BUDGET_ENFORCEMENT,
    summaryModel: { explicit: env.HISTORY_SUMMARY_MODEL?.trim() || undefined, simpleTier: simpleTierOf(runtime.env) }
  })
})

/** The router's TIER_SIMPLE, read from the environment (a plugin never imports another): only when all four TIER_* turn tier routing on. */
function simpleTierOf (env: Record<string, string | undefined>): SummaryRoute | undefined {
  if (!['TIER_SIMPLE', 'TIER_MEDIUM', 'TIER_COMPLEX', 'TIER_REASONING'].every((name) => (env[name]?.trim() ?? '') !== '')) return undefined
  const split = splitProviderModel(env.TIER_SIMPLE!.trim())
  return split === null ? undefined : { provider: split.provider.trim().toLowerCase(), model: split.model.trim() }
}

export { historyCompressionStep } from './history-step.ts'
export { describeSummaryChoice, summaryRoute } from './summary-model.ts'
export { applyCleared, batchPaysOff, chooseBatch, estimateTokens, frontierOf, markFrontier, messageTokens, rewriteFrom } from './clear-history.ts'
export { classify, recentStart, resultsOf } from './result-kinds.ts'
export { readRoles } from './working-set.ts'
export { pathsNamed, placeholderFor } from './stubs.ts'
export { isCompactionRequest } from '@lynkr/core'
export { policyFor } from './policy.ts'
export { applySummary, summaryRequest } from './summary.ts'
export { MemorySummaryStore } from './summary-store.ts'
export type { SummaryStore } from './summary-store.ts'
export { SqliteSummaryStore, summaryMigrations } from './summary-store-sqlite.ts'
