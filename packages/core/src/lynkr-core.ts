import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { LynkrError } from '@lynkr/protocol'
import type { Catalog } from './catalog.ts'
import { ChatService } from './chat.ts'
import { LynkrConfigError } from './config-error.ts'
import { DialectRegistry } from './dialects.ts'
import { installErrorHandling } from './error-handler.ts'
import { parseByteSize } from './parse-byte-size.ts'
import { Pipeline } from './pipeline.ts'
import { ProviderRegistry } from './provider-registry.ts'
import { readPluginEnv } from './read-plugin-env.ts'
import { resolvePlugins } from './resolve-plugins.ts'
import { Routing } from './routing.ts'
import { selectPlugins } from './select-plugins.ts'
import { loadTokenizer } from './tokens/count-tokens.ts'

export interface LynkrCoreOptions {
  catalog: Catalog
  /** The environment record to configure from; defaults to process.env. */
  env?: Record<string, string | undefined>
  /** An undici dispatcher shared with every provider (tests, embedders); never closed by us. */
  dispatcher?: unknown
}

const DEFAULT_BODY_LIMIT = 32 * 1024 * 1024

function createLynkr (env: Record<string, string | undefined>, defaultProvider: string) {
  const providers = new ProviderRegistry()
  const pipeline = new Pipeline()
  const routing = new Routing(providers, defaultProvider)
  const dialects = new DialectRegistry()
  const limitText = env.REQUEST_JSON_LIMIT?.trim()
  const bodyLimit = limitText ? parseByteSize(limitText) : DEFAULT_BODY_LIMIT
  if (bodyLimit === null) throw new LynkrConfigError(`REQUEST_JSON_LIMIT="${limitText}" must be a size such as 32mb, 512kb or a byte count`, 'REQUEST_JSON_LIMIT')
  return {
    env,
    providers,
    pipeline,
    routing,
    dialects,
    chat: new ChatService(providers, routing, pipeline),
    /** Largest accepted JSON body, for front-door routes. */
    bodyLimit,
    /** Optional shared key clients must present (x-api-key or Bearer); any key is accepted when unset. */
    apiKey: env.LYNKR_API_KEY?.trim() || undefined,
    /** Loaded plugin ids, in registration order. */
    plugins: [] as string[],
    /** What the boot wants the operator to know (shown in the log and /health/ready). */
    notes: [] as string[]
  }
}

export type LynkrCore = ReturnType<typeof createLynkr>

declare module 'fastify' {
  interface FastifyInstance { lynkr: LynkrCore }
  interface FastifyContextConfig {
    /** The client dialect a route speaks, for error shapes. */
    dialect?: string
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

function keysMatch (expected: string, given: string | undefined): boolean {
  if (given === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function lynkrCore (app: FastifyInstance, options: LynkrCoreOptions): Promise<void> {
  const env = options.env ?? process.env
  const selection = selectPlugins(env, options.catalog)
  const lynkr = createLynkr(env, selection.defaultProvider)
  lynkr.notes.push(...selection.notes)
  app.decorate('lynkr', lynkr)
  installErrorHandling(app, lynkr.dialects)

  if (lynkr.apiKey !== undefined) {
    const key = lynkr.apiKey
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.dialect === undefined) return
      if (!keysMatch(key, presentedKey(request))) {
        throw new LynkrError('authentication', 'Invalid API key: send the key set in LYNKR_API_KEY as x-api-key or Authorization: Bearer', { code: 'LYNKR_AUTH_INVALID_KEY' })
      }
    })
  }

  const { ordered, added } = await resolvePlugins(selection.ids, options.catalog)
  for (const note of added) app.log.info(`enabling ${note}`)
  for (const plugin of ordered) {
    let pluginOptions: unknown
    try {
      const slice = readPluginEnv(plugin.module.manifest.env, env, plugin.entry.id)
      pluginOptions = plugin.module.manifest.toOptions(slice, { env, dispatcher: options.dispatcher })
    } catch (error) {
      if (error instanceof LynkrConfigError) throw new LynkrConfigError(`${plugin.entry.id}: ${error.message.replace(`${plugin.entry.id}: `, '')}`, error.variable)
      throw error
    }
    await app.register(plugin.module.default, pluginOptions as Record<string, unknown>)
    lynkr.plugins.push(plugin.entry.id)
  }

  app.addHook('onReady', async () => {
    if (!lynkr.providers.has(selection.defaultProvider)) {
      throw new LynkrConfigError(`MODEL_PROVIDER="${selection.defaultProvider}" did not register a provider (is its plugin in LYNKR_PLUGINS?)`, 'MODEL_PROVIDER')
    }
    for (const note of lynkr.notes) app.log.warn(note)
  })
  // The tokenizer ranks take a moment to load: do it off the request path.
  loadTokenizer().catch((error) => app.log.warn({ err: error }, 'tokenizer failed to load'))
}

export default fp(lynkrCore, { name: '@lynkr/core', fastify: '5.x' })
