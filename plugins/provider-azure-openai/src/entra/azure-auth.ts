import { Type } from 'typebox'
import type { TOptional, TString } from 'typebox'
import { LynkrConfigError, parseUrlVariable } from '@lynkr/core'
import type { UpstreamClient } from '@lynkr/core'
import { TokenCache } from './token-cache.ts'
import { requestToken } from './token-requests.ts'
import type { EntraCredential } from './token-requests.ts'

/** How an Azure provider authenticates: its resource key, a fixed bearer token, or Entra ID tokens it fetches. */
export type AzureAuth =
  | { kind: 'key', key: string }
  | { kind: 'token', token: string, variable: string }
  | { kind: 'entra', credential: EntraCredential, scope: string, scopeVariable: string }

/** The Azure SDKs' own variable names, so an existing service principal or managed identity setup works as is. */
const ENTRA_VARIABLES = {
  AZURE_TENANT_ID: Type.Optional(Type.String({ description: 'Microsoft Entra ID: the service principal\'s tenant (with AZURE_CLIENT_ID and AZURE_CLIENT_SECRET)' })),
  AZURE_CLIENT_ID: Type.Optional(Type.String({ description: 'Microsoft Entra ID: the service principal\'s application id, or a user-assigned managed identity\'s client id' })),
  AZURE_CLIENT_SECRET: Type.Optional(Type.String({ description: 'Microsoft Entra ID: the service principal\'s client secret (the secret value, not its id)' })),
  AZURE_FEDERATED_TOKEN_FILE: Type.Optional(Type.String({ description: 'Microsoft Entra ID workload identity (AKS): the projected service account token, with AZURE_TENANT_ID and AZURE_CLIENT_ID (the webhook sets all three)' })),
  AZURE_AUTHORITY_HOST: Type.String({ default: 'https://login.microsoftonline.com', description: 'Microsoft Entra ID authority (sovereign clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn)' }),
  IDENTITY_ENDPOINT: Type.Optional(Type.String({ description: 'managed identity endpoint, set by App Service, Functions and Container Apps (with IDENTITY_HEADER)' })),
  IDENTITY_HEADER: Type.Optional(Type.String()),
  AZURE_POD_IDENTITY_AUTHORITY_HOST: Type.Optional(Type.String({ description: 'replaces the Instance Metadata Service address http://169.254.169.254 for managed identity tokens' }))
}

export type AzureAuthVariables<P extends string> =
  { [K in `${P}_AUTH` | `${P}_AD_TOKEN`]: TOptional<TString> } & { [K in `${P}_TOKEN_SCOPE`]: TString } & typeof ENTRA_VARIABLES

/** `<PREFIX>_AUTH`, `<PREFIX>_AD_TOKEN`, `<PREFIX>_TOKEN_SCOPE` and the shared Entra ID variables, for a provider's env schema. */
export function azureAuthVariables<P extends string> (prefix: P, defaultScope: string): AzureAuthVariables<P> {
  return {
    [`${prefix}_AUTH`]: Type.Optional(Type.String({ description: '"key" or "entra" to force one (unset: the key when set, else the Entra ID credentials below; "entra" also allows the VM\'s managed identity)' })),
    [`${prefix}_AD_TOKEN`]: Type.Optional(Type.String({ description: 'a Microsoft Entra ID access token fetched elsewhere, sent as is (never refreshed)' })),
    [`${prefix}_TOKEN_SCOPE`]: Type.String({ default: defaultScope, description: 'the scope Entra ID tokens are requested for' }),
    ...ENTRA_VARIABLES
  } as AzureAuthVariables<P>
}

export interface AzureAuthSpec {
  prefix: string
  /** The resource key's variable (AZURE_OPENAI_API_KEY…). */
  keyVariable: string
  /** Who needs it, for messages: the provider id (`azure-openai`). */
  who: string
  /** What the key is, for messages. */
  keyHint: string
  /** Used when `<PREFIX>_TOKEN_SCOPE` is not in `env` (the schema's default normally is). */
  defaultScope: string
}

/**
 * Precedence: `<PREFIX>_AUTH` when set; otherwise the resource key when set (existing setups are unchanged),
 * then a fixed token, then a service principal (AZURE_CLIENT_SECRET), then workload identity
 * (AZURE_FEDERATED_TOKEN_FILE), then the App Service/Container Apps
 * identity endpoint. The Instance Metadata Service has nothing in the environment to announce it, so it is
 * used only with `<PREFIX>_AUTH=entra`.
 */
