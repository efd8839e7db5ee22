/**
 * Reads, from an upstream request body in any of the wire formats the providers speak, the tool calls of
 * the last assistant turn that made some and the tool results that answer them, and the instructions
 * given in system position. Tests use it to check that what reached the upstream pairs each result with
 * its call and keeps every instruction where the model treats it as one.
 */
import { isRecord } from './fake-script.ts'

export interface WireCall { id?: string, name: string }
export interface WireResult { id?: string, name?: string, text: string }
export interface WireToolTurn { calls: WireCall[], results: WireResult[] }

function text (value: unknown): string {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map((part) => isRecord(part) && typeof part.text === 'string' ? part.text : '').join('')
  return ''
}

function records (value: unknown): Array<Record<string, any>> {
  return Array.isArray(value) ? value.filter(isRecord) : []
}

/** OpenAI Chat: the last assistant message with tool_calls, then the tool messages after it. */
function openAITurn (messages: Array<Record<string, any>>): WireToolTurn {
  const at = messages.findLastIndex((message) => message.role === 'assistant' && Array.isArray(message.tool_calls))
  if (at === -1) return { calls: [], results: [] }
  const calls = records(messages[at]!.tool_calls).map((call) => ({ id: call.id, name: call.function?.name }))
  const results: WireResult[] = []
  for (const message of messages.slice(at + 1)) {
    if (message.role !== 'tool') break
    results.push({ id: message.tool_call_id, text: text(message.content) })
  }
  return { calls, results }
}

/** Anthropic Messages (also Bedrock InvokeModel): tool_use blocks, then the next turn's tool_result blocks. */
function anthropicTurn (messages: Array<Record<string, any>>): WireToolTurn {
  const at = messages.findLastIndex((message) => message.role === 'assistant' && records(message.content).some((block) => block.type === 'tool_use'))
  if (at === -1) return { calls: [], results: [] }
  const calls = records(messages[at]!.content).filter((block) => block.type === 'tool_use').map((block) => ({ id: block.id, name: block.name }))
  const results = records(messages[at + 1]?.content).filter((block) => block.type === 'tool_result').map((block) => ({ id: block.tool_use_id, text: text(block.content) }))
  return { calls, results }
}

/** Bedrock Converse: toolUse blocks, then the next turn's toolResult blocks. */
function converseTurn (messages: Array<Record<string, any>>): WireToolTurn {
  const at = messages.findLastIndex((message) => message.role === 'assistant' && records(message.content).some((block) => isRecord(block.toolUse)))
  if (at === -1) return { calls: [], results: [] }
  const calls = records(messages[at]!.content).filter((block) => isRecord(block.toolUse)).map((block) => ({ id: block.toolUse.toolUseId, name: block.toolUse.name }))
  const results = records(messages[at + 1]?.content).filter((block) => isRecord(block.toolResult)).map((block) => ({ id: block.toolResult.toolUseId, text: text(block.toolResult.content) }))
  return { calls, results }
}

/** Gemini: functionCall parts, then the next turn's functionResponse parts (paired by name; ids when sent). */
function geminiTurn (contents: Array<Record<string, any>>): WireToolTurn {
  const at = contents.findLastIndex((content) => content.role === 'model' && records(content.parts).some((part) => isRecord(part.functionCall)))
  if (at === -1) return { calls: [], results: [] }
  const calls = records(contents[at]!.parts).filter((part) => isRecord(part.functionCall)).map((part) => ({ id: part.functionCall.id, name: part.functionCall.name }))
  const results = records(contents[at + 1]?.parts).filter((part) => isRecord(part.functionResponse)).map((part) => {
    const response = part.functionResponse.response ?? {}
    return { id: part.functionResponse.id, name: part.functionResponse.name, text: String(response.result ?? response.error ?? response.output ?? '') }
  })
  return { calls, results }
}

/** Converse content blocks are untyped objects (`{text}`, `{toolUse}`…); Anthropic blocks carry `type`. */
function isConverse (messages: Array<Record<string, any>>): boolean {
  return messages.some((message) => records(message.content).some((block) => block.type === undefined))
}

export function wireToolTurn (body: any): WireToolTurn {
  if (Array.isArray(body?.contents)) return geminiTurn(records(body.contents))
  const messages = records(body?.messages)
  if (messages.some((message) => message.role === 'tool' || Array.isArray(message.tool_calls))) return openAITurn(messages)
  return isConverse(messages) ? converseTurn(messages) : anthropicTurn(messages)
}

/** The instructions in system position: OpenAI system/developer messages, Anthropic `system`, Converse `system`, Gemini `systemInstruction`. */
export function wireSystemTexts (body: any): string[] {
  if (Array.isArray(body?.contents)) return records(body.systemInstruction?.parts).map((part) => text(part.text))
  if (typeof body?.system === 'string') return [body.system]
  if (Array.isArray(body?.system)) return records(body.system).map((block) => text(block.text))
  return records(body?.messages).filter((message) => message.role === 'system' || message.role === 'developer').map((message) => text(message.content))
}

export type WireFormat = 'openai' | 'anthropic' | 'converse' | 'gemini' | 'ollama'

/** The wire format of an upstream request, from its path (the same for every body it may carry). */
export function wireFormat (path: string): WireFormat {
  const pathname = path.split('?')[0]!
  if (/:(stream)?generateContent$/i.test(pathname)) return 'gemini'
  if (/\/converse(-stream)?$/.test(pathname)) return 'converse'
  if (/\/invoke(-with-response-stream)?$/.test(pathname) || pathname.endsWith('/v1/messages')) return 'anthropic'
  if (pathname === '/api/chat') return 'ollama'
  return 'openai'
}

/** How each wire format says "stopped at max_tokens". */
export const LENGTH_STOP: Record<WireFormat, string> = { openai: 'length', anthropic: 'max_tokens', converse: 'max_tokens', gemini: 'MAX_TOKENS', ollama: 'length' }
