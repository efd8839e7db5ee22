import type { ChatMessage, ContentBlock, ToolResultBlock } from '@lynkr/protocol'
import { joinTextBlocks } from '@lynkr/protocol'

/** Characters per token, roughly: a deterministic estimate (a budget, not a count; no tokenizer on this path). */
export const CHARS_PER_TOKEN = 4

export interface ToolCall { name: string, input: unknown }

/**
 * What a tool result is to the session:
 * - `read`: a file's content (Read, or `cat`/`head`/`tail`/`sed -n` of one file): gone once cleared, read again;
 * - `listing`: where things are (Glob, Grep listing files or counts, `ls`/`find`/`tree`/`git ls-files`/`git
 *   status`): the map later reads and edits come from, small, kept unless large;
 * - `other`: command output, search hits, anything already acted on.
 */
export type ResultKind = 'read' | 'listing' | 'other'

/** One tool result in the conversation: where it is, what it costs and what it is. */
export interface ResultEntry {
  id: string
  message: number
  tokens: number
  call: ToolCall | undefined
  kind: ResultKind
  /** The file a `read` shows (as the call named it). */
  path?: string
  /** Whether the read showed part of the file only (offset/limit, `head`, `sed -n`, a search in it). */
  partial?: boolean
  /** Which part: two reads of the same part are the same content. */
  part?: string
  /** The first and last line a numbered read shows (Claude Code's Read, `cat -n`). */
  lines?: [number, number]
  text: string
}

export function resultText (content: ToolResultBlock['content']): string {
  if (content === undefined) return ''
  if (typeof content === 'string') return content
  return joinTextBlocks(content as ContentBlock[])
}

/** A result's size in characters: its text, or the JSON of a block that is not text (an image). */
export function contentChars (content: ToolResultBlock['content']): number {
  if (content === undefined) return 0
  if (typeof content === 'string') return content.length
  return content.reduce((sum, block) => sum + (block.type === 'text' && typeof block.text === 'string' ? block.text.length : JSON.stringify(block).length), 0)
}

const READ_TOOLS = new Set(['Read', 'read_file', 'ReadFile', 'view'])
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'write_file', 'edit_file', 'replace', 'str_replace_based_edit_tool'])
const LISTING_TOOLS = new Set(['Glob', 'LS', 'list_directory', 'glob'])
const LISTING_COMMAND = /^\s*(?:cd [^;&|]+(?:&&|;)\s*)?(?:ls|find|tree|git ls-files|git status|fd)\b/
/** `cat file`, `head -n 40 file`, `sed -n 1,80p file`, `nl -ba file`: one file's content through the shell. */
const SHELL_READ = /^\s*(?:cat|nl(?: -\w+)*|head(?: -n ?\d+| -\d+)?|tail(?: -n ?\d+| -\d+)?|sed -n ['"]?\d+,\d+p['"]?)\s+(['"]?)([^\s|;&<>'"]+)\1\s*$/

function inputOf (call: ToolCall | undefined): Record<string, unknown> {
  const input = call?.input
  return typeof input === 'object' && input !== null ? input as Record<string, unknown> : {}
}

/** The file a call reads or writes (`file_path`, `path`, `absolute_path`, `notebook_path`). */
export function filePathOf (call: ToolCall | undefined): string | undefined {
  const input = inputOf(call)
  for (const key of ['file_path', 'absolute_path', 'notebook_path', 'path']) {
    const value = input[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return undefined
}

export function classify (call: ToolCall | undefined): Pick<ResultEntry, 'kind' | 'path' | 'partial' | 'part'> {
  if (call === undefined) return { kind: 'other' }
  const input = inputOf(call)
  if (READ_TOOLS.has(call.name)) {
    const path = filePathOf(call)
    if (path !== undefined) return { kind: 'read', path, partial: input.offset !== undefined || input.limit !== undefined, part: `${String(input.offset)}:${String(input.limit)}` }
  }
  if (LISTING_TOOLS.has(call.name)) return { kind: 'listing' }
  // A search inside one file shows lines of it, like a partial read (an edit may use them).
  if (call.name === 'Grep' && input.output_mode === 'content' && typeof input.path === 'string' && /\/[^/]+\.\w+$/.test(input.path)) return { kind: 'read', path: input.path, partial: true, part: `grep:${JSON.stringify(input)}` }
  if (call.name === 'Grep' && (input.output_mode === 'files_with_matches' || input.output_mode === 'count' || input.output_mode === undefined)) return { kind: 'listing' }
  const command = input.command
  if (typeof command === 'string') {
    if (LISTING_COMMAND.test(command) && !/\|\s*xargs|-exec/.test(command)) return { kind: 'listing' }
    const shellRead = SHELL_READ.exec(command)
    if (shellRead !== null) return { kind: 'read', path: shellRead[2]!, partial: !command.trim().startsWith('cat'), part: command.trim() }
  }
  return { kind: 'other' }
}

/**
 * The first and last line numbers of a `cat -n`-style read (Claude Code's Read: `   12→text`), if numbered;
 * `afterNote: false` only when the text ends with a numbered line.
 */
export function numberedLines (text: string, afterNote = true): [number, number] | undefined {
  const first = /^\s*(\d+)(?:→|\t)/.exec(text)
  if (first === null) return undefined
  // The last numbered line: Claude Code may append a note (a system reminder) after the file's lines.
  const lines = text.trimEnd().split('\n')
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - (afterNote ? 30 : 1)); i--) {
    const last = /^\s*(\d+)(?:→|\t)/.exec(lines[i]!)
    if (last !== null) return [Number(first[1]), Number(last[1])]
  }
  return undefined
}

export function isEdit (call: ToolCall): boolean {
  return EDIT_TOOLS.has(call.name)
}

/** Every tool result, oldest first, with the call it answers. */
export function resultsOf (messages: ChatMessage[], calls: ReadonlyMap<string, ToolCall>): ResultEntry[] {
  const entries: ResultEntry[] = []
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user') continue
    for (const block of message.content) {
      if (block.type !== 'tool_result') continue
      const call = calls.get(block.tool_use_id)
      const text = resultText(block.content)
      const kind = classify(call)
      const lines = kind.kind === 'read' ? numberedLines(text) : undefined
      entries.push({ id: block.tool_use_id, message: index, tokens: Math.ceil(contentChars(block.content) / CHARS_PER_TOKEN), call, text, ...kind, ...(lines === undefined ? {} : { lines }) })
    }
  }
  return entries
}

/** The index of the first message of the last `turns` assistant turns (results from there on are recent). */
export function recentStart (messages: ChatMessage[], turns: number): number {
  if (turns <= 0) return messages.length
  let seen = 0
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'assistant' && ++seen === turns) return i
  }
  return 0
}
