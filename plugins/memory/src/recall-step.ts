import type { ChatRequest, PipelineStep, StepContext } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { isCompactionRequest } from '@lynkr/core'
import { anchorOf, applyInjections, formatMemories, latestPrompt } from './inject.ts'
import type { InjectionFormat } from './inject.ts'
import type { MemoryService } from './memory.ts'
import type { InjectionRecords } from './sessions.ts'
import { pendingRecalls } from './dedup-step.ts'

/** Requests that name no working directory share this workspace. */
export const DEFAULT_WORKSPACE = 'default'

export interface RecallStepOptions {
  memory: MemoryService
  records: InjectionRecords
  format: InjectionFormat
  /** MEMORY_DEDUP_ENABLED: the memory-dedup step decides and records the new prompt's block. */
  dedup?: boolean
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
      // A count (count_tokens) sees the memories already recorded but recalls and learns nothing new; so does
      // Claude Code's compaction or title request: it summarises the conversation as the model saw it, and its
      // instruction is not the user's prompt.
      if (context.purpose === COUNT_TOKENS_PURPOSE || isCompactionRequest(request)) return applyInjections(request, recorded)
      const prompt = latestPrompt(request)
      if (prompt !== undefined && memory.settings.retrievalLimit > 0) {
        const anchor = anchorOf(request.messages[prompt.index]!)
        if (!recorded.has(anchor)) {
          const shown = records.shownIn(session)
          const found = await memory.recall(prompt.text, workspace, shown)
          memory.store.touch(found.map((hit) => hit.id))
          const text = formatMemories(found, options.format)
          if (options.dedup === true && text !== '') {
            // Injected but not recorded: the dedup step, later in this run, drops what the conversation already has and records the rest.
            pendingRecalls.set(context, { session, anchor, index: prompt.index, text, found })
            const injected = applyInjections(request, recorded)
            const message = injected.messages[prompt.index]!
            const messages = injected.messages.slice()
            messages[prompt.index] = { ...message, content: [{ type: 'text', text }, ...message.content] }
            return { ...injected, messages }
          }
          await records.record(session, anchor, text, found.map((hit) => hit.id))
        }
      }
      return applyInjections(request, recorded)
    }
  }
}
