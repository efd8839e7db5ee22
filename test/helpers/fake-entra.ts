/**
 * A fake Microsoft Entra ID: the v2.0 token endpoint (`POST /{tenant}/oauth2/v2.0/token`, form-encoded client
 * credentials, `{token_type, expires_in, ext_expires_in, access_token}`, AADSTS error JSON) and the managed
 * identity endpoints (App Service's `IDENTITY_ENDPOINT` at /msi/token, API 2019-08-01, and IMDS at
 * /metadata/identity/oauth2/token, API 2018-02-01). Tokens are JWT-shaped with the real claims (aud, exp,
 * tid, appid); the Azure fakes check them with verifyEntraToken, as Azure checks audience and expiry.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { sendJson, startFakeServer } from './fake-server.ts'
import type { FakeExchange } from './fake-server.ts'
import type { FakeUpstream, RecordedRequest } from './fake-script.ts'

export interface FakeEntraOptions {
  tenantId: string
  /** Service principals: application (client) id → client secret. */
  clients?: Record<string, string>
  /** Apps with a federated credential (workload identity): application (client) id → the service account token it trusts. */
  federated?: Record<string, string>
  /** Lifetime of issued tokens in seconds (Entra's are 60–90 minutes). */
  expiresIn?: number
  /** Wait this long before answering a token request, so concurrent callers overlap. */
  delayMs?: number
  /** The secret App Service puts in IDENTITY_HEADER; the managed identity endpoints answer when set. */
  identityHeader?: string
}

export interface IssuedToken {
  token: string
  audience: string
  clientId: string
  issuedAt: number
  /** The `expires_in` reported (the token's exp may be up to a second later). */
  expiresIn: number
  expiresAt: number
  via: 'client_credentials' | 'client_assertion' | 'app_service' | 'imds'
}

export interface FakeEntra extends FakeUpstream {
  issued: IssuedToken[]
  /** Requests to the token endpoints (the recorded list also has anything else that was asked). */
  tokenRequests: () => RecordedRequest[]
}

// One signing key per test process: every fake Entra's tokens verify with every Azure fake, as within one cloud.
const SIGNING_KEY = randomBytes(32)
const SYSTEM_IDENTITY = '7c2b4f5e-0d1a-4c39-9a4e-5f6b7c8d9e0f'

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')
const sign = (text: string): string => createHmac('sha256', SIGNING_KEY).update(text).digest('base64url')

/** A token as Entra would issue it for `audience` (also for tests that need a pre-fetched one). */
export function mintEntraToken (audience: string, options: { tenantId?: string, clientId?: string, expiresIn?: number } = {}): { token: string, expiresAt: number } {
  const now = Date.now()
  // exp is whole seconds, rounded up: the token lives at least as long as expires_in says.
  const exp = Math.ceil((now + (options.expiresIn ?? 3599) * 1000) / 1000)
  const tenantId = options.tenantId ?? randomUUID()
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256', kid: 'fake-entra' }))
  const payload = base64url(JSON.stringify({
    aud: audience, iss: `https://sts.windows.net/${tenantId}/`, iat: Math.floor(now / 1000), nbf: Math.floor(now / 1000), exp,
    appid: options.clientId ?? SYSTEM_IDENTITY, oid: randomUUID(), tid: tenantId, ver: '1.0'
  }))
  return { token: `${header}.${payload}.${sign(`${header}.${payload}`)}`, expiresAt: exp * 1000 }
}

/** Whether a bearer token was issued by a fake Entra for one of `audiences` and has not expired. */
export function verifyEntraToken (token: string | undefined, audiences: string[]): boolean {
  const [header, payload, signature] = (token ?? '').split('.')
  if (header === undefined || payload === undefined || signature !== sign(`${header}.${payload}`)) return false
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud: string, exp: number }
  return audiences.includes(claims.aud.replace(/\/$/, '')) && Date.now() < claims.exp * 1000
}

/** Entra's error JSON: the AADSTS description carries trace and correlation ids after CRLFs. */
function aadsts (exchange: FakeExchange, status: number, error: string, code: number, message: string): void {
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
  const traceId = randomUUID()
  const correlationId = randomUUID()
  sendJson(exchange.res, status, {
    error,
    error_description: `AADSTS${code}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`
  })
}

