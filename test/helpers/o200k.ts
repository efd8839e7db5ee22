/**
 * An independent o200k_base count of what an Ollama upstream received (the measure the token work is stated
 * in), with the tokenizer directly rather than the gateway's counter.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'

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

/** The same measure for an OpenAI chat-completions body (llama.cpp, LM Studio): message texts, tool calls and tools. */
export function openAIPromptTokens (body: { messages: Array<{ content?: unknown, tool_calls?: unknown }>, tools?: unknown[] }): number {
  let tokens = 0
  for (const message of body.messages) {
    const content = message.content
    const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: any) => typeof part?.text === 'string' ? part.text : '').join('') : ''
    tokens += 4 + countTokens(text)
    if (message.tool_calls !== undefined) tokens += countTokens(JSON.stringify(message.tool_calls))
  }
  for (const tool of body.tools ?? []) tokens += 8 + countTokens(JSON.stringify(tool))
  return tokens
}
