import { createHash } from 'node:crypto'
import type { ChatMessage, ChatRequest, PipelineStep, StepContext, TextBlock } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE } from '@lynkr/protocol'
import { BoundedMemo, needsRoom, ROOM_WINDOWS, sessionTargetKey } from '@lynkr/core'
import { compactClaudeCodeSystem, compactClaudeCodeSystemMessage, isClaudeCode, isClaudeCodeSystemMessage, tidyWhitespace } from './claude-code-prompt.ts'

export type SystemPromptMode = 'dynamic' | 'auto' | 'conservative' | 'aggressive'

export interface SystemPromptOptions { mode: SystemPromptMode }

const MAX_SESSIONS = 2000
const MAX_TEXTS = 4000

/**
 * The `system-prompt` step. On a target that needs room (a small window without a priced prompt cache),
 * Claude Code's system prompt and its environment system messages become a compact profile; other clients'
 * prompts only lose trailing spaces and extra blank lines. The profile is a function of the text and of the
 * tools the session's first request offered, memoised, so every request of a session sends the same bytes.
 */
export function systemPromptStep (options: SystemPromptOptions): PipelineStep {
  const maxWindow = ROOM_WINDOWS[options.mode] ?? ROOM_WINDOWS.heuristic!
  /** The tools the session's first request offered (after tool selection): what the profile mentions, for good. */
  const sessionTools = new BoundedMemo<ReadonlySet<string>>(MAX_SESSIONS)
  const texts = new BoundedMemo<string>(MAX_TEXTS)
  const systems = new BoundedMemo<TextBlock[]>(MAX_TEXTS)

  return {
    name: 'dynamic-system-prompt',
    stage: 'system-prompt',
    optional: true,
    run: (request: ChatRequest, context: StepContext): ChatRequest => {
      if (!needsRoom(context.capabilities, maxWindow)) return request
      if (!isClaudeCode(request)) return tidied(request)
      // Claude Code's title and summary requests carry no tools: they keep their prompt as it is.
      if (request.tools === undefined || request.tools.length === 0) return request
      const offered = (): ReadonlySet<string> => new Set((request.tools ?? []).map((tool) => tool.name))
      // A count (count_tokens, which Claude Code also sends for parts of a prompt) must not fix the session's tools.
      const tools = context.purpose === COUNT_TOKENS_PURPOSE ? sessionTools.peek(sessionTargetKey(context)) ?? offered() : sessionTools.get(sessionTargetKey(context), offered)
      const toolsKey = [...tools].join(',')
      const system = request.system ?? []
      const systemKey = hashOf(system.map((block) => block.text).join('\u0000'), toolsKey)
      const compactSystem = systems.get(systemKey, () => compactClaudeCodeSystem(system, tools))
      let changed = false
      const messages = request.messages.map((message): ChatMessage => {
        if (!isClaudeCodeSystemMessage(message)) return message
        const content = message.content.map((block) => block.type !== 'text' ? block : { ...block, text: texts.get(hashOf(block.text, toolsKey), () => compactClaudeCodeSystemMessage(block.text, tools)) })
          .filter((block) => block.type !== 'text' || block.text !== '')
        changed = true
        return { ...message, content }
      }).filter((message) => message.content.length > 0)
      return { ...request, system: compactSystem.map((block) => ({ ...block })), messages: changed ? messages : request.messages }
    }
  }
}

function hashOf (text: string, toolsKey: string): string {
  return createHash('sha256').update(text).update('\u0001').update(toolsKey).digest('base64')
}

/** Other clients' prompts: whitespace only. */
function tidied (request: ChatRequest): ChatRequest {
  const system = request.system
  if (system === undefined) return request
  let changed = false
  const tidy = system.map((block) => {
    const text = tidyWhitespace(block.text)
    if (text === block.text) return block
    changed = true
    return { ...block, text }
  })
  return changed ? { ...request, system: tidy } : request
}
