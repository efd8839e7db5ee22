/**
 * Checks of what an upstream received during a replay: tool-loop integrity (every tool call answered by
 * its result, in every turn of every request) and information retention (what the scripted model uses next
 * — file paths, edit targets — is still in the request it answers, whenever the client had sent it).
 */
import { relative } from 'node:path'
import { isRecord } from '../helpers/fake-script.ts'
import type { CorpusRequest } from '../token-corpus/corpus-format.ts'

type Json = Record<string, any>

function list (value: unknown): Json[] { return Array.isArray(value) ? value.filter(isRecord) : [] }

/** Tool calls without their result, across the whole conversation, in any of the wire formats replayed here. */
export function unpairedToolCalls (body: unknown): string[] {
  if (!isRecord(body)) return []
  const messages = list(body.messages)
  const missing: string[] = []
  for (const [i, message] of messages.entries()) {
    if (message.role !== 'assistant') continue
    // Anthropic: tool_use blocks answered by tool_result blocks in the next message.
    const uses = list(message.content).filter((block) => block.type === 'tool_use').map((block) => String(block.id))
    if (uses.length > 0) {
      const answered = new Set(list(messages[i + 1]?.content).filter((block) => block.type === 'tool_result').map((block) => String(block.tool_use_id)))
      missing.push(...uses.filter((id) => !answered.has(id)))
    }
    // OpenAI Chat and Ollama: tool_calls answered by the tool messages that follow.
    const calls = list(message.tool_calls)
    if (calls.length > 0) {
      const following: Json[] = []
      for (const next of messages.slice(i + 1)) { if (next.role !== 'tool') break; following.push(next) }
      if (calls.every((call) => call.id !== undefined)) {
        const answered = new Set(following.map((next) => String(next.tool_call_id)))
        missing.push(...calls.map((call) => String(call.id)).filter((id) => !answered.has(id)))
      } else if (following.length < calls.length) missing.push(...calls.slice(following.length).map((call) => String(call.function?.name)))
    }
  }
  return missing
}

/** Text a JSON body carries for `value`: the escaped form, as it appears in the raw bytes. */
const escaped = (value: string): string => JSON.stringify(value).slice(1, -1)

export interface Needle { label: string, forms: string[] }

/** What the model uses in its reply to this request: paths it names and lines of text it edits. */
export function needlesOf (request: CorpusRequest, workDir: string): Needle[] {
  const needles: Needle[] = []
  for (const call of request.reply.toolCalls ?? []) {
    const args = call.arguments
    for (const key of ['file_path', 'path', 'absolute_path']) {
      const path = args[key]
      if (typeof path !== 'string' || path === workDir) continue
      const rel = relative(workDir, path)
      needles.push({ label: `${call.name} ${key} ${rel}`, forms: [escaped(path), escaped(rel)] })
    }
    if (typeof args.old_string === 'string') {
      for (const line of args.old_string.split('\n').map((text: string) => text.trim()).filter((text: string) => text.length >= 8)) {
        needles.push({ label: `${call.name} old_string line "${line.slice(0, 40)}"`, forms: [escaped(line)] })
      }
    }
  }
  return needles
}

export function visible (needle: Needle, rawBody: string): boolean {
  return needle.forms.some((form) => rawBody.includes(form))
}
