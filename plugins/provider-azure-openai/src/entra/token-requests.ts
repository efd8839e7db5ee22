/**
 * The Microsoft Entra ID token requests lynkr makes, on the provider's own UpstreamClient.
 *
 * Hand-written rather than @azure/identity on purpose: its ClientSecretCredential refuses any authority that is
 * not https ("The authorityHost address must use the 'https' protocol"), so testing it against our loopback
 * fakes would need a test CA threaded into product code; its last Node 20 release (4.13.x) pulls 43 packages
 * (msal-node and msal-browser included) for one form POST and one GET; and its HTTP would bypass the gateway's
 * client (connect timeout, pooling, an embedder's dispatcher).
 */
import { readFile } from 'node:fs/promises'
import { LynkrError } from '@lynkr/protocol'
import { credentialsRefused, parseRetryAfter, transportError, upstreamErrorMessage } from '@lynkr/core'
import type { UpstreamClient } from '@lynkr/core'
import type { AccessToken } from './token-cache.ts'

export type EntraCredential =
  /** A service principal's secret: OAuth 2.0 client credentials against the v2.0 token endpoint. */
  | { kind: 'client-secret', authorityHost: string, tenantId: string, clientId: string, clientSecret: string }
  /**
   * Kubernetes workload identity (AKS): the pod's projected service-account token, re-read for every token
   * request (the kubelet rotates it), exchanged as a client assertion for an app's federated credential.
   */
  | { kind: 'workload-identity', authorityHost: string, tenantId: string, clientId: string, tokenFile: string }
  /** App Service, Functions and Container Apps: the platform's local identity endpoint (API 2019-08-01). */
  | { kind: 'app-service', endpoint: string, identityHeader: string, clientId?: string }
  /** VMs, VM scale sets, AKS node identities: the Instance Metadata Service (API 2018-02-01). */
  | { kind: 'imds', host: string, clientId?: string }

export interface TokenRequestContext {
  provider: string
  /** `https://…/.default`; managed identities are asked for the resource (the scope without `/.default`). */
  scope: string
  /** The variable that sets the scope, named when Entra refuses it. */
  scopeVariable: string
  client: UpstreamClient
}

const TIMEOUT_MS = 30_000

/** The variable to check for the AADSTS codes that point at one. */
const VARIABLE_BY_CODE: Record<string, string> = {
  7000215: 'AZURE_CLIENT_SECRET', // invalid client secret
  7000222: 'AZURE_CLIENT_SECRET', // expired client secret
  700016: 'AZURE_CLIENT_ID', // application not found in the directory
  90002: 'AZURE_TENANT_ID', // tenant not found
  900023: 'AZURE_TENANT_ID', // not a valid tenant identifier
  700024: 'AZURE_FEDERATED_TOKEN_FILE', // client assertion not within its valid time range
  700211: 'AZURE_FEDERATED_TOKEN_FILE', // no federated identity record for the assertion's issuer
  700213: 'AZURE_FEDERATED_TOKEN_FILE' // no federated identity record for the assertion's subject
}
const SCOPE_CODES = new Set(['70011', '1002012'])

export async function requestToken (credential: EntraCredential, context: TokenRequestContext): Promise<AccessToken> {
  const call = buildCall(credential, context.scope, credential.kind === 'workload-identity' ? await readAssertion(credential.tokenFile, context.provider) : undefined)
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  let text: string
  try {
    const response = await context.client.send({
      provider: context.provider,
      ...call,
      signal,
      mapError: (status, body, headers) => tokenError(context, status, body, headers)
    })
    text = await response.body.text()
  } catch (error) {
    throw unreachable(context.provider, call.url, error, signal)
  }
  let body: Record<string, unknown> | undefined
  try { body = JSON.parse(text) } catch {}
  const token = body?.access_token
  const expiresAt = expiryOf(body)
  if (typeof token !== 'string' || token === '' || expiresAt === undefined) {
    throw new LynkrError('api_error', `${context.provider}: the Microsoft Entra ID token endpoint answered without a token and expiry: ${text.slice(0, 200)}`, { status: 502, provider: context.provider, code: 'LYNKR_UPSTREAM_AUTH_TOKEN' })
  }
  return { token, expiresAt }
}

