import type { ContentBlockDelta, ContentBlockStart, MessageEvent, StopReason, UpstreamPart, Usage } from '@lynkr/protocol'
import { mergeUsage } from '@lynkr/protocol'
import { generateId } from './ids.ts'
import { jsonRepairSuffix } from './complete-json.ts'

interface ToolState {
  id: string
  name: string
  args: string
  /** 'live': its block is open and fragments stream through; 'pending': buffered; 'done': emitted. */
  state: 'live' | 'pending' | 'done'
  blockIndex: number
  sentAny: boolean
}

export interface AssemblerOptions {
  /** Echoed in message_start: the model the client asked for. */
  clientModel: string
  /** Input-token estimate for message_start, replaced by the upstream's figure at the end. */
  inputTokensEstimate: number
}

/**
 * The one stream state machine (protocols.md §3.7): loose upstream parts in, strictly ordered Anthropic
 * message events out. Blocks never interleave and indices only grow. The first tool call streams live;
 * tool calls whose fragments arrive while another tool block is open are buffered and emitted whole at
 * the end (Anthropic blocks cannot interleave; Claude Code runs tools only after the message ends anyway).
 * `tool_use` is decided from what was streamed, never from the upstream's claim.
 */
export class MessageAssembler {
  private readonly options: AssemblerOptions
  private started = false
  private ended = false
  private nextIndex = 0
  private open: { kind: 'text' | 'thinking' | 'tool', index: number, tool?: ToolState, signed?: boolean, hasText?: boolean } | null = null
  private readonly tools = new Map<string, ToolState>()
  private wholeCalls = 0
  private sawToolCall = false
  private finishReason: StopReason | null = null
  private stopSequence: string | null = null
  private readonly usage: Usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  private sawInputUsage = false
  private messageId = generateId('msg_')

  constructor (options: AssemblerOptions) {
    this.options = options
    this.usage.input_tokens = options.inputTokensEstimate
  }

  get isEnded (): boolean { return this.ended }

