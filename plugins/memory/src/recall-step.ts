import type { ChatRequest, PipelineStep, StepContext } from '@lynkr/protocol'
import { anchorOf, applyInjections, formatMemories, latestPrompt } from './inject.ts'
import type { InjectionFormat } from './inject.ts'
import type { MemoryService } from './memory.ts'
import type { InjectionRecords } from './sessions.ts'

/** Requests that name no working directory share this workspace. */
export const DEFAULT_WORKSPACE = 'default'

export interface RecallStepOptions {
  memory: MemoryService
  records: InjectionRecords
  format: InjectionFormat
}

/**
 * The `recall` pipeline step. For a new prompt it recalls the workspace's memories and attaches them to that
 * user message; every later request of the session gets the same block in the same message again, so the
 * prompt prefix never moves. (Learning is the turn-completed observer's, after the answer.)
 */
export function recallStep (options: RecallStepOptions): PipelineStep {
  const { memory, records } = options
  return {
    name: 'memory-recall',
    stage: 'recall',
    run: async (request: ChatRequest, context: StepContext): Promise<ChatRequest> => {
      // Core's identities: the session (header or conversation hash) and the project (x-lynkr-workspace or the
      // working directory Claude Code states), the same ones the gateway tools see.
      const session = context.session.id
      const workspace = context.workspace?.id ?? DEFAULT_WORKSPACE
      records.setWorkspace(session, workspace)
      const recorded = await records.of(session)
      const prompt = latestPrompt(request)
      if (prompt !== undefined && memory.settings.retrievalLimit > 0) {
        const anchor = anchorOf(request.messages[prompt.index]!)
        if (!recorded.has(anchor)) {
          const shown = records.shownIn(session)
          const found = await memory.recall(prompt.text, workspace, shown)
          for (const hit of found) shown.add(hit.id)
          await records.record(session, anchor, formatMemories(found, options.format))
          memory.store.touch(found.map((hit) => hit.id))
        }
      }
      return applyInjections(request, recorded)
    }
  }
}
