import type { ChatMessage, ContentBlock, ToolResultBlock, ToolUseBlock } from '@lynkr/protocol'
import { GATEWAY_TOOL_RESULT } from '@lynkr/protocol'

/**
 * The part of a model turn the client never saw: the gateway's tool calls of a turn that also called the
 * client's tools, and their results. The client answers its own calls in its next request; the upstream
 * must then see the whole turn again (each tool_use answered by a tool_result in the next user turn).
 */
export interface HiddenPart {
  uses: ToolUseBlock[]
  results: ToolResultBlock[]
}

const DEFAULT_CAPACITY = 2000
const DEFAULT_TTL_MS = 6 * 60 * 60 * 1000

/**
 * Where hidden parts outlive the process (the embedded store): a gateway restarted between a mixed turn and
 * the client's next request still restores the turn. Synchronous, like the store (better-sqlite3).
 */
export interface HiddenHistoryStore {
  save: (session: string, toolUseIds: string[], part: HiddenPart, expires: number) => void
  load: (session: string, toolUseId: string, now: number) => { part: HiddenPart, expires: number } | undefined
  /** Keeps the entry past `expires` (it is still used). */
  extend: (session: string, toolUseId: string, expires: number) => void
}

/**
 * Hidden parts keyed by session and the client's tool_use ids of that turn. Clients resend the whole history
 * every request, so a part is needed for as long as the conversation goes on: entries live until they are
 * not used for `ttlMs`, and the least recently used go first beyond `capacity`. With a store, what falls out
 * of memory (or was lost by a restart) is read back from it. A lost entry leaves a coherent (just shorter) history.
 */
export class HiddenHistory {
  private readonly entries = new Map<string, { part: HiddenPart, expires: number }>()
  /** Keys the store was asked for and does not hold (bounded like `entries`). */
  private readonly absent = new Set<string>()
  private readonly capacity: number
  private readonly ttlMs: number
  private store: HiddenHistoryStore | undefined

  constructor (options: { capacity?: number, ttlMs?: number, store?: HiddenHistoryStore } = {}) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
    this.store = options.store
  }

  get size (): number { return this.entries.size }

  /** Whether a lookup can find anything (no lookups at all for a gateway that never hid a part). */
  get searchable (): boolean { return this.entries.size > 0 || this.store !== undefined }

  /** Persist from now on (the storage plugin calls this at boot). */
  persistIn (store: HiddenHistoryStore): void { this.store = store }

  remember (session: string, clientToolIds: string[], part: HiddenPart): void {
    const expires = Date.now() + this.ttlMs
    for (const id of clientToolIds) this.keep(`${session}\u0000${id}`, { part, expires })
    this.store?.save(session, clientToolIds, part, expires)
  }

  find (session: string, toolUseId: string): HiddenPart | undefined {
    const key = `${session}\u0000${toolUseId}`
    const now = Date.now()
    let entry = this.entries.get(key)
    if (entry === undefined) {
      // Most ids a conversation carries are the client's own calls, asked about on every request: the store is
      // read once per id, and what it does not hold is remembered as absent (remember() clears that).
      if (this.store === undefined || this.absent.has(key)) return undefined
      entry = this.store.load(session, toolUseId, now)
      if (entry === undefined) {
        this.markAbsent(key)
        return undefined
      }
    }
    if (entry.expires < now) {
      this.entries.delete(key)
      return undefined
    }
    // Used again: the store's copy is extended when half its time is gone (not on every request).
    if (this.store !== undefined && entry.expires - now < this.ttlMs / 2) this.store.extend(session, toolUseId, now + this.ttlMs)
    this.keep(key, { part: entry.part, expires: now + this.ttlMs })
    return entry.part
  }

  private markAbsent (key: string): void {
    this.absent.add(key)
    for (const oldest of this.absent) {
      if (this.absent.size <= this.capacity) break
      this.absent.delete(oldest)
    }
  }

  private keep (key: string, entry: { part: HiddenPart, expires: number }): void {
    this.absent.delete(key)
    this.entries.delete(key)
    this.entries.set(key, entry)
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break
      this.entries.delete(oldest)
    }
  }
}

type Find = (toolUseId: string) => HiddenPart | undefined

/**
 * The conversation as the upstream must see it, or undefined when nothing was hidden from the client.
 * Gateway calls the client saw as server-tool blocks (`server` mode) become a tool_use turn and a
 * tool_result turn again; hidden parts of mixed turns go back in front of the client's own calls, their
 * results first in the next user turn.
 */