  push (part: UpstreamPart, out: MessageEvent[] = []): MessageEvent[] {
    if (this.ended) return out
    this.ensureStarted(part, out)
    switch (part.type) {
      case 'response-start':
        break
      case 'text-delta':
        if (part.text === '') break
        if (part.newBlock === true && this.open?.kind === 'text' && this.open.hasText === true) this.closeOpen(out)
        this.openBlock('text', out)
        this.open!.hasText = true
        out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text: part.text } })
        break
      case 'citation':
        // Cited text is its own block, its citations before its text (as Anthropic streams it).
        if (this.open?.kind === 'text' && this.open.hasText === true) this.closeOpen(out)
        this.openBlock('text', out)
        out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'citations_delta', citation: part.citation } })
        break
      case 'reasoning-delta':
        if (part.text === '') break
        this.openBlock('thinking', out)
        out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'thinking_delta', thinking: part.text } })
        break
      case 'reasoning-signature':
        if (part.signature === '') break
        this.openBlock('thinking', out)
        out.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'signature_delta', signature: part.signature } })
        // The signature seals its block (it comes just before content_block_stop): more reasoning opens a new one.
        this.open!.signed = true
        break
      case 'redacted-reasoning':
        this.wholeBlock({ type: 'redacted_thinking', data: part.data }, out)
        break
      case 'tool-call-delta':
        this.pushToolDelta(part, out)
        break
      case 'tool-call': {
        this.closeOpen(out)
        const args = typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {})
        const tool: ToolState = { id: part.id || generateId('toolu_'), name: part.name, args, state: 'pending', blockIndex: -1, sentAny: false }
        this.tools.set(`whole:${this.wholeCalls++}`, tool)
        this.emitWholeTool(tool, out)
        break
      }
      case 'server-block': {
        // Whole, in place; not a client tool call, so it never makes the stop reason tool_use.
        const block = part.block
        if (block.type === 'server_tool_use') {
          this.wholeBlock({ type: 'server_tool_use', id: block.id, name: block.name, input: {} }, out, { type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) })
        } else {
          this.wholeBlock(block, out)
        }
        break
      }
      case 'usage':
        this.recordUsage(part.usage)
        break
      case 'finish':
        this.finishReason = part.reason
        this.stopSequence = part.stopSequence ?? null
        break
      case 'error':
        this.ended = true
        out.push({ type: 'error', error: part.error })
        break
    }
    return out
  }

  /** Closes everything and emits message_delta + message_stop (nothing after an error). */
  end (out: MessageEvent[] = []): MessageEvent[] {
    if (this.ended) return out
    this.ensureStarted(undefined, out)
    this.closeOpen(out)
    for (const tool of this.tools.values()) {
      if (tool.state === 'pending' && tool.name !== '') this.emitWholeTool(tool, out)
    }
    let stopReason: StopReason = this.finishReason ?? 'end_turn'
    if (this.sawToolCall && stopReason !== 'max_tokens') stopReason = 'tool_use'
    else if (!this.sawToolCall && stopReason === 'tool_use') stopReason = 'end_turn'
    out.push({
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: stopReason === 'stop_sequence' ? this.stopSequence : null },
      usage: { ...this.usage }
    })
    out.push({ type: 'message_stop' })
    this.ended = true
    return out
  }

  private ensureStarted (part: UpstreamPart | undefined, out: MessageEvent[]): void {
    if (this.started) return
    this.started = true
    if (part?.type === 'response-start' && part.usage) this.recordUsage(part.usage)
    out.push({
      type: 'message_start',
      message: {
        id: this.messageId,
        type: 'message',
        role: 'assistant',
        model: this.options.clientModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...this.usage, output_tokens: Math.max(1, this.usage.output_tokens) }
      }
    })
  }

  private recordUsage (usage: Partial<Usage>): void {
    if (typeof usage.input_tokens === 'number') this.sawInputUsage = true
    mergeUsage(this.usage, usage)
    if (!this.sawInputUsage) this.usage.input_tokens = this.options.inputTokensEstimate
  }

  private openBlock (kind: 'text' | 'thinking', out: MessageEvent[]): void {
    if (this.open?.kind === kind && this.open.signed !== true) return
    this.closeOpen(out)
    const index = this.nextIndex++
    this.open = { kind, index }
    out.push({
      type: 'content_block_start',
      index,
      content_block: kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' }
    })
  }

  /** A block that arrived whole: start, its one delta if any, stop. */
  private wholeBlock (block: ContentBlockStart, out: MessageEvent[], delta?: ContentBlockDelta): void {
    this.closeOpen(out)
    const index = this.nextIndex++
    out.push({ type: 'content_block_start', index, content_block: block })
    if (delta !== undefined) out.push({ type: 'content_block_delta', index, delta })
    out.push({ type: 'content_block_stop', index })
  }

  private closeOpen (out: MessageEvent[]): void {
    const open = this.open
    if (open === null) return
    this.open = null
    if (open.tool) this.finishToolArguments(open.tool, out)
    out.push({ type: 'content_block_stop', index: open.index })
  }

  private pushToolDelta (part: Extract<UpstreamPart, { type: 'tool-call-delta' }>, out: MessageEvent[]): void {
    const key = `idx:${part.index}`
    let tool = this.tools.get(key)
    if (tool === undefined) {
      tool = { id: part.id || generateId('toolu_'), name: part.name ?? '', args: '', state: 'pending', blockIndex: -1, sentAny: false }
      this.tools.set(key, tool)
    } else if (tool.state === 'pending') {
      if (part.name && tool.name === '') tool.name = part.name
    }
    const fragment = part.argumentsDelta ?? ''
    if (tool.state === 'done') return
    if (tool.state === 'live') {
      if (fragment !== '') this.sendToolFragment(tool, fragment, out)
      return
    }
    tool.args += fragment
    // Stream this call live only if no other tool block is open and we know its name.
    if (this.open?.kind !== 'tool' && tool.name !== '') {
      this.closeOpen(out)
      this.startToolBlock(tool, out)
      tool.state = 'live'
      this.open = { kind: 'tool', index: tool.blockIndex, tool }
      const buffered = tool.args
      tool.args = ''
      if (buffered !== '') this.sendToolFragment(tool, buffered, out)
    }
  }

  private startToolBlock (tool: ToolState, out: MessageEvent[]): void {
    // tool_use is decided from blocks actually emitted: a nameless fragment that never got a name is dropped.
    this.sawToolCall = true
    tool.blockIndex = this.nextIndex++
    out.push({ type: 'content_block_start', index: tool.blockIndex, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } })
  }

  private sendToolFragment (tool: ToolState, fragment: string, out: MessageEvent[]): void {
    tool.args += fragment
    tool.sentAny = true
    out.push({ type: 'content_block_delta', index: tool.blockIndex, delta: { type: 'input_json_delta', partial_json: fragment } })
  }

  /** Appends whatever makes the streamed arguments valid JSON (or `{}` when nothing was sent). */
  private finishToolArguments (tool: ToolState, out: MessageEvent[]): void {
    tool.state = 'done'
    const suffix = jsonRepairSuffix(tool.args)
    if (suffix) this.sendToolFragment(tool, suffix, out)
  }

  private emitWholeTool (tool: ToolState, out: MessageEvent[]): void {
    this.startToolBlock(tool, out)
    const suffix = jsonRepairSuffix(tool.args)
    const args = suffix === null ? '{}' : tool.args.trim() === '' ? '{}' : tool.args + suffix
    tool.args = ''
    this.sendToolFragment(tool, args, out)
    tool.state = 'done'
    out.push({ type: 'content_block_stop', index: tool.blockIndex })
  }
}
