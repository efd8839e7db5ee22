/**
 * `agentResponder` (agent-responder.ts) for the wire formats the OpenAI/Ollama one cannot read: Anthropic
 * Messages bodies (Azure Anthropic, Z.AI, Bedrock InvokeModel) and Bedrock Converse bodies. Same script:
 * ask for `Bash echo <marker>`, then report the tool output; background requests without Bash get "ok".
 */
import { isRecord, type FakeResponder, type RecordedRequest } from './fake-script.ts'

function textOf (content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => isRecord(part) && typeof part.text === 'string' ? part.text : '').join('')
}

/** Anthropic bodies: tools[].name; the answer is a tool_result in a user turn after the last assistant turn. */
export function anthropicAgentResponder (marker: string): FakeResponder {
  return (request: RecordedRequest) => {
    const body: unknown = request.body
    if (!isRecord(body) || !Array.isArray(body.tools) || !body.tools.some((tool) => isRecord(tool) && tool.name === 'Bash')) return { text: 'ok' }
    const messages = Array.isArray(body.messages) ? body.messages as unknown[] : []
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]
      if (!isRecord(message)) continue
      if (message.role === 'assistant') break
      const result = Array.isArray(message.content) ? message.content.find((block) => isRecord(block) && block.type === 'tool_result') : undefined
      if (isRecord(result)) return { text: `Result: ${textOf(result.content).trim()}` }
    }
    return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] }
  }
}

/** Converse bodies: toolConfig.tools[].toolSpec.name; the answer is a toolResult block. */
export function converseAgentResponder (marker: string): FakeResponder {
  return (request: RecordedRequest) => {
    const body: unknown = request.body
    if (!isRecord(body)) return { text: 'ok' }
    // InvokeModel carries an Anthropic body.
    if ('anthropic_version' in body) return anthropicAgentResponder(marker)(request)
    const tools = isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools) ? body.toolConfig.tools : []
    if (!tools.some((tool) => isRecord(tool) && isRecord(tool.toolSpec) && tool.toolSpec.name === 'Bash' && tool.toolSpec.description !== 'A tool used earlier in this conversation.')) return { text: 'ok' }
    const messages = Array.isArray(body.messages) ? body.messages as unknown[] : []
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i]
      if (!isRecord(message)) continue
      if (message.role === 'assistant') break
      const block = Array.isArray(message.content) ? message.content.find((entry) => isRecord(entry) && isRecord(entry.toolResult)) : undefined
      if (isRecord(block) && isRecord(block.toolResult)) return { text: `Result: ${textOf(block.toolResult.content).trim()}` }
    }
    return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] }
  }
}

/** Gemini bodies: tools[].functionDeclarations[].name; the answer is a functionResponse part in a user turn. */
export function geminiAgentResponder (marker: string): FakeResponder {
  return (request: RecordedRequest) => {
    const body: unknown = request.body
    if (!isRecord(body)) return { text: 'ok' }
    const tools = Array.isArray(body.tools) ? body.tools : []
    const declared = tools.some((tool) => isRecord(tool) && Array.isArray(tool.functionDeclarations) && tool.functionDeclarations.some((fn) => isRecord(fn) && fn.name === 'Bash'))
    if (!declared) return { text: 'ok' }
    const contents = Array.isArray(body.contents) ? body.contents as unknown[] : []
    for (let i = contents.length - 1; i >= 0; i--) {
      const turn = contents[i]
      if (!isRecord(turn)) continue
      if (turn.role === 'model') break
      const part = Array.isArray(turn.parts) ? turn.parts.find((entry) => isRecord(entry) && isRecord(entry.functionResponse)) : undefined
      if (isRecord(part) && isRecord(part.functionResponse) && isRecord(part.functionResponse.response)) {
        const response = part.functionResponse.response
        return { text: `Result: ${textOf(response.result ?? response.output ?? response.content).trim()}` }
      }
    }
    return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] }
  }
}