async function readAssertion (file: string, provider: string): Promise<string> {
  try {
    const assertion = (await readFile(file, 'utf8')).trim()
    if (assertion !== '') return assertion
  } catch {}
  throw credentialsRefused(provider, 'Microsoft Entra ID workload identity', `no service account token in ${file} (check AZURE_FEDERATED_TOKEN_FILE)`, undefined)
}

function buildCall (credential: EntraCredential, scope: string, assertion?: string): { url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string } {
  if (credential.kind === 'client-secret' || credential.kind === 'workload-identity') {
    const secret: Record<string, string> = credential.kind === 'client-secret'
      ? { client_secret: credential.clientSecret }
      : { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion! }
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: credential.clientId, ...secret, scope })
    return {
      url: `${credential.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(credential.tenantId)}/oauth2/v2.0/token`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString()
    }
  }
  const resource = scope.replace(/\/\.default$/, '')
  const appService = credential.kind === 'app-service'
  const url = new URL(appService ? credential.endpoint : `${credential.host.replace(/\/+$/, '')}/metadata/identity/oauth2/token`)
  url.searchParams.set('api-version', appService ? '2019-08-01' : '2018-02-01')
  url.searchParams.set('resource', resource)
  if (credential.clientId !== undefined) url.searchParams.set('client_id', credential.clientId)
  const headers: Record<string, string> = appService ? { 'x-identity-header': credential.identityHeader } : { metadata: 'true' }
  return { url: url.toString(), method: 'GET', headers: { ...headers, accept: 'application/json' } }
}

/** `expires_in` (seconds from now; a string from IMDS) or `expires_on` (epoch seconds, App Service). */
function expiryOf (body: Record<string, unknown> | undefined): number | undefined {
  const expiresIn = Number(body?.expires_in)
  if (body?.expires_in !== undefined && Number.isFinite(expiresIn)) return Date.now() + expiresIn * 1000
  const expiresOn = Number(body?.expires_on)
  return body?.expires_on !== undefined && Number.isFinite(expiresOn) ? expiresOn * 1000 : undefined
}

/** Entra's `{error, error_description: "AADSTS…: …\r\nTrace ID: …"}`; 4xx is a refused credential (a 502 for the client). */
function tokenError (context: TokenRequestContext, status: number, text: string, headers: Record<string, string | string[] | undefined>): LynkrError {
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  const record = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown, error_description?: unknown }
  const description = typeof record.error_description === 'string' ? record.error_description.split(/\r?\n/)[0]! : upstreamErrorMessage(body, `HTTP ${status}`)
  const reason = typeof record.error === 'string' ? record.error : `HTTP ${status}`
  // 408, 429 and IMDS's 410 (being updated) are worth asking again; other 4xx refuse the credential.
  if (status >= 400 && status < 500 && status !== 408 && status !== 410 && status !== 429) {
    const code = /AADSTS(\d+)/.exec(description)?.[1]
    const variable = code === undefined ? undefined : SCOPE_CODES.has(code) ? context.scopeVariable : VARIABLE_BY_CODE[code]
    return credentialsRefused(context.provider, `Microsoft Entra ID token request: ${reason}`, variable === undefined ? description : `${description} (check ${variable})`, body)
  }
  return new LynkrError('api_error', `${context.provider}: the Microsoft Entra ID token request failed with HTTP ${status}: ${description}`, {
    status: 502, provider: context.provider, retryable: true, retryAfter: parseRetryAfter(headers['retry-after']), upstreamBody: body, code: 'LYNKR_UPSTREAM_AUTH_TOKEN'
  })
}

function unreachable (provider: string, url: string, error: unknown, signal: AbortSignal): unknown {
  const origin = new URL(url).origin
  if (signal.aborted) {
    return new LynkrError('timeout', `${provider}: no Microsoft Entra ID token from ${origin} within ${TIMEOUT_MS / 1000} s`, { status: 504, provider, retryable: true, code: 'LYNKR_UPSTREAM_AUTH_TOKEN' })
  }
  const mapped = transportError({ provider, url }, error)
  if (!(mapped instanceof LynkrError) || mapped.code.startsWith('LYNKR_UPSTREAM_AUTH')) return mapped
  return new LynkrError(mapped.kind, `${provider}: no Microsoft Entra ID token (${mapped.message})`, { status: mapped.status, provider, retryable: mapped.retryable, cause: mapped, code: mapped.code })
}
