import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { providerNamedBy, splitProviderModel } from '@lynkr/core'
import { historyCompressionStep } from './history-step.ts'
import type { HistoryOptions } from './history-step.ts'
import { MemorySummaryStore } from './summary-store.ts'
import type { SummaryStore } from './summary-store.ts'
import { SqliteSummaryStore, summaryMigrations } from './summary-store-sqlite.ts'
import type { SqliteHandle, Kysely } from '@lynkr/storage'

export interface HistoryPluginOptions extends Omit<HistoryOptions, 'summarise' | 'summaries'> {
  /** `provider:model` (or a model of the request's provider) that writes summaries; undefined = the request's own. */
  summaryModel: string | undefined
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
  app.lynkr.pipeline.use(historyCompressionStep({
    ...policy,
    summaries: { load: (key) => store.load(key), save: (key, summary) => { store.save(key, summary) } },
    summarise: async (request, context) => {
      const named = summaryModel === undefined ? null : splitProviderModel(summaryModel)
      // `ollama:qwen2.5:0.5b` names a provider; `qwen2.5:0.5b` alone is a model of the request's provider.
      const route = named !== null && app.lynkr.providers.get(named.provider) !== undefined
        ? { provider: named.provider, model: named.model }
        : { provider: context.decision.provider, model: summaryModel ?? context.decision.model }
      const { message } = await app.lynkr.chat.internal({ purpose: 'summarise', request, route, log: context.log })
      return message.content.filter((block) => block.type === 'text').map((block) => (block as { text: string }).text).join('\n')
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
    HISTORY_SUMMARY_MODEL: Type.Optional(Type.String({ description: 'model that writes summaries: provider:model, or a model of the request\'s provider (pick a cheap one); default the request\'s model' })),
    TOKEN_BUDGET_WARNING: Type.Integer({ default: 0, minimum: 0, description: 'prompt tokens above which a batch of old tool results is cleared; 0 = by provider: 7 % of the window with a prompt cache, 10 % without, half a local window' }),
    TOKEN_BUDGET_MAX: Type.Integer({ default: 0, minimum: 0, description: 'prompt tokens above which older turns are summarised; 0 = 85 % of the window' }),
    TOKEN_BUDGET_ENFORCEMENT: Type.Boolean({ default: true, description: 'false: never summarise (batched clearing still runs)' })
  }),
  toOptions: (env): HistoryPluginOptions => ({
    keepRecentTurns: env.HISTORY_KEEP_RECENT_TURNS > 0 ? env.HISTORY_KEEP_RECENT_TURNS : undefined,
    warningTokens: env.TOKEN_BUDGET_WARNING > 0 ? env.TOKEN_BUDGET_WARNING : undefined,
    maxTokens: env.TOKEN_BUDGET_MAX > 0 ? env.TOKEN_BUDGET_MAX : undefined,
    summariseOlder: env.HISTORY_SUMMARIZE_OLDER && env.TOKEN_BUDGET_ENFORCEMENT,
    summaryModel: env.HISTORY_SUMMARY_MODEL?.trim() === '' ? undefined : env.HISTORY_SUMMARY_MODEL?.trim()
  })
})

export { historyCompressionStep } from './history-step.ts'
export { applyCleared, batchPaysOff, chooseBatch, estimateTokens, frontierOf, markFrontier, messageTokens, recentStart, rewriteFrom } from './clear-history.ts'
export { classify, readRoles, resultsOf } from './result-kinds.ts'
export { pathsNamed, placeholderFor } from './stubs.ts'
export { isCompactionRequest } from '@lynkr/core'
export { policyFor } from './policy.ts'
export { applySummary, summaryRequest } from './summary.ts'
export { MemorySummaryStore } from './summary-store.ts'
export type { SummaryStore } from './summary-store.ts'
export { SqliteSummaryStore, summaryMigrations } from './summary-store-sqlite.ts'
