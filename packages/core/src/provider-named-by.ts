import type { KnownProviders, ProviderSelection } from '@lynkr/protocol'
import { splitProviderModel } from './routing.ts'

/**
 * For a manifest's `selectProviders`: a variable holding a model as a client names it (`ollama:qwen2.5:3b`)
 * needs that provider enabled, or every call it makes would be refused as "not enabled". A value without a
 * known provider before its first colon (a model of the request's own provider) selects nothing.
 */
export function providerNamedBy (env: Record<string, string | undefined>, variable: string, known: KnownProviders): ProviderSelection {
  const text = env[variable]?.trim() ?? ''
  const provider = splitProviderModel(text)?.provider.toLowerCase()
  if (provider === undefined || !known.all.includes(provider)) return { providers: [] }
  return { providers: [{ provider, variable, reason: `${variable}=${text}` }] }
}