export function restoreHiddenHistory (messages: ChatMessage[], find: Find, isGatewayTool: (name: string) => boolean): ChatMessage[] | undefined {
  const unfolded = unfoldServerBlocks(messages, isGatewayTool)
  const restored = reinsertHiddenParts(unfolded ?? messages, find)
  return restored ?? unfolded
}

function isEchoedGatewayUse (block: ContentBlock, isGatewayTool: (name: string) => boolean): boolean {
  const fields = block as unknown as { type: string, name?: unknown }
  return fields.type === 'server_tool_use' && typeof fields.name === 'string' && isGatewayTool(fields.name)
}

/**
 * Splits assistant turns that carry echoed gateway blocks after each run of calls: assistant (… tool_use) /
 * user (tool_result) / assistant (the text that followed). Client calls in the same run stay in that turn.
 */
function unfoldServerBlocks (messages: ChatMessage[], isGatewayTool: (name: string) => boolean): ChatMessage[] | undefined {
  if (!messages.some((message) => message.role === 'assistant' && message.content.some((block) => isEchoedGatewayUse(block, isGatewayTool)))) return undefined
  const out: ChatMessage[] = []
  // Results of an assistant turn's last gateway calls: they open the next user turn, ahead of the client's results.
  let trailing: ToolResultBlock[] = []
  for (const message of messages) {
    if (message.role !== 'assistant') {
      if (trailing.length > 0 && message.role === 'user') out.push({ role: 'user', content: [...trailing, ...message.content] })
      else {
        if (trailing.length > 0) out.push({ role: 'user', content: trailing })
        out.push(message)
      }
      trailing = []
      continue
    }
    if (trailing.length > 0) out.push({ role: 'user', content: trailing })
    trailing = []
    let current: ContentBlock[] = []
    let results: ToolResultBlock[] = []
    const flush = (): void => {
      const answered = new Set(results.map((result) => result.tool_use_id))
      // A gateway call without its result cannot be shown to the upstream.
      const kept = current.filter((block) => !(block.type === 'tool_use' && isGatewayTool(block.name) && !answered.has(block.id)))
      if (kept.length > 0) out.push({ role: 'assistant', content: kept })
      trailing = results
      current = []
      results = []
    }
    for (const block of message.content) {
      const fields = block as unknown as Record<string, unknown>
      if (isEchoedGatewayUse(block, isGatewayTool)) {
        if (results.length > 0) { flush(); out.push({ role: 'user', content: trailing }); trailing = [] }
        current.push({ type: 'tool_use', id: String(fields.id), name: String(fields.name), input: fields.input ?? {} })
      } else if (fields.type === GATEWAY_TOOL_RESULT) {
        const result: ToolResultBlock = { type: 'tool_result', tool_use_id: String(fields.tool_use_id), content: fields.content as ToolResultBlock['content'] }
        if (fields.is_error === true) result.is_error = true
        results.push(result)
      } else {
        // The client's calls of the same turn stay in it (their results open the next user turn after ours).
        if (results.length > 0 && block.type !== 'tool_use') { flush(); out.push({ role: 'user', content: trailing }); trailing = [] }
        current.push(block)
      }
    }
    flush()
  }
  if (trailing.length > 0) out.push({ role: 'user', content: trailing })
  return out
}

function reinsertHiddenParts (messages: ChatMessage[], find: Find): ChatMessage[] | undefined {
  let out: ChatMessage[] | undefined
  let present: Set<string> | undefined
  for (let i = 0; i < messages.length - 1; i++) {
    const message = messages[i]!
    if (message.role !== 'assistant') continue
    const parts = new Set<HiddenPart>()
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue
      const part = find(block.id)
      if (part !== undefined) parts.add(part)
    }
    const next = messages[i + 1]!
    if (parts.size === 0 || next.role !== 'user') continue
    present ??= new Set(messages.flatMap((turn) => turn.role === 'assistant' ? turn.content.filter((block) => block.type === 'tool_use').map((block) => (block as ToolUseBlock).id) : []))
    const uses: ToolUseBlock[] = []
    const results: ToolResultBlock[] = []
    for (const part of parts) {
      for (const use of part.uses) {
        if (present.has(use.id)) continue
        uses.push(use)
        const result = part.results.find((candidate) => candidate.tool_use_id === use.id)
        if (result !== undefined) results.push(result)
      }
    }
    if (uses.length === 0) continue
    out ??= messages.slice()
    const firstCall = message.content.findIndex((block) => block.type === 'tool_use')
    out[i] = { role: 'assistant', content: [...message.content.slice(0, firstCall), ...uses, ...message.content.slice(firstCall)] }
    out[i + 1] = { role: 'user', content: [...results, ...next.content] }
  }
  return out
}
