import type { AssembledMessage } from '@lynkr/core'
import { CUSTOM_TOOL_ARGUMENT } from './request-parts.ts'
import { completionId, finishReasonFor, toChatUsage } from './openai-usage.ts'

/** A whole internal message → a `chat.completion` object (protocols.md §2.2). */
export function toChatCompletion (message: AssembledMessage, customTools: ReadonlySet<string>, created = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const texts: string[] = []
  const reasoning: string[] = []
  const toolCalls: unknown[] = []
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text)
    else if (block.type === 'thinking') reasoning.push(block.thinking)
    else if (block.type === 'tool_use') {
      const input = (block.input ?? {}) as Record<string, unknown>
      if (customTools.has(block.name)) {
        const raw = input[CUSTOM_TOOL_ARGUMENT]
        toolCalls.push({ id: block.id, type: 'custom', custom: { name: block.name, input: typeof raw === 'string' ? raw : JSON.stringify(raw ?? '') } })
      } else {
        toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(input) } })
      }
    }
  }
  const content = texts.join('')
  const assistant: Record<string, unknown> = { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content, refusal: null }
  if (reasoning.length > 0) assistant.reasoning_content = reasoning.join('')
  if (toolCalls.length > 0) assistant.tool_calls = toolCalls
  return {
    id: completionId(message.id),
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [{ index: 0, message: assistant, logprobs: null, finish_reason: finishReasonFor(message.stop_reason) }],
    usage: toChatUsage(message.usage)
  }
}