export async function startFakeEntra (options: FakeEntraOptions): Promise<FakeEntra> {
  const issued: IssuedToken[] = []
  const issue = (audience: string, clientId: string, via: IssuedToken['via']): IssuedToken => {
    const expiresIn = options.expiresIn ?? 3599
    const { token, expiresAt } = mintEntraToken(audience, { tenantId: options.tenantId, clientId, expiresIn })
    const entry = { token, audience, clientId, issuedAt: Date.now(), expiresIn, expiresAt, via }
    issued.push(entry)
    return entry
  }

  const fake = await startFakeServer(async (exchange) => {
    const { req, recorded } = exchange
    const url = new URL(recorded.path, 'http://fake')
    if (!(await exchange.sleep(options.delayMs))) return
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)
    if (req.method === 'POST' && tokenPath !== null) return clientCredentials(exchange, decodeURIComponent(tokenPath[1]!))
    if (req.method === 'GET' && url.pathname === '/msi/token' && options.identityHeader !== undefined) return appService(exchange, url)
    if (req.method === 'GET' && url.pathname === '/metadata/identity/oauth2/token' && options.identityHeader !== undefined) return imds(exchange, url)
    sendJson(exchange.res, 404, { error: 'not_found', error_description: `${req.method ?? ''} ${url.pathname}` })
  })

  function clientCredentials (exchange: FakeExchange, tenant: string): void {
    const type = String(exchange.req.headers['content-type'] ?? '')
    const form = new URLSearchParams(type.startsWith('application/x-www-form-urlencoded') ? exchange.recorded.rawBody : '')
    if (tenant !== options.tenantId) {
      return aadsts(exchange, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`)
    }
    for (const parameter of ['grant_type', 'client_id', 'scope']) {
      if (!form.has(parameter)) return aadsts(exchange, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${parameter}'.`)
    }
    if (form.get('grant_type') !== 'client_credentials') return aadsts(exchange, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`)
    const clientId = form.get('client_id')!
    const secret = options.clients?.[clientId]
    const trusted = options.federated?.[clientId]
    if (form.has('client_assertion') && trusted !== undefined) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return aadsts(exchange, 400, 'invalid_request', 700027, 'Client assertion failed signature validation.')
      }
      if (form.get('client_assertion') !== trusted) {
        return aadsts(exchange, 400, 'invalid_client', 700213, "No matching federated identity record found for presented assertion subject 'system:serviceaccount:default:lynkr'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.")
      }
      return grant(exchange, form, clientId, 'client_assertion')
    }
    if (secret === undefined) {
      return aadsts(exchange, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`)
    }
    if (!form.has('client_secret')) return aadsts(exchange, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    if (form.get('client_secret') !== secret) {
      return aadsts(exchange, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`)
    }
    grant(exchange, form, clientId, 'client_credentials')
  }

  function grant (exchange: FakeExchange, form: URLSearchParams, clientId: string, via: 'client_credentials' | 'client_assertion'): void {
    const scope = form.get('scope')!
    if (!scope.endsWith('/.default')) {
      return aadsts(exchange, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`)
    }
    const token = issue(scope.slice(0, -'/.default'.length), clientId, via)
    sendJson(exchange.res, 200, { token_type: 'Bearer', expires_in: token.expiresIn, ext_expires_in: token.expiresIn, access_token: token.token })
  }

  // App Service / Container Apps: GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01, X-IDENTITY-HEADER.
  function appService (exchange: FakeExchange, url: URL): void {
    const { req } = exchange
    const version = url.searchParams.get('api-version')
    if (version !== '2019-08-01') {
      return sendJson(exchange.res, 400, { error: { code: 'UnsupportedApiVersion', message: `The HTTP resource that matches the request URI '${url.href}' does not support the API version '${version ?? ''}'.` } })
    }
    // The wording of this refusal is ours; only the status is App Service's.
    if (req.headers['x-identity-header'] !== options.identityHeader) return sendJson(exchange.res, 401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or wrong' })
    const resource = url.searchParams.get('resource')
    if (resource === null) return sendJson(exchange.res, 400, { error: 'invalid_request', error_description: 'resource is required' })
    const clientId = url.searchParams.get('client_id') ?? SYSTEM_IDENTITY
    const token = issue(resource, clientId, 'app_service')
    sendJson(exchange.res, 200, { access_token: token.token, expires_on: String(token.expiresAt / 1000), resource, token_type: 'Bearer', client_id: clientId })
  }

  // IMDS: GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…, Metadata: true; numbers as strings.
  function imds (exchange: FakeExchange, url: URL): void {
    if (exchange.req.headers.metadata !== 'true') return sendJson(exchange.res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' })
    const resource = url.searchParams.get('resource')
    if (resource === null) return sendJson(exchange.res, 400, { error: 'invalid_request', error_description: 'Required audience parameter not specified' })
    const clientId = url.searchParams.get('client_id') ?? SYSTEM_IDENTITY
    const token = issue(resource, clientId, 'imds')
    const expiresIn = String(token.expiresIn)
    sendJson(exchange.res, 200, {
      access_token: token.token, client_id: clientId, expires_in: expiresIn, expires_on: String(token.expiresAt / 1000), ext_expires_in: expiresIn,
      not_before: String(Math.floor(token.issuedAt / 1000)), resource, token_type: 'Bearer'
    })
  }

  const tokenPaths = /\/oauth2\/v2\.0\/token$|^\/msi\/token|^\/metadata\/identity\/oauth2\/token/
  return { ...fake, issued, tokenRequests: () => fake.requests.filter((request) => tokenPaths.test(new URL(request.path, 'http://fake').pathname)) }
}
