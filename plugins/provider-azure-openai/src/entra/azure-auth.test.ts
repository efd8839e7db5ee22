import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrConfigError } from '@lynkr/core'
import { resolveAzureAuth } from './azure-auth.ts'
import type { AzureAuth } from './azure-auth.ts'

const SPEC = { prefix: 'AZURE_OPENAI', keyVariable: 'AZURE_OPENAI_API_KEY', who: 'azure-openai', keyHint: 'the resource key', defaultScope: 'https://cognitiveservices.azure.com/.default' }
const SP = { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: 'secret' }

function configError (env: Record<string, string>): LynkrConfigError {
  try {
    resolveAzureAuth(env, SPEC)
  } catch (error) {
    assert.ok(error instanceof LynkrConfigError, String(error))
    return error
  }
  throw new Error('resolved, but should have failed')
}

const kind = (env: Record<string, string>): AzureAuth['kind'] | string => {
  const auth = resolveAzureAuth(env, SPEC)
  return auth.kind === 'entra' ? `entra:${auth.credential.kind}` : auth.kind
}

test('precedence: the key when set, then a fixed token, a service principal, the App Service identity; IMDS only when asked', () => {
  assert.equal(kind({ AZURE_OPENAI_API_KEY: 'k', ...SP, AZURE_OPENAI_AD_TOKEN: 't' }), 'key')
  assert.equal(kind({ AZURE_OPENAI_AD_TOKEN: 't', ...SP }), 'token')
  assert.equal(kind({ ...SP, IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token', IDENTITY_HEADER: 'h' }), 'entra:client-secret')
  assert.equal(kind({ IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token', IDENTITY_HEADER: 'h' }), 'entra:app-service')
  assert.equal(kind({ AZURE_OPENAI_AUTH: 'entra', AZURE_OPENAI_API_KEY: 'k' }), 'entra:imds')
  assert.equal(kind({ AZURE_OPENAI_AUTH: 'Key', AZURE_OPENAI_API_KEY: 'k', ...SP }), 'key')
  const imds = resolveAzureAuth({ AZURE_OPENAI_AUTH: 'entra', AZURE_CLIENT_ID: 'user-assigned' }, SPEC)
  assert.deepEqual(imds, { kind: 'entra', credential: { kind: 'imds', host: 'http://169.254.169.254', clientId: 'user-assigned' }, scope: SPEC.defaultScope, scopeVariable: 'AZURE_OPENAI_TOKEN_SCOPE' })
})

test('half-set credentials name the missing variable', () => {
  assert.equal(configError({ AZURE_CLIENT_ID: 'app', AZURE_CLIENT_SECRET: 's' }).variable, 'AZURE_TENANT_ID')
  assert.equal(configError({ AZURE_TENANT_ID: 't', AZURE_CLIENT_SECRET: 's' }).variable, 'AZURE_CLIENT_ID')
  const noSecret = configError({ AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'app' })
  assert.equal(noSecret.variable, 'AZURE_CLIENT_SECRET')
  assert.match(noSecret.message, /AZURE_TENANT_ID is set.*AZURE_OPENAI_AUTH=entra/)
  assert.equal(configError({ IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token' }).variable, 'IDENTITY_HEADER')
  assert.equal(configError({ IDENTITY_HEADER: 'h' }).variable, 'IDENTITY_ENDPOINT')
})

test('nothing set, bad values: the error names the variable and the choices', () => {
  const nothing = configError({})
  assert.equal(nothing.variable, 'AZURE_OPENAI_API_KEY')
  assert.match(nothing.message, /AZURE_OPENAI_API_KEY is required: .*AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.*AZURE_OPENAI_AUTH=entra.*AZURE_OPENAI_AD_TOKEN/)
  assert.equal(configError({ AZURE_OPENAI_AUTH: 'key', ...SP }).variable, 'AZURE_OPENAI_API_KEY')
  assert.equal(configError({ AZURE_OPENAI_AUTH: 'aad' }).variable, 'AZURE_OPENAI_AUTH')
  assert.equal(configError({ ...SP, AZURE_OPENAI_TOKEN_SCOPE: 'https://cognitiveservices.azure.com' }).variable, 'AZURE_OPENAI_TOKEN_SCOPE')
  assert.equal(configError({ ...SP, AZURE_AUTHORITY_HOST: 'login.microsoftonline.com' }).variable, 'AZURE_AUTHORITY_HOST')
})

test('workload identity comes after a service principal and before the App Service identity, and needs the tenant and the client id', () => {
  const wi = { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'app', AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' }
  assert.equal(kind({ ...wi, AZURE_CLIENT_SECRET: 'secret' }), 'entra:client-secret')
  assert.equal(kind({ ...wi, IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token', IDENTITY_HEADER: 'h' }), 'entra:workload-identity')
  assert.equal(configError({ AZURE_TENANT_ID: 'tenant', AZURE_FEDERATED_TOKEN_FILE: '/t' }).variable, 'AZURE_CLIENT_ID')
  assert.equal(configError({ AZURE_CLIENT_ID: 'app', AZURE_FEDERATED_TOKEN_FILE: '/t' }).variable, 'AZURE_TENANT_ID')
})
