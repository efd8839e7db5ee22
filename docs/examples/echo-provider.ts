// A provider: answers every request with the last user text. A real provider translates the request into
// its upstream's dialect and the reply back into parts (see plugins/provider-*/).
import { fp, defineManifest, Type } from 'lynkr'
import type { ChatRequest, ProviderAdapter, UpstreamPart } from 'lynkr'

function lastUserText (request: ChatRequest): string {
  const user = request.messages.filter((message) => message.role === 'user').at(-1)
  return user?.content.map((block) => block.type === 'text' ? block.text : '').join('') ?? ''
}

function answer (request: ChatRequest): UpstreamPart[] {
  const text = `echo: ${lastUserText(request)}`
  return [
    { type: 'response-start', model: request.model },
    { type: 'text-delta', text },
    { type: 'usage', usage: { input_tokens: 10, output_tokens: text.length } },
    { type: 'finish', reason: 'end_turn' }
  ]
}

const adapter: ProviderAdapter = {
  specificationVersion: 'v1',
  id: 'echo',
  defaultModel: 'echo-1',
  listModels: () => [{ id: 'echo-1', provider: 'echo', contextWindow: 8192 }],
  // What steps learn about this provider (fields left out get defaults: no prompt cache, limits from listModels).
  capabilities: () => ({ promptCache: 'none', maxOutputTokens: 1024 }),
  chat: async (request) => answer(request),
  chatStream: async (request) => (async function * () { yield * answer(request) })()
}

export default fp(async (app) => { app.lynkr.providers.register(adapter) }, { name: 'lynkr-echo-provider', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'provider',
  providers: ['echo'],
  // On only when selected (MODEL_PROVIDER=echo, a tier) or ECHO_ENABLED is set.
  enabledBy: ['ECHO_ENABLED'],
  env: Type.Object({ ECHO_ENABLED: Type.Optional(Type.String({ description: 'enables the echo provider' })) }),
  toOptions: () => ({})
})
