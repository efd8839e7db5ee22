/**
 * A responder that walks a real agent (Claude Code through the gateway) through one tool loop:
 * ask for `Bash echo <marker>`, then report the tool output. Works on OpenAI- and Ollama-shaped bodies.
 */
import { isRecord, type FakeResponder, type RecordedRequest } from './fake-script.ts'

export function agentResponder (marker: string): FakeResponder {
  return (request: RecordedRequest) => {
    const body: unknown = request.body
    if (!isRecord(body) || !hasBashTool(body.tools)) return { text: 'ok' } // background / title requests
    const result = latestToolResult(Array.isArray(body.messages) ? body.messages as unknown[] : [])
    if (result !== undefined) return { text: `Result: ${result.trim()}` }
    return { toolCalls: [{ name: 'Bash', arguments: { command: `echo ${marker}`, description: 'print marker' } }] }
  }
}

function hasBashTool (tools: unknown): boolean {
  if (!Array.isArray(tools)) return false
  return tools.some((tool) => isRecord(tool) && isRecord(tool.function) && tool.function.name === 'Bash')
}

/**
 * The tool output of the current turn: a `tool` message after the last assistant message. Looking past
 * trailing user text matters because a translated tool_result may be followed by a user message
 * (system reminders), and answering that with another tool call would loop forever.
 */
function latestToolResult (messages: unknown[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]
    if (!isRecord(message)) continue
    if (message.role === 'tool') return contentText(message.content)
    if (message.role === 'assistant') return undefined
  }
  return undefined
}

function contentText (content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => isRecord(part) && typeof part.text === 'string' ? part.text : '').join('')
}
