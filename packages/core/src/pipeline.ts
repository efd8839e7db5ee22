import type { CallContext, ChatRequest, PipelineStep } from '@lynkr/protocol'
import { PIPELINE_STAGES } from '@lynkr/protocol'

/** Request-rewriting steps, run in stage order then registration order within a stage. */
export class Pipeline {
  private steps: PipelineStep[] = []

  use (step: PipelineStep): void {
    if (!(PIPELINE_STAGES as readonly string[]).includes(step.stage)) {
      throw new Error(`Pipeline step "${step.name}" uses unknown stage "${step.stage}"; stages are ${PIPELINE_STAGES.join(', ')}`)
    }
    this.steps.push(step)
    const order = (stage: string): number => (PIPELINE_STAGES as readonly string[]).indexOf(stage)
    this.steps = this.steps.map((s, i) => ({ s, i })).sort((a, b) => order(a.s.stage) - order(b.s.stage) || a.i - b.i).map(({ s }) => s)
  }

  list (): readonly PipelineStep[] { return this.steps }

  async run (request: ChatRequest, context: CallContext): Promise<ChatRequest> {
    if (this.steps.length === 0) return request
    let current = request
    for (const step of this.steps) current = await step.run(current, context)
    return current
  }
}
