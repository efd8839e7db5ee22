import type { ToolDefinition } from '@lynkr/protocol'

/**
 * The tools an agent loop cannot work without, most needed first: Claude Code's, then Qwen Code's / Gemini
 * CLI's and Codex's names for the same jobs. ToolSearch stays so deferred tools remain reachable.
 */
export const AGENT_LOOP_TOOLS: readonly string[] = [
  'Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep', 'ToolSearch', 'TodoWrite', 'MultiEdit', 'LS',
  'run_shell_command', 'read_file', 'write_file', 'replace', 'edit', 'glob', 'search_file_content', 'grep', 'list_directory',
  'shell', 'apply_patch'
]

const CORE = new Set(AGENT_LOOP_TOOLS)

export interface SelectOptions {
  /** Tokens the tools beyond the agent-loop ones may take (each costed as it will be sent). */
  budget: number
  cost: (tool: ToolDefinition) => number
}

/**
 * Tools kept whatever they cost: server tools (no schema of ours to shorten), deferred tools (upstreams
 * without tool search drop them until a search loaded them; Anthropic does not render them).
 */
export function alwaysKept (tool: ToolDefinition): boolean {
  return tool.input_schema === undefined || tool.defer_loading === true || (typeof tool.type === 'string' && tool.type !== 'custom')
}

/**
 * Which of the client's tools a small window gets: an agent's list (two or more agent-loop tools: Claude
 * Code, Qwen Code…) keeps those and the always-kept ones; any other list keeps the always-kept ones, then
 * the others in the client's order while they fit the budget. A pure function of the list: the same list
 * always gives the same selection.
 */
export function selectTools (tools: readonly ToolDefinition[], options: SelectOptions): Set<string> {
  const selected = new Set<string>()
  for (const tool of tools) if (CORE.has(tool.name) || alwaysKept(tool)) selected.add(tool.name)
  if (tools.filter((tool) => CORE.has(tool.name)).length >= 2) return selected
  let spent = 0
  for (const tool of tools) {
    if (selected.has(tool.name)) continue
    const cost = options.cost(tool)
    if (spent + cost > options.budget) continue
    spent += cost
    selected.add(tool.name)
  }
  return selected
}
