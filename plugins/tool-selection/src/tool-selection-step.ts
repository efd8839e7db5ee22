import { createHash } from 'node:crypto'
import type { ChatRequest, PipelineStep, StepContext, ToolDefinition } from '@lynkr/protocol'
import { COUNT_TOKENS_PURPOSE, loadedToolNames } from '@lynkr/protocol'
import { BoundedMemo, countRequestTokens, needsRoom, ROOM_WINDOWS, sessionTargetKey } from '@lynkr/core'
import { compactTool } from './compact-tool.ts'
import type { CompactLevel } from './compact-tool.ts'
import { selectTools } from './select-tools.ts'

export type ToolSelectionMode = 'heuristic' | 'auto' | 'conservative' | 'aggressive'

export interface ToolSelectionOptions {
  mode: ToolSelectionMode
  /** The most tokens a non-agent client's tools may take (SMART_TOOL_SELECTION_TOKEN_BUDGET). */
  tokenBudget: number
}

/** Share of the window the optional tools may take at most, whatever the budget says. */
const WINDOW_SHARE = 0.1
const MAX_SESSIONS = 2000
const MAX_LISTS = 32
const MAX_COMPACTED = 4000

interface Session {
  /** Per tool list (a sub-agent's, the list after a tool search loaded more): decided on first sight, never changed. */
  readonly lists: Map<string, ReadonlySet<string>>
  /** Removed tools the model called (or a tool search loaded, or tool_choice named): back for good, in every list. */
  readonly restored: Set<string>
}

/**
 * The `tool-selection` step. On a target that needs room (a small window without a priced prompt cache),
 * the session's tool list is decided once — an agent's loop tools, another client's tools as far as the
 * budget goes, each with a short description and a trimmed schema — and then sent byte for byte the same on
 * every request, in the client's order. A removed tool the model calls anyway comes back for the rest of the session.
 */
export function toolSelectionStep (options: ToolSelectionOptions): PipelineStep {
  const level: CompactLevel = options.mode === 'aggressive' ? 'minimal' : 'compact'
  const maxWindow = ROOM_WINDOWS[options.mode] ?? ROOM_WINDOWS.heuristic!
  const sessions = new BoundedMemo<Session>(MAX_SESSIONS)
  /** Memoised by the tool's bytes: the same tool always becomes the same object. */
  const compacted = new BoundedMemo<ToolDefinition>(MAX_COMPACTED)
  const compact = (tool: ToolDefinition): ToolDefinition => compacted.get(JSON.stringify(tool), () => compactTool(tool, level))

  async function decide (tools: ToolDefinition[], window: number | undefined): Promise<ReadonlySet<string>> {
    const costs = new Map<string, number>()
    await Promise.all(tools.map(async (tool) => { costs.set(tool.name, await countRequestTokens({ messages: [], tools: [compact(tool)] })) }))
    const budget = window === undefined ? options.tokenBudget : Math.min(options.tokenBudget, Math.floor(window * WINDOW_SHARE))
    return selectTools(tools, { budget, cost: (tool) => costs.get(tool.name) ?? 0 })
  }

  return {
    name: 'smart-tool-selection',
    stage: 'tool-selection',
    optional: true,
    run: async (request: ChatRequest, context: StepContext): Promise<ChatRequest> => {
      const tools = request.tools
      if (tools === undefined || tools.length === 0) return request
      if (!needsRoom(context.capabilities, maxWindow)) return request
      // count_tokens counts with what the session decided, or would decide, but freezes and restores nothing.
      const counting = context.purpose === COUNT_TOKENS_PURPOSE
      const fresh = (): Session => ({ lists: new Map(), restored: new Set() })
      const session = counting ? sessions.peek(sessionTargetKey(context)) ?? fresh() : sessions.get(sessionTargetKey(context), fresh)
      const list = listKey(tools)
      let selected = session.lists.get(list)
      if (selected === undefined) {
        selected = await decide(tools, context.capabilities.contextWindow)
        if (!counting) {
          if (session.lists.size >= MAX_LISTS) session.lists.delete(session.lists.keys().next().value!)
          session.lists.set(list, selected)
        }
      }
      const restored = counting ? new Set(session.restored) : session.restored
      for (const name of wanted(request)) if (!selected.has(name)) restored.add(name)
      const sent = tools.filter((tool) => selected.has(tool.name) || restored.has(tool.name)).map(compact)
      return { ...request, tools: sent }
    }
  }
}

/** A tool list by its names, in order. */
function listKey (tools: ToolDefinition[]): string {
  const hash = createHash('sha256')
  for (const tool of tools) hash.update(tool.name).update('\u0000')
  return hash.digest('base64')
}

/** Tools the conversation needs whatever the selection said: called earlier, loaded by a tool search, or forced. */
function wanted (request: ChatRequest): Set<string> {
  const names = loadedToolNames(request.messages)
  for (const message of request.messages) {
    if (message.role !== 'assistant') continue
    for (const block of message.content) if (block.type === 'tool_use') names.add(block.name)
  }
  if (request.tool_choice?.type === 'tool') names.add(request.tool_choice.name)
  return names
}
