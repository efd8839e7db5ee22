import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { LynkrError } from '@lynkr/protocol'
import type { Catalog } from './catalog.ts'
import { catalogEntryOf } from './embedder-plugins.ts'
import type { ExtraPlugin } from './embedder-plugins.ts'
import { ChatService } from './chat.ts'
import { LynkrEvents } from './events.ts'
import { Pricing, loadPriceTable, parsePriceOverrides } from './pricing.ts'
import { LynkrConfigError } from './config-error.ts'
import { DialectRegistry } from './dialects.ts'
import { installErrorHandling } from './error-handler.ts'
import { installJsonBodyParser } from './http/json-body-parser.ts'
import { readBodyLimit } from './body-limit.ts'
import { Pipeline } from './pipeline.ts'
import { ProviderRegistry } from './provider-registry.ts'
import { readPluginEnv } from './read-plugin-env.ts'
import { resolvePlugins } from './resolve-plugins.ts'
import { Routing } from './routing.ts'
import { howToEnable, selectPlugins } from './select-plugins.ts'
import type { Selection } from './select-plugins.ts'
import { holdTokenizer } from './tokens/count-tokens.ts'
import { gatewayToolsFor } from './tool-loop/gateway-tools-config.ts'
// Named here so the emitted LynkrCore type refers to this module, not to index.ts (which carries the app.lynkr augmentation).
import type { GatewayToolRegistry } from './tool-loop/gateway-tool-registry.ts'
import { automaticBreakpointStep } from './steps/automatic-breakpoint.ts'

export interface LynkrCoreOptions {
  catalog: Catalog
  /** Catalog ids of the token-optimisation phases LYNKR_TOKEN_PHASES turns on (`all` or a comma list). */
  tokenPhases?: readonly string[]
  /** An embedder's own plugins (steps, observers, providers…): they join the same composition as the catalog's. */
  plugins?: readonly ExtraPlugin[]
  /** The environment record to configure from; defaults to process.env. */
  env?: Record<string, string | undefined>
  /** An undici dispatcher shared with every provider (tests, embedders); never closed by us. */
  dispatcher?: unknown
}

const DEFAULT_SHUTDOWN_GRACE_MS = 25_000

function createLynkr (env: Record<string, string | undefined>, selection: Pick<Selection, 'defaultProvider' | 'defaultUnused'>, localProviders: ReadonlySet<string>, onListenerError: (error: unknown, name: string) => void = () => {}, prefix = '') {
  const providers = new ProviderRegistry()
  const pipeline = new Pipeline()
  // Built in, at the last stage: top-level cache_control becomes a breakpoint after every content-changing step.
  pipeline.use(automaticBreakpointStep)
  const isLocal = (provider: string): boolean => localProviders.has(provider)
  const routing = new Routing(providers, selection.defaultProvider, selection.defaultUnused === undefined)
  const dialects = new DialectRegistry(prefix)
  const bodyLimit = readBodyLimit(env)
  const graceText = env.SHUTDOWN_GRACE_MS?.trim()
  const shutdownGraceMs = graceText ? Number(graceText) : DEFAULT_SHUTDOWN_GRACE_MS
  if (!Number.isInteger(shutdownGraceMs) || shutdownGraceMs < 0) throw new LynkrConfigError(`SHUTDOWN_GRACE_MS="${graceText}" must be a number of milliseconds`, 'SHUTDOWN_GRACE_MS')
  const events = new LynkrEvents(onListenerError)
  const pricing = new Pricing(loadPriceTable(), parsePriceOverrides(env.MODEL_PRICE_OVERRIDES), isLocal)
  const chat = new ChatService(providers, routing, pipeline, events, pricing, isLocal)
  return {
    env,
    providers,
    pipeline,
    routing,
    dialects,
    /** `chat.use(middleware)` wraps every chat call of both front doors. */
    chat,
    /** Tools the gateway runs itself (server-side tool loop); the first one registered installs the loop. */
    gatewayTools: gatewayToolsFor(env, chat) as GatewayToolRegistry,
    /** Providers that run on the user's own hardware (plugins declare `local` in their catalog entry). */
    isLocal,
    /** Observable moments (upstream attempts, finished calls with usage and cost, fallbacks, breakers). */
    events,
    /** USD per million tokens per model (config/prices.json + MODEL_PRICE_OVERRIDES). */
    pricing,
    /** Named sections plugins add to GET /health/ready (circuit breakers, load). */
    status: new Map<string, () => unknown>(),
    /** How long in-flight streams may run on after SIGTERM/SIGINT before they are ended. */
    shutdownGraceMs,
    /** Largest accepted JSON body, for front-door routes. */
    bodyLimit: bodyLimit.bytes,
    /** Optional shared key clients must present (x-api-key or Bearer); any key is accepted when unset. */
    apiKey: env.LYNKR_API_KEY?.trim() || undefined,
    /** Loaded plugin ids, in registration order. */
    plugins: [] as string[],
    /** What the boot wants the operator to know (shown in the log and /health/ready). */
    notes: bodyLimit.note === undefined ? [] : [bodyLimit.note]
  }
}

export type LynkrCore = ReturnType<typeof createLynkr>

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The client dialect a route speaks, for error shapes. */
    dialect?: string
    /** `key`: behind LYNKR_API_KEY although the route has no dialect (model list, usage). Dialect routes always are. */
    access?: 'key'
  }
}

