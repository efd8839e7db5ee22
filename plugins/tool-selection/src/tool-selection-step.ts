import { createHash } from 'node:crypto'
import type { ChatRequest, PipelineStep, StepContext, ToolDefinition } from '@lynkr/protocol'
import { loadedToolNames } from '@lynkr/protocol'
import { countRequestTokens, needsRoom, ROOM_WINDOWS } from '@lynkr/core'
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
const MAX_COMPACTED = 4000

interface Selection {
  /** Decided on the session's first request with this tool list; never changes. */
  readonly selected: ReadonlySet<string>
  /** Removed tools the model called (or a tool search loaded, or tool_choice named): back for good. */
  readonly restored: Set<string>
}

/**
 * The `tool-selection` step. On a target that needs room (a small window without a priced prompt cache),
 * the session's tool list is decided once — the agent-loop tools plus what fits the budget, each with a
 * short description and a trimmed schema — and then sent byte for byte the same on every request, in the
 * client's order. A removed tool the model calls anyway comes back for the rest of the session.
 */
export function toolSelectionStep (options: ToolSelectionOptions): PipelineStep {
  const level: CompactLevel = options.mode === 'aggressive' ? 'minimal' : 'compact'
  const maxWindow = ROOM_WINDOWS[options.mode] ?? ROOM_WINDOWS.heuristic!
  const sessions = new Map<string, Selection>()
  const compacted = new Map<string, ToolDefinition>()

  /** Memoised by the tool's bytes: the same tool always becomes the same object. */
  function compact (tool: ToolDefinition): ToolDefinition {
    const key = JSON.stringify(tool)
    let found = compacted.get(key)
    if (found === undefined) {
      found = compactTool(tool, level)
      if (compacted.size >= MAX_COMPACTED) compacted.delete(compacted.keys().next().value!)
      compacted.set(key, found)
    }
    return found
  }

  async function decide (tools: ToolDefinition[], window: number | undefined): Promise<Selection> {
    const costs = new Map<string, number>()
    await Promise.all(tools.map(async (tool) => { costs.set(tool.name, await countRequestTokens({ messages: [], tools: [compact(tool)] })) }))
    const budget = window === undefined ? options.tokenBudget : Math.min(options.tokenBudget, Math.floor(window * WINDOW_SHARE))
    return { selected: selectTools(tools, { budget, cost: (tool) => costs.get(tool.name) ?? 0 }), restored: new Set() }
  }

  return {
    name: 'smart-tool-selection',
    stage: 'tool-selection',
    optional: true,
    run: async (request: ChatRequest, context: StepContext): Promise<ChatRequest> => {
      const tools = request.tools
      if (tools === undefined || tools.length === 0) return request
      if (!needsRoom(context.capabilities, maxWindow)) return request
      const key = sessionKey(context, tools)
      let selection = sessions.get(key)
      if (selection === undefined) {
        selection = await decide(tools, context.capabilities.contextWindow)
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!)
      } else {
        sessions.delete(key) // most recently used last
      }
      sessions.set(key, selection)
      for (const name of wanted(request)) if (!selection.selected.has(name)) selection.restored.add(name)
      const sent = tools.filter((tool) => selection.selected.has(tool.name) || selection.restored.has(tool.name)).map(compact)
      return { ...request, tools: sent }
    }
  }
}

/** One decision per session, target and tool list (a sub-agent's list is its own conversation). */
function sessionKey (context: StepContext, tools: ToolDefinition[]): string {
  const hash = createHash('sha256')
  for (const tool of tools) hash.update(tool.name).update('\u0000')
  return `${context.session.id}\u0000${context.decision.provider}\u0000${context.decision.model}\u0000${hash.digest('base64')}`
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
