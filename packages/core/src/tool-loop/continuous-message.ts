import type { GatewayToolBlocks, MessageEvent, StopReason, ToolResultBlock, Usage } from '@lynkr/protocol'
import { GATEWAY_TOOL_RESULT, emptyUsage, mergeUsage } from '@lynkr/protocol'
import { MessageCollector } from '../stream/collect-message.ts'
import type { AssembledMessage } from '../stream/collect-message.ts'

/** Adds one turn's usage to the running total (each turn was billed on its own). */
export function addUsage (total: Usage, turn: Usage): Usage {
  total.input_tokens += turn.input_tokens
  total.output_tokens += turn.output_tokens
  total.cache_creation_input_tokens = (total.cache_creation_input_tokens ?? 0) + (turn.cache_creation_input_tokens ?? 0)
  total.cache_read_input_tokens = (total.cache_read_input_tokens ?? 0) + (turn.cache_read_input_tokens ?? 0)
  if (turn.reasoning_tokens !== undefined) total.reasoning_tokens = (total.reasoning_tokens ?? 0) + turn.reasoning_tokens
  if (turn.server_tool_use !== undefined) total.server_tool_use = { web_search_requests: (total.server_tool_use?.web_search_requests ?? 0) + turn.server_tool_use.web_search_requests }
  return total
}

/**
 * Folds the event sequences of several model turns into the one message the client sees: the first turn's
 * message_start only, block indices that go on counting across turns, the gateway's tool calls left out
 * (`hidden`) or shown as server-tool blocks (`server`), and at the end one message_delta with the usage of
 * all turns and the last turn's stop reason. Each turn's own message is collected too, for the next request.
 */
export class ContinuousMessage {
  private readonly isGatewayTool: (name: string) => boolean
  private readonly blocks: GatewayToolBlocks
  private started = false
  private nextIndex = 0
  /** This turn's block index → the client's index, or null for a hidden block. */
  private indexes = new Map<number, number | null>()
  private collector = new MessageCollector()
  private turnUsage: Usage = emptyUsage()
  private readonly total: Usage = emptyUsage()
  private stopReason: StopReason = 'end_turn'
  private stopSequence: string | null = null
  private clientToolShown = false
  /** Set apart a later turn's text from the text before it with a blank line (clients that join text into one string). */
  private readonly separateTurns: boolean
  /** Text reached the client in an earlier turn (or this one). */
  private textShown = false
  /** This turn's first text block still needs the separator: its client index. */
  private separatorFor: number | undefined
  /** The current turn's message_stop arrived. */
  turnEnded = false
  /** An error event went out: nothing may follow. */
  failed = false

  constructor (isGatewayTool: (name: string) => boolean, blocks: GatewayToolBlocks, options: { separateTurns?: boolean } = {}) {
    this.isGatewayTool = isGatewayTool
    this.blocks = blocks
    this.separateTurns = options.separateTurns === true
  }

  beginTurn (): void {
    this.indexes = new Map()
    this.collector = new MessageCollector()
    this.turnUsage = emptyUsage()
    this.turnEnded = false
    this.clientToolShown = false
    this.separatorFor = undefined
    this.turnTextSeen = false
  }

  /** The current turn has shown a text block already (only its first one is set apart). */
  private turnTextSeen = false

  /** One event of the current turn; what the client gets of it goes to `out`. */
  push (event: MessageEvent, out: MessageEvent[]): void {
    if (this.failed || this.turnEnded) return
    switch (event.type) {
      case 'message_start':
        this.collector.push(event)
        this.turnUsage = { ...event.message.usage }
        if (!this.started) {
          this.started = true
          out.push(event)
        }
        return
      case 'content_block_start': {
        this.collector.push(event)
        const block = event.content_block
        if (block.type === 'tool_use' && this.isGatewayTool(block.name)) {
          if (this.blocks === 'hidden') {
            this.indexes.set(event.index, null)
            return
          }
          const index = this.claim(event.index)
          out.push({ type: 'content_block_start', index, content_block: { type: 'server_tool_use', id: block.id, name: block.name, input: {} } })
          return
        }
        if (block.type === 'tool_use') this.clientToolShown = true
        const index = this.claim(event.index)
        if (block.type === 'text' && this.separateTurns && !this.turnTextSeen) {
          this.turnTextSeen = true
          if (this.textShown) this.separatorFor = index
        }
        out.push({ ...event, index })
        return
      }
      case 'content_block_delta':
      case 'content_block_stop': {
        this.collector.push(event)
        const index = this.indexes.get(event.index)
        if (index === null || index === undefined) return
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta' && event.delta.text !== '') {
          if (this.separatorFor === index) {
            this.separatorFor = undefined
            out.push({ ...event, index, delta: { type: 'text_delta', text: `\n\n${event.delta.text}` } })
            this.textShown = true
            return
          }
          this.textShown = true
        }
        out.push({ ...event, index })
        return
      }
      case 'message_delta':
        this.collector.push(event)
        mergeUsage(this.turnUsage, event.usage)
        this.stopReason = event.delta.stop_reason
        this.stopSequence = event.delta.stop_sequence
        return
      case 'message_stop':
        addUsage(this.total, this.turnUsage)
        this.turnEnded = true
        return
      case 'error':
        this.failed = true
        out.push(event)
        return
      default:
        out.push(event)
    }
  }

  /** The current turn as the upstream produced it (gateway calls included). */
  turnMessage (): AssembledMessage {
    return this.collector.result()
  }

  /** `server` mode: the results of the gateway's calls, as whole blocks after them. */
  showResults (results: ToolResultBlock[], out: MessageEvent[]): void {
    if (this.blocks === 'hidden') return
    for (const result of results) {
      const index = this.nextIndex++
      const content_block = { type: GATEWAY_TOOL_RESULT, tool_use_id: result.tool_use_id, content: result.content ?? '', ...(result.is_error === true ? { is_error: true } : {}) } as const
      out.push({ type: 'content_block_start', index, content_block })
      out.push({ type: 'content_block_stop', index })
    }
  }

  /** Ends the client's message: the last turn's stop reason (tool_use only if the client has calls to run), all turns' usage. */
  finish (out: MessageEvent[]): void {
    const stopReason = this.stopReason === 'tool_use' && !this.clientToolShown ? 'end_turn' : this.stopReason
    out.push({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: this.stopSequence }, usage: { ...this.total } })
    out.push({ type: 'message_stop' })
  }

  private claim (turnIndex: number): number {
    const index = this.nextIndex++
    this.indexes.set(turnIndex, index)
    return index
  }
}