/** The client's key from either header Claude Code / OpenAI SDKs use. */
export function presentedKey (request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key']
  if (typeof header === 'string' && header !== '') return header
  const authorization = request.headers.authorization
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) return authorization.replace(/^bearer\s+/i, '')
  return undefined
}

/** Whether the request presents `expected` (constant-time comparison). */
export function presentsKey (request: FastifyRequest, expected: string): boolean {
  return keysMatch(expected, presentedKey(request))
}

function keysMatch (expected: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function lynkrCore (app: FastifyInstance, options: LynkrCoreOptions): Promise<void> {
  const env = options.env ?? process.env
  const extra = (options.plugins ?? []).map(catalogEntryOf)
  for (const entry of extra) {
    if (options.catalog.some((known) => known.id === entry.id)) throw new LynkrConfigError(`extra plugin "${entry.id}" has the id of a built-in plugin`)
  }
  const catalog = extra.length === 0 ? options.catalog : [...options.catalog, ...extra]
  const selection = await selectPlugins(env, catalog, options.tokenPhases)
  const local = new Set(catalog.filter((entry) => entry.local === true).flatMap((entry) => entry.providers ?? []))
  const lynkr = createLynkr(env, selection, local, (error, name) => app.log.error({ err: error }, `a ${name} listener failed`), app.prefix)
  lynkr.notes.push(...selection.notes)
  lynkr.chat.log = app.log
  app.decorate('lynkr', lynkr)
  installErrorHandling(app, lynkr.dialects)
  installJsonBodyParser(app)

  if (lynkr.apiKey !== undefined) {
    const key = lynkr.apiKey
    app.addHook('onRequest', (request, _reply, done) => {
      const config = request.routeOptions.config
      if ((config.dialect === undefined && config.access !== 'key') || presentsKey(request, key)) { done(); return }
      done(new LynkrError('authentication', 'Invalid API key: send the key set in LYNKR_API_KEY as x-api-key or Authorization: Bearer', { code: 'LYNKR_AUTH_INVALID_KEY' }))
    })
  }

  const explicitPlugins = (env.LYNKR_PLUGINS ?? '').trim() !== ''
  for (const entry of catalog) {
    if (selection.ids.includes(entry.id)) continue
    for (const provider of entry.providers ?? []) lynkr.routing.markNotEnabled(provider, howToEnable(entry, provider, explicitPlugins, selection.defaultUnused))
  }

  const { ordered, added } = await resolvePlugins(selection.ids, catalog)
  for (const note of added) app.log.info(`enabling ${note}`)
  for (const plugin of ordered) {
    let pluginOptions: unknown
    try {
      const slice = readPluginEnv(plugin.module.manifest.env, env, plugin.entry.id)
      pluginOptions = plugin.module.manifest.toOptions(slice, { env, dispatcher: options.dispatcher })
    } catch (error) {
      const explain = selection.explainConfigError?.[plugin.entry.id]
      if (error instanceof LynkrConfigError && explain !== undefined) {
        const explained = explain(error.message.replace(`${plugin.entry.id}: `, ''), error.variable)
        throw new LynkrConfigError(explained.message, explained.variable)
      }
      if (error instanceof LynkrConfigError) {
        // Name what turned the plugin on, so "bedrock needs credentials" is not a mystery when MODEL_PROVIDER is ollama.
        const reason = selection.enabledBecause?.[plugin.entry.id]
        const label = reason === undefined ? plugin.entry.id : `${plugin.entry.id} (enabled by ${reason})`
        throw new LynkrConfigError(`${label}: ${error.message.replace(`${plugin.entry.id}: `, '')}`, error.variable)
      }
      throw error
    }
    await app.register(plugin.module.default, pluginOptions as Record<string, unknown>)
    lynkr.plugins.push(plugin.entry.id)
  }

  // Graceful shutdown: Fastify already answers new requests with 503 while closing; in-flight streams get
  // until the deadline to finish, then end with an error event, so the server can close.
  let sweeper: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    const active = lynkr.chat.activeCalls
    if (active === 0) return
    app.log.info(`waiting up to ${lynkr.shutdownGraceMs} ms for ${active} in-flight call(s)`)
    const left = await lynkr.chat.drain(lynkr.shutdownGraceMs)
    if (left > 0) app.log.warn(`ended ${left} call(s) still running at the shutdown deadline`)
    // Node closes idle keep-alive sockets only when close() starts: a stream that ends just after would keep
    // its socket (and the process) open until the keep-alive timeout, so sweep until the server is closed.
    sweeper = setInterval(() => { app.server.closeIdleConnections?.() }, 50)
    sweeper.unref()
  })
  app.addHook('onClose', async () => { if (sweeper !== undefined) clearInterval(sweeper) })

  app.addHook('onReady', async () => {
    if (lynkr.routing.defaultInUse && !lynkr.providers.has(selection.defaultProvider)) {
      throw new LynkrConfigError(`MODEL_PROVIDER="${selection.defaultProvider}" did not register a provider (is its plugin in LYNKR_PLUGINS?)`, 'MODEL_PROVIDER')
    }
    for (const note of lynkr.notes) app.log.warn(note)
  })
  // The tokenizer loads with the first count and is shared by every gateway in the process; the last one
  // to close drops it, so a closed host gets its memory back.
  const releaseTokenizer = holdTokenizer()
  app.addHook('onClose', releaseTokenizer)
}

export default fp(lynkrCore, { name: '@lynkr/core', fastify: '5.x' })
