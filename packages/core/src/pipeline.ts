import type { ChatRequest, PipelineStep, StepContext, StepReport } from '@lynkr/protocol'
import { PIPELINE_STAGES, gatewayError } from '@lynkr/protocol'
import { countRequestsTokens } from './tokens/count-tokens.ts'

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
   * count (counted only then, so an idle step costs nothing), before this returns.
   */
  async run (request: ChatRequest, context: StepContext, report?: (report: StepReport) => void): Promise<ChatRequest> {
    const prepared = await this.prepare(request, context, report)
    if (prepared.reported !== undefined) await prepared.reported
    return prepared.request
  }

  /**
   * Runs every step and returns the request at once; the savings of the steps that changed it are counted
   * after, off the request's path (the upstream call does not wait for bookkeeping: a new tool result's first
   * count tokenizes it). `reported` settles once `report` heard every step, in order.
   */
  async prepare (request: ChatRequest, context: StepContext, report?: (report: StepReport) => void): Promise<{ request: ChatRequest, reported?: Promise<void> }> {
    let current = request
    const changes: Array<{ step: PipelineStep, before: ChatRequest, after: ChatRequest, durationMs: number }> = []
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
      if (next !== current && report !== undefined && !UNMEASURED_STAGES.has(step.stage)) changes.push({ step, before: current, after: next, durationMs: Date.now() - started })
      current = next
    }
    if (changes.length === 0 || report === undefined) return { request: current }
    // Every before and after in one count: the request after a step is the one before the next, and they
    // share the blocks the steps left alone (counted once, by object). Their texts are taken now, so what
    // the request goes through after this cannot change what is counted.
    const counts = countRequestsTokens(changes.flatMap(({ before, after }) => [before, after]), new WeakMap(), { defer: true })
    const reported = counts.then((tokens) => {
      changes.forEach(({ step, durationMs }, i) => { report({ step: step.name, stage: step.stage, tokensBefore: tokens[2 * i]!, tokensAfter: tokens[2 * i + 1]!, durationMs }) })
    }).catch((error: unknown) => { context.log.warn({ err: error }, 'pipeline: reporting what the steps saved failed') })
    return { request: current, reported }
  }
}
