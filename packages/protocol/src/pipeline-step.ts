import type { ChatRequest } from './messages.ts'
import type { CallContext } from './provider-adapter.ts'

/**
 * Where request-rewriting steps run, in this fixed order. `recall` is long-term memory; the six token
 * optimisation phases follow, in the order they should cut tokens. Later issues add the steps; the order
 * lives here once so plugin registration order never changes behaviour.
 */
export const PIPELINE_STAGES = [
  'recall',
  'prompt-cache',
  'memory-dedup',
  'system-prompt',
  'history-compression',
  'tool-result-compression',
  'headroom'
] as const

export type PipelineStage = typeof PIPELINE_STAGES[number]

export interface PipelineStep {
  name: string
  stage: PipelineStage
  /** Returns the request to send on (the same object or a rewritten copy). */
  run: (request: ChatRequest, context: CallContext) => ChatRequest | Promise<ChatRequest>
}
