import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LynkrError } from '@lynkr/protocol'
import { modelLookup, probeFailure } from './bedrock-health.ts'
import { bedrockEndpoints } from './index.ts'
import { mapBedrockHttpError } from './bedrock-errors.ts'

test('each kind of model id is looked up with the control-plane call that knows it', () => {
  const cases: Array<[string, string, string]> = [
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'GetInferenceProfile', '/inference-profiles/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0'],
    ['global.amazon.nova-pro-v1:0', 'GetInferenceProfile', '/inference-profiles/global.amazon.nova-pro-v1%3A0'],
    ['arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.amazon.nova-pro-v1:0', 'GetInferenceProfile', '/inference-profiles/arn%3Aaws%3Abedrock%3Aeu-west-3%3A123456789012%3Ainference-profile%2Feu.amazon.nova-pro-v1%3A0'],
    ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3', 'GetInferenceProfile', '/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fa1b2c3'],
    ['amazon.nova-pro-v1:0', 'GetFoundationModel', '/foundation-models/amazon.nova-pro-v1%3A0'],
    ['arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0', 'GetFoundationModel', '/foundation-models/meta.llama3-8b-instruct-v1%3A0'],
    ['arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:provisioned-model/abc', 'ListInferenceProfiles', '/inference-profiles?maxResults=1']
  ]
  for (const [model, operation, path] of cases) {
    const lookup = modelLookup(model)
    assert.deepEqual([lookup.operation, lookup.path], [operation, path], model)
  }
})

test('a foundation model is judged by its lifecycle and whether it is offered on demand', () => {
  const judge = (modelDetails: unknown) => modelLookup('anthropic.claude-3-haiku-20240307-v1:0').judge({ modelDetails }, 'https://bedrock.us-east-1.amazonaws.com')
  assert.deepEqual(judge({ inferenceTypesSupported: ['ON_DEMAND'], modelLifecycle: { status: 'LEGACY' } }), {
    ok: true, detail: 'foundation model anthropic.claude-3-haiku-20240307-v1:0 is LEGACY at https://bedrock.us-east-1.amazonaws.com (credentials accepted)'
  })
  const profileOnly = judge({ inferenceTypesSupported: ['INFERENCE_PROFILE'], modelLifecycle: { status: 'ACTIVE' } })
  assert.equal(profileOnly.ok, false)
  assert.match(profileOnly.detail, /not offered on demand .*such as us\.anthropic\.claude-3-haiku-20240307-v1:0 or global\./)
  assert.equal(judge(undefined).ok, true, 'an answer without details is still an answer')
})

test('an inference profile must be ACTIVE', () => {
  const lookup = modelLookup('us.amazon.nova-pro-v1:0')
  assert.equal(lookup.judge({ status: 'ACTIVE' }, 'https://x').ok, true)
  assert.deepEqual(lookup.judge({ status: 'DISABLED' }, 'https://x'), { ok: false, detail: 'inference profile us.amazon.nova-pro-v1:0 is DISABLED at https://x (credentials accepted)' })
})

test('a refused probe names the permission it needs, only when access was denied', () => {
  const denied = probeFailure(mapBedrockHttpError(403, '{"message":"User is not authorized to perform: bedrock:GetInferenceProfile"}', { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/' }), 'GetInferenceProfile')
  assert.ok(denied instanceof LynkrError)
  assert.equal(denied.code, 'LYNKR_UPSTREAM_AUTH')
  assert.match(denied.message, /\(AccessDeniedException\): User is not authorized .* \(the deep probe calls GetInferenceProfile: the credentials need bedrock:GetInferenceProfile\)$/)
  const signature = mapBedrockHttpError(403, '{"message":"The request signature we calculated does not match"}', { 'x-amzn-errortype': 'InvalidSignatureException' })
  assert.equal(probeFailure(signature, 'GetInferenceProfile'), signature)
  const abort = new Error('aborted')
  assert.equal(probeFailure(abort, 'GetFoundationModel'), abort)
})

test('the control plane follows the overrides, and never a public host when only the runtime was pointed elsewhere', () => {
  assert.deepEqual(bedrockEndpoints({}, 'eu-west-3'), { endpoint: 'https://bedrock-runtime.eu-west-3.amazonaws.com', controlEndpoint: 'https://bedrock.eu-west-3.amazonaws.com' })
  assert.deepEqual(bedrockEndpoints({ AWS_ENDPOINT_URL: 'http://localhost:4566' }, 'us-east-1'), { endpoint: 'http://localhost:4566/', controlEndpoint: 'http://localhost:4566/' })
  assert.deepEqual(bedrockEndpoints({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'https://bedrock-runtime-fips.us-east-1.amazonaws.com' }, 'us-east-1'), {
    endpoint: 'https://bedrock-runtime-fips.us-east-1.amazonaws.com/', controlEndpoint: 'https://bedrock-fips.us-east-1.amazonaws.com/'
  })
  assert.deepEqual(bedrockEndpoints({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'https://llm-proxy.internal/bedrock' }, 'us-east-1'), {
    endpoint: 'https://llm-proxy.internal/bedrock', controlEndpoint: 'https://llm-proxy.internal/bedrock'
  })
  assert.deepEqual(bedrockEndpoints({ AWS_ENDPOINT_URL_BEDROCK_RUNTIME: 'https://llm-proxy.internal/bedrock', AWS_ENDPOINT_URL_BEDROCK: 'https://bedrock.us-east-1.amazonaws.com', AWS_ENDPOINT_URL: 'http://unused' }, 'us-east-1'), {
    endpoint: 'https://llm-proxy.internal/bedrock', controlEndpoint: 'https://bedrock.us-east-1.amazonaws.com/'
  })
  assert.throws(() => bedrockEndpoints({ AWS_ENDPOINT_URL_BEDROCK: 'not a url' }, 'us-east-1'), /AWS_ENDPOINT_URL_BEDROCK/)
})
