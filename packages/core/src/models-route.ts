import type { FastifyInstance } from 'fastify'
import type { ModelInfo } from '@lynkr/protocol'

/** Every model lynkr can route to, as `provider:model` ids (the syntax clients use to pick one). */
export function listRoutableModels (app: FastifyInstance): ModelInfo[] {
  const seen = new Set<string>()
  const models: ModelInfo[] = []
  const add = (model: ModelInfo, provider: string): void => {
    const id = `${provider}:${model.id}`
    if (seen.has(id)) return
    seen.add(id)
    models.push({ ...model, id })
  }
  for (const adapter of app.lynkr.providers.list()) {
    for (const model of [{ id: adapter.defaultModel, provider: adapter.id }, ...adapter.listModels()]) add(model, adapter.id)
  }
  // Tier targets (and whatever else a routing strategy sends requests to).
  for (const target of app.lynkr.routing.targets()) {
    if (app.lynkr.providers.has(target.provider)) add({ id: target.model, provider: target.provider }, target.provider)
  }
  return models
}

/**
 * GET /v1/models is shared by the Anthropic and OpenAI front doors (same path, different shapes). Each
 * front door calls this; the first registers the route, which answers in the dialect of the caller.
 */
export function registerModelsRoute (app: FastifyInstance): void {
  // hasRoute takes the full path: under a prefix (`register(lynkr, { prefix: '/llm' })`) that is /llm/v1/models.
  if (app.hasRoute({ method: 'GET', url: `${app.prefix}/v1/models` })) return
  // Not a dialect route, but it lists what the gateway serves: behind LYNKR_API_KEY like the model routes.
  app.get('/v1/models', { config: { access: 'key' } }, async (request, reply) => {
    const dialect = app.lynkr.dialects.pick(request)
    const models = listRoutableModels(app)
    if (dialect?.formatModels === undefined) return { data: models }
    return reply.send(dialect.formatModels(models))
  })
}
