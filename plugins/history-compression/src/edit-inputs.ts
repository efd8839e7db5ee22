import type { ChatMessage } from '@lynkr/protocol'
import { CHARS_PER_TOKEN, filePathOf } from './result-kinds.ts'
import type { ResultEntry } from './result-kinds.ts'

/**
 * The bodies of old edits. An Edit's `old_string` is what the file no longer holds; its `new_string` and a
 * Write's `content` are what it holds, until a later read of the file shows those lines again. Both are sent on
 * every later turn; in a batch they are shortened to a note of what was done (file path and the other fields
 * stay), riding on the batch's rewrite. They live in the same cleared map as results, under `inputKey(id)`.
 */
export const inputKey = (id: string): string => `input:${id}`

/** A shortened input saves at least this many tokens, or it stays. */
const MIN_SAVED_TOKENS = 40
/** Lines shorter than this (braces, `return;`) say nothing about whether a read shows an edit. */
const MIN_LINE = 8

const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write'])

const lineCount = (text: string): number => text === '' ? 0 : text.split('\n').length

/** Whether every telling line of `text` is in one of `reads` (a later read of the file shows what was written). */
function shownBy (text: string, reads: string[]): boolean {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.length >= MIN_LINE)
  return lines.length > 0 && lines.every((line) => reads.some((read) => read.includes(line)))
}

function shortenEdit (edit: Record<string, unknown>, reads: string[]): Record<string, unknown> {
  const out = { ...edit }
  if (typeof edit.old_string === 'string' && edit.old_string.length > 0) out.old_string = `[lynkr: the ${lineCount(edit.old_string)} replaced lines were cleared from the history]`
  if (typeof edit.new_string === 'string' && shownBy(edit.new_string, reads)) out.new_string = `[lynkr: the ${lineCount(edit.new_string)} new lines were cleared from the history: a later read of the file shows them]`
  return out
}

/** The shortened input of an Edit, MultiEdit or Write, given the texts of later reads of its file. */
export function shortenedInput (name: string, input: Record<string, unknown>, reads: string[]): Record<string, unknown> {
  if (name === 'Write') {
    return typeof input.content === 'string' && shownBy(input.content, reads) ? { ...input, content: `[lynkr: the ${lineCount(input.content)} lines written were cleared from the history: a later read of the file shows them]` } : input
  }
  if (name === 'MultiEdit' && Array.isArray(input.edits)) return { ...input, edits: input.edits.map((edit: unknown) => typeof edit === 'object' && edit !== null ? shortenEdit(edit as Record<string, unknown>, reads) : edit) }
  return shortenEdit(input, reads)
}

/**
 * Old edits whose bodies a batch shortens: Edit/MultiEdit/Write calls in messages [from, before) that succeeded
 * (a failed edit's old_string is still in the file), not shortened yet, saving at least MIN_SAVED_TOKENS. A
 * `new_string` or `content` is shortened only when a later read that stays (`gone` is false for it) shows it.
 */
export function editStubs (messages: ChatMessage[], from: number, before: number, entries: ResultEntry[], gone: (id: string) => boolean): Array<{ id: string, stub: string, tokens: number, message: number }> {
  const out: Array<{ id: string, stub: string, tokens: number, message: number }> = []
  const results = new Map(entries.map((entry) => [entry.id, entry]))
  for (let index = Math.max(0, from); index < before; index++) {
    const message = messages[index]!
    if (message.role !== 'assistant') continue
    for (const block of message.content) {
      if (block.type !== 'tool_use' || !EDIT_TOOLS.has(block.name) || gone(inputKey(block.id))) continue
      const input = block.input as Record<string, unknown> | undefined
      const result = results.get(block.id)
      if (input === undefined || typeof input !== 'object' || result === undefined || /error|not found|failed/i.test(result.text)) continue
      const path = filePathOf({ name: block.name, input })
      const reads = entries.filter((entry) => entry.kind === 'read' && entry.path === path && entry.message > index && !gone(entry.id)).map((entry) => entry.text)
      const short = shortenedInput(block.name, input, reads)
      const saved = Math.floor((JSON.stringify(input).length - JSON.stringify(short).length) / CHARS_PER_TOKEN)
      if (saved >= MIN_SAVED_TOKENS) out.push({ id: inputKey(block.id), stub: JSON.stringify(short), tokens: saved, message: index })
    }
  }
  return out
}