export function resolveAzureAuth (env: object, spec: AzureAuthSpec): AzureAuth {
  const read = (name: string): string | undefined => {
    const value = (env as Record<string, unknown>)[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const modeVariable = `${spec.prefix}_AUTH`
  const mode = read(modeVariable)?.toLowerCase()
  if (mode !== undefined && mode !== 'key' && mode !== 'entra') throw new LynkrConfigError(`${modeVariable}="${read(modeVariable) ?? ''}" must be key or entra`, modeVariable)
  const key = read(spec.keyVariable)
  if (mode === 'key' || (mode === undefined && key !== undefined)) {
    if (key === undefined) throw new LynkrConfigError(`${spec.keyVariable} is required: ${modeVariable}=key and ${spec.who} needs ${spec.keyHint}`, spec.keyVariable)
    return { kind: 'key', key }
  }
  const tokenVariable = `${spec.prefix}_AD_TOKEN`
  const token = read(tokenVariable)
  if (token !== undefined) return { kind: 'token', token, variable: tokenVariable }
  const credential = entraCredential(read, spec, mode === 'entra')
  if (credential !== undefined) {
    const scopeVariable = `${spec.prefix}_TOKEN_SCOPE`
    const scope = read(scopeVariable) ?? spec.defaultScope
    if (!/^[a-z][a-z0-9+.-]*:\S*\/\.default$/i.test(scope)) {
      throw new LynkrConfigError(`${scopeVariable}="${scope}" must be a resource's .default scope, e.g. ${spec.defaultScope}`, scopeVariable)
    }
    return { kind: 'entra', credential, scope, scopeVariable }
  }
  throw new LynkrConfigError(`${spec.keyVariable} is required: ${spec.who} needs ${spec.keyHint}, or Microsoft Entra ID credentials: ` +
    `AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal) or AZURE_FEDERATED_TOKEN_FILE (workload identity), ${modeVariable}=entra (the managed identity), or a token in ${tokenVariable}`, spec.keyVariable)
}

function entraCredential (read: (name: string) => string | undefined, spec: AzureAuthSpec, imds: boolean): EntraCredential | undefined {
  const tenantId = read('AZURE_TENANT_ID')
  const clientId = read('AZURE_CLIENT_ID')
  // An app registration signing in at the token endpoint, with a secret or a federated token: it needs the
  // tenant and the client id, and the authority they live at.
  const app = (variable: string, how: string): { authorityHost: string, tenantId: string, clientId: string } => {
    const missing = tenantId === undefined ? 'AZURE_TENANT_ID' : clientId === undefined ? 'AZURE_CLIENT_ID' : undefined
    if (missing !== undefined) throw new LynkrConfigError(`${missing} is required: ${variable} is set, so ${spec.who} signs in ${how}, which needs AZURE_TENANT_ID, AZURE_CLIENT_ID and ${variable}`, missing)
    const authorityHost = parseUrlVariable(read('AZURE_AUTHORITY_HOST') ?? 'https://login.microsoftonline.com', 'AZURE_AUTHORITY_HOST').toString()
    return { authorityHost, tenantId: tenantId!, clientId: clientId! }
  }
  const clientSecret = read('AZURE_CLIENT_SECRET')
  if (clientSecret !== undefined) return { kind: 'client-secret', ...app('AZURE_CLIENT_SECRET', 'as a service principal'), clientSecret }
  const tokenFile = read('AZURE_FEDERATED_TOKEN_FILE')
  if (tokenFile !== undefined) return { kind: 'workload-identity', ...app('AZURE_FEDERATED_TOKEN_FILE', 'with workload identity'), tokenFile }
  const endpoint = read('IDENTITY_ENDPOINT')
  const identityHeader = read('IDENTITY_HEADER')
  if (endpoint !== undefined || identityHeader !== undefined) {
    const missing = endpoint === undefined ? 'IDENTITY_ENDPOINT' : identityHeader === undefined ? 'IDENTITY_HEADER' : undefined
    if (missing !== undefined) throw new LynkrConfigError(`${missing} is required: a managed identity endpoint needs both IDENTITY_ENDPOINT and IDENTITY_HEADER (App Service and Container Apps set them)`, missing)
    return { kind: 'app-service', endpoint: parseUrlVariable(endpoint!, 'IDENTITY_ENDPOINT').toString(), identityHeader: identityHeader!, clientId }
  }
  if (imds) return { kind: 'imds', host: parseUrlVariable(read('AZURE_POD_IDENTITY_AUTHORITY_HOST') ?? 'http://169.254.169.254', 'AZURE_POD_IDENTITY_AUTHORITY_HOST').origin, clientId }
  if (tenantId !== undefined) {
    throw new LynkrConfigError(`AZURE_CLIENT_SECRET is required: AZURE_TENANT_ID is set, so ${spec.who} signs in as a service principal; set its secret, or ${spec.prefix}_AUTH=entra to use the machine's managed identity instead`, 'AZURE_CLIENT_SECRET')
  }
  return undefined
}

/** The adapter's auth options: static headers for a key or a fixed token, a per-call hook for fetched tokens. */
export function azureAuthHeaders (auth: AzureAuth, keyHeader: string, provider: string, client: UpstreamClient): { headers: Record<string, string>, authHeaders?: () => Promise<Record<string, string>> } {
  if (auth.kind === 'key') return { headers: { [keyHeader]: auth.key } }
  if (auth.kind === 'token') return { headers: { authorization: `Bearer ${auth.token}` } }
  const context = { provider, scope: auth.scope, scopeVariable: auth.scopeVariable, client }
  const cache = new TokenCache(async () => await requestToken(auth.credential, context))
  return { headers: {}, authHeaders: async () => ({ authorization: `Bearer ${await cache.token()}` }) }
}

/** One line for the boot log; undefined for a key (nothing new to say). */
export function describeAzureAuth (auth: AzureAuth): string | undefined {
  if (auth.kind === 'key') return undefined
  if (auth.kind === 'token') return `a fixed Microsoft Entra ID token from ${auth.variable} (not refreshed)`
  const { credential } = auth
  const who = credential.kind === 'client-secret'
    ? `service principal ${credential.clientId} of tenant ${credential.tenantId} at ${new URL(credential.authorityHost).origin}`
    : credential.kind === 'workload-identity'
      ? `workload identity ${credential.clientId} of tenant ${credential.tenantId} (token from ${credential.tokenFile})`
      : `managed identity${credential.clientId === undefined ? '' : ` ${credential.clientId}`} via ${credential.kind === 'imds' ? `the Instance Metadata Service at ${credential.host}` : `${new URL(credential.endpoint).origin} (IDENTITY_ENDPOINT)`}`
  return `Microsoft Entra ID tokens for ${auth.scope} as ${who}`
}
