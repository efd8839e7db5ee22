import type { ChatRequest } from './messages.ts'

/**
 * A forced `tool_choice` (`any`, `tool`) for an upstream that has no such switch or refuses it (Ollama, Bedrock
 * Converse models other than Claude, Nova and Mistral Large): `tool` offers only the named tool, and a line in
 * the system prompt asks for a call; the choice itself becomes `auto` (its `disable_parallel_tool_use` kept).
 * Other requests come back unchanged.
 */
export function emulateToolChoice (request: ChatRequest): ChatRequest {
  const choice = request.tool_choice
  if (choice === undefined || (choice.type !== 'any' && choice.type !== 'tool')) return request
  const parallel = choice.disable_parallel_tool_use === undefined ? {} : { disable_parallel_tool_use: choice.disable_parallel_tool_use }
  const instruction = choice.type === 'tool'
    ? `Answer by calling the ${choice.name} tool.`
    : 'Answer by calling one of the available tools.'
  return {
    ...request,
    tools: choice.type === 'tool' ? (request.tools ?? []).filter((tool) => tool.name === choice.name) : request.tools,
    tool_choice: { type: 'auto', ...parallel },
    system: [...(request.system ?? []), { type: 'text', text: instruction }]
  }
}
