import type { ChatRequest, PipelineStep, StepContext, StepReport } from '@lynkr/protocol'
import { PIPELINE_STAGES, gatewayError } from '@lynkr/protocol'
import { countRequestsTokens } from './tokens/count-tokens.ts'
import type { TokenMemo } from './tokens/count-tokens.ts'

const order = (stage: string): number => (PIPELINE_STAGES as readonly string[]).indexOf(stage)

/** Breakpoint placement changes no content: not measured (a token count of the whole prompt each time). */
const UNMEASURED_STAGES = new Set<string>(['prompt-cache'])

/**
 * Request-rewriting steps, run in stage order then registration order within a stage. A step's failure
 * is the gateway's (never retried or charged to the provider); an optional step fails open.
 */
export class Pipeline {
  private steps: PipelineStep[] = []

  use (step: PipelineStep): void {
    if (order(step.stage) === -1) {
      throw new Error(`Pipeline step "${step.name}" uses unknown stage "${step.stage}"; stages are ${PIPELINE_STAGES.join(', ')}`)
    }
    this.steps.push(step)
    this.steps = this.steps.map((s, i) => ({ s, i })).sort((a, b) => order(a.s.stage) - order(b.s.stage) || a.i - b.i).map(({ s }) => s)
  }

  list (): readonly PipelineStep[] { return this.steps }

  /** Whether a step may change the prompt's content (not only place cache breakpoints): what a count must run. */
  get changesContent (): boolean { return this.steps.some((step) => !UNMEASURED_STAGES.has(step.stage)) }

  /**
   * Runs every step. `report`, when given, hears what each step that changed the request did to its token
   * count (counted only then, so an idle step costs nothing).
   */
  async run (request: ChatRequest, context: StepContext, report?: (report: StepReport) => void): Promise<ChatRequest> {
    let current = request
    // What this run counted, by object: the request before a step is the one after the step before it, and
    // both share the blocks the step left alone.
    const counted: TokenMemo = new WeakMap()
    for (const step of this.steps) {
      const started = Date.now()
      let next: ChatRequest
      try {
        next = await step.run(current, context)
        if (next === null || typeof next !== 'object' || !Array.isArray(next.messages)) throw new Error('it returned no request')
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason
        if (step.optional === true) {
          context.log.warn({ err: error, step: step.name, stage: step.stage }, `optional pipeline step "${step.name}" failed; the request goes on without it`)
          continue
        }
        throw gatewayError(error, `Pipeline step "${step.name}" (${step.stage})`, 'LYNKR_STEP_FAILED')
      }
      if (next !== current && report !== undefined && !UNMEASURED_STAGES.has(step.stage)) {
        const durationMs = Date.now() - started
        const [tokensBefore, tokensAfter] = await countRequestsTokens([current, next], counted) as [number, number]
        report({ step: step.name, stage: step.stage, tokensBefore, tokensAfter, durationMs })
      }
      current = next
    }
    return current
  }
}
