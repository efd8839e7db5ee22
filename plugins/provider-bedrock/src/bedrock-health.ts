import type { HealthStatus } from '@lynkr/protocol'
import { LynkrError } from '@lynkr/protocol'
import { isInferenceProfileId } from './bedrock-models.ts'

/**
 * The read-only control-plane call (Bedrock API reference) that tells whether the configured model can be
 * used: GetInferenceProfile for cross-region profiles (`us.…`, profile ARNs), GetFoundationModel for bare
 * model ids and foundation-model ARNs. Any other ARN (provisioned throughput, custom or imported models) is
 * not looked up: ListInferenceProfiles then checks only reachability and credentials, and says so.
 */
export interface ModelLookup {
  /** The API action; the IAM permission it needs is `bedrock:<operation>`. */
  operation: 'GetInferenceProfile' | 'GetFoundationModel' | 'ListInferenceProfiles'
  /** Path and query on the control-plane endpoint. */
  path: string
  /** Reads the 200 answer; `where` is the endpoint's origin. */
  judge: (body: Record<string, unknown>, where: string) => Omit<HealthStatus, 'latencyMs'>
}

const ARN = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:([a-z-]+)\/(.+)$/

export function modelLookup (modelId: string): ModelLookup {
  const arn = ARN.exec(modelId)
  const kind = arn?.[1]
  if (kind === 'inference-profile' || kind === 'application-inference-profile' || (arn === null && isInferenceProfileId(modelId))) {
    return {
      operation: 'GetInferenceProfile',
      path: `/inference-profiles/${encodeURIComponent(modelId)}`,
      judge: (body, where) => {
        const status = typeof body.status === 'string' ? body.status : 'available'
        return { ok: status === 'ACTIVE' || status === 'available', detail: `inference profile ${modelId} is ${status} at ${where} (credentials accepted)` }
      }
    }
  }
  if (arn === null || kind === 'foundation-model') {
    const id = arn?.[2] ?? modelId
    return { operation: 'GetFoundationModel', path: `/foundation-models/${encodeURIComponent(id)}`, judge: (body, where) => judgeFoundationModel(id, body, where) }
  }
  return {
    operation: 'ListInferenceProfiles',
    path: '/inference-profiles?maxResults=1',
    judge: (_body, where) => ({ ok: true, detail: `${where} accepted the credentials; the ${kind ?? 'model'} ${modelId} was not looked up (the probe knows foundation models and inference profiles only)` })
  }
}

interface FoundationModelDetails { modelLifecycle?: { status?: unknown }, inferenceTypesSupported?: unknown }

function judgeFoundationModel (id: string, body: Record<string, unknown>, where: string): Omit<HealthStatus, 'latencyMs'> {
  const details = (body.modelDetails ?? {}) as FoundationModelDetails
  const status = typeof details.modelLifecycle?.status === 'string' ? details.modelLifecycle.status : 'available'
  const types = details.inferenceTypesSupported
  // Many newer models are served only through a cross-region profile; calling the bare id then fails.
  if (Array.isArray(types) && types.length > 0 && !types.includes('ON_DEMAND')) {
    return { ok: false, detail: `foundation model ${id} is not offered on demand at ${where} (inference types: ${types.join(', ')}); set AWS_BEDROCK_MODEL_ID to a cross-region inference profile such as us.${id} or global.${id}` }
  }
  return { ok: true, detail: `foundation model ${id} is ${status} at ${where} (credentials accepted)` }
}

/** A refused probe names the permission it needs: a role allowed only bedrock:InvokeModel* lands here. */
export function probeFailure (error: unknown, operation: ModelLookup['operation']): unknown {
  if (!(error instanceof LynkrError) || error.code !== 'LYNKR_UPSTREAM_AUTH' || !/AccessDenied/i.test(error.message)) return error
  return new LynkrError(error.kind, `${error.message} (the deep probe calls ${operation}: the credentials need bedrock:${operation})`, {
    status: error.status, code: error.code, provider: error.provider, retryable: false, upstreamBody: error.upstreamBody, cause: error
  })
}
