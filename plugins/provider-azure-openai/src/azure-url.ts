// Azure OpenAI REST: https://learn.microsoft.com/azure/ai-foundry/openai/reference (deployments URLs with
// ?api-version=) and https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle (the /openai/v1/ routes).
import { LynkrConfigError, urlPathSegment } from '@lynkr/core'

export type AzureRoute = 'deployments' | 'v1' | 'direct'

export interface AzureTarget {
  route: AzureRoute
  /** The deployment used when a request names none (from the URL, else AZURE_OPENAI_DEPLOYMENT). */
  deployment: string
  /** The chat-completions URL for a deployment (v1 and direct URLs carry it in the body's `model`). */
  chatUrl: (deployment: string) => string
  healthUrl: string
}

/** AZURE_OPENAI_API_VERSION values that select the version-less /openai/v1/ routes. */
const V1_VERSIONS = new Set(['v1', 'preview', 'latest'])

/**
 * Accepts every form users paste into AZURE_OPENAI_ENDPOINT:
 * - `https://res.openai.azure.com` (or `…/openai`): classic deployments URLs, unless the API version is
 *   `v1`/`preview`/`latest`, which selects `/openai/v1/`;
 * - a full `…/openai/deployments/<name>/chat/completions?api-version=…` URL: its deployment and version win;
 * - a `…/openai/v1/…` URL: the v1 routes (`model` = deployment; `?api-version=preview` kept if given);
 * - any other `…/chat/completions` URL (Azure AI Foundry `…/models/chat/completions`): used as is, with api-version.
 */
export function resolveAzureTarget (endpoint: string, deployment: string, apiVersion: string): AzureTarget {
  let url: URL
  try { url = new URL(endpoint) } catch {
    throw new LynkrConfigError(`AZURE_OPENAI_ENDPOINT="${endpoint}" is not a URL (expected e.g. https://my-resource.openai.azure.com)`, 'AZURE_OPENAI_ENDPOINT')
  }
  const origin = url.origin
  const path = url.pathname.replace(/\/+$/, '')
  const version = url.searchParams.get('api-version') ?? apiVersion
  const query = (value: string): string => `?api-version=${encodeURIComponent(value)}`

  const classic = /^(.*?)\/openai\/deployments\/([^/]+)/.exec(path)
  if (classic !== null) return deploymentsTarget(origin + classic[1], decodeURIComponent(classic[2]!), version)

  const v1 = /^(.*?)\/openai\/v1(?:\/|$)/.exec(path + '/')
  if (v1 !== null) return v1Target(origin + v1[1], deployment, url.searchParams.get('api-version') ?? (apiVersion === 'preview' || apiVersion === 'latest' ? apiVersion : undefined))

  if (path.endsWith('/chat/completions')) {
    if (V1_VERSIONS.has(version)) throw new LynkrConfigError(`AZURE_OPENAI_ENDPOINT="${endpoint}" needs a dated AZURE_OPENAI_API_VERSION, not "${version}"`, 'AZURE_OPENAI_API_VERSION')
    const chat = origin + path + query(version)
    return { route: 'direct', deployment, chatUrl: () => chat, healthUrl: origin + path.replace(/\/chat\/completions$/, '/info') + query(version) }
  }

  const base = origin + path.replace(/\/openai$/, '')
  if (V1_VERSIONS.has(apiVersion)) return v1Target(base, deployment, apiVersion === 'v1' ? undefined : apiVersion)
  return deploymentsTarget(base, deployment, version)
}

function deploymentsTarget (base: string, deployment: string, version: string): AzureTarget {
  if (V1_VERSIONS.has(version)) {
    throw new LynkrConfigError(`AZURE_OPENAI_API_VERSION="${version}" selects the /openai/v1/ routes, but AZURE_OPENAI_ENDPOINT names a deployments URL; use a dated version such as 2024-10-21`, 'AZURE_OPENAI_API_VERSION')
  }
  const query = `?api-version=${encodeURIComponent(version)}`
  return {
    route: 'deployments',
    deployment,
    chatUrl: (name) => `${base}/openai/deployments/${urlPathSegment(name, 'deployment')}/chat/completions${query}`,
    healthUrl: `${base}/openai/models${query}`
  }
}

function v1Target (base: string, deployment: string, version: string | undefined): AzureTarget {
  const query = version === undefined ? '' : `?api-version=${encodeURIComponent(version)}`
  const chat = `${base}/openai/v1/chat/completions${query}`
  return { route: 'v1', deployment, chatUrl: () => chat, healthUrl: `${base}/openai/v1/models${query}` }
}
