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
      entries.push({ id: block.tool_use_id, message: index, tokens: Math.ceil(contentChars(block.content) / CHARS_PER_TOKEN), call, text: resultText(block.content), ...classify(call) })
    }
  }
  return entries
}

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/** Whether `text` (a user's own words) names `path`: the full path, or a path ending in it with its directory. */
function names (text: string, path: string): boolean {
  if (text.includes(path)) return true
  // `test/inc.test.js` in the prompt names `/repo/test/inc.test.js`: the last two segments, or the file name when it is distinctive.
  const segments = path.split('/').filter((segment) => segment !== '')
  const tail = segments.slice(-2).join('/')
  if (segments.length >= 2 && text.includes(tail)) return true
  const name = basename(path)
  // `coerce` in "debug coerce returning…" names `functions/coerce.js`: a module is called by its file's stem.
  const stem = name.replace(/\.\w+$/, '')
  if (stem.length >= 5 && /^[\w-]+$/.test(stem) && new RegExp(`(?:^|[^\\w/-])${stem}(?:$|[^\\w/-])`, 'i').test(text)) return true
  return name.length >= 8 && /\.\w+$/.test(name) && new RegExp(`(?:^|[\\s\`'"(/])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[\\s\`'",.:;)])`).test(text)
}

/**
 * Reads that keep their content when old, decided from what the conversation has shown so far (never from
 * what comes later): the reads (not superseded) of each file that was edited (Edit/Write) or that the user's own
 * messages name (its path, or its module's name: "coerce" for functions/coerce.js) — the files a session edits
 * next are those it edited or was asked about, and an edit needs the lines it replaces — the newest first, up
 * to `keepReadTokens`. A read is *superseded*
 * (and cleared first, whatever its kind) when a later read of the same file
 * shows at least as much (a whole-file read, or the same range) or a later Write put the whole new content in
 * the conversation.
 */
export function readRoles (messages: ChatMessage[], entries: ResultEntry[], calls: ReadonlyMap<string, ToolCall>, keepReadTokens = Infinity): { superseded: Set<string>, protectedIds: Set<string> } {
  const superseded = new Set<string>()
  const protectedIds = new Set<string>()
  const edited = new Set<string>()
  const written = new Map<string, number>()
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'assistant') continue
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue
      const call = calls.get(block.id)
      const path = filePathOf(call)
      if (call === undefined || path === undefined || !isEdit(call)) continue
      edited.add(path)
      if (call.name === 'Write') written.set(path, index)
    }
  }
  // The user's own words: the text of user turns, without the client's injected context (CLAUDE.md, reminders).
  const userText = messages.filter((message) => message.role === 'user').map((message) => joinTextBlocks(message.content.filter((block) => block.type === 'text'))).join('\n').replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, '')
  const reads = entries.filter((entry) => entry.kind === 'read' && entry.path !== undefined)
  const wanted: ResultEntry[] = []
  for (const [i, read] of reads.entries()) {
    const later = reads.slice(i + 1).filter((next) => next.path === read.path)
    const coveredByRead = later.some((next) => next.partial !== true || next.part === read.part)
    const coveredByWrite = (written.get(read.path!) ?? -1) > read.message
    if (coveredByRead || coveredByWrite) superseded.add(read.id)
    else if (edited.has(read.path!) || names(userText, read.path!)) wanted.push(read)
  }
  // The freshest of them, up to a budget: a whole large file read in parts is not kept forever for one edit.
  let kept = 0
  for (const read of wanted.reverse()) {
    if (kept + read.tokens > keepReadTokens) continue
    kept += read.tokens
    protectedIds.add(read.id)
  }
  return { superseded, protectedIds }
}
