import type { Catalog } from '@lynkr/core'

/**
 * Every first-party plugin. This is the only module that knows them; each is imported lazily, so a
 * disabled plugin (and any native module behind it) is never loaded.
 */
export const catalog: Catalog = [
  { id: 'api-anthropic', packageName: '@lynkr/api-anthropic', kind: 'front-door', defaultOn: true, load: async () => await import('@lynkr/api-anthropic') },
  { id: 'health', packageName: '@lynkr/health', kind: 'ops', defaultOn: true, load: async () => await import('@lynkr/health') },
  { id: 'provider-ollama', packageName: '@lynkr/provider-ollama', kind: 'provider', providers: ['ollama'], load: async () => await import('@lynkr/provider-ollama') },
  { id: 'provider-openai', packageName: '@lynkr/provider-openai', kind: 'provider', providers: ['openai'], enabledBy: ['OPENAI_API_KEY'], load: async () => await import('@lynkr/provider-openai') }
]
