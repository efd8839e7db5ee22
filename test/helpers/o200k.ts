/**
 * An independent o200k_base count of what an Ollama upstream received (the measure the token work is stated
 * in). gpt-tokenizer is core's dependency, resolved from there: the same ranks, without the gateway's code.
 */
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../packages/core/package.json', import.meta.url))
const { countTokens } = require('gpt-tokenizer/encoding/o200k_base') as { countTokens: (text: string) => number }

/** Message texts and tool definitions of an Ollama /api/chat body, plus a few tokens of framing per message. */
export function ollamaPromptTokens (body: { messages: Array<{ content?: string, tool_calls?: unknown }>, tools?: unknown[] }): number {
  let tokens = 0
  for (const message of body.messages) {
    tokens += 4 + countTokens(message.content ?? '')
    if (message.tool_calls !== undefined) tokens += countTokens(JSON.stringify(message.tool_calls))
  }
  for (const tool of body.tools ?? []) tokens += 8 + countTokens(JSON.stringify(tool))
  return tokens
}
