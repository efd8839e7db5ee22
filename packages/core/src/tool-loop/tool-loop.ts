import type { GatewayToolBlocks, MessageEvent, ToolChoice, ToolResultBlock, ToolUseBlock } from '@lynkr/protocol'
import { LynkrError, isLynkrError } from '@lynkr/protocol'
import type { ChatCall } from '../chat.ts'
import type { ChatMiddleware } from '../chat-middleware.ts'
import { replayMessage, collectMessage } from '../stream/replay-message.ts'
import { ContinuousMessage } from './continuous-message.ts'
import type { GatewayToolRegistry } from './gateway-tool-registry.ts'
import { HiddenHistory, restoreHiddenHistory } from './hidden-history.ts'
import type { HiddenPart } from './hidden-history.ts'

export interface ToolLoopOptions {
  tools: GatewayToolRegistry
  /** Most model calls per client request (LYNKR_MAX_TOOL_TURNS, or POLICY_MAX_STEPS when smaller). */
  maxTurns: number
  /** The variable that set maxTurns (named in the model's and the log's message). */
  turnsVariable?: string
  /** Most gateway tool executions per client request (POLICY_MAX_TOOL_CALLS); calls beyond fail. */
  maxToolCalls?: number
  blocks: GatewayToolBlocks
  /** The call's session id: the chat service's own answer, so gateway tools and pipeline steps agree. */
  sessionOf: (call: ChatCall) => string
  history?: HiddenHistory
}

type Turn = AsyncIterable<MessageEvent> | Iterable<MessageEvent>

/** Innermost by default: outer middleware (a cache) sees the one message the client gets. */
export const TOOL_LOOP_ORDER = 1000

/**
 * The server-side tool loop: gateway tools are declared to the model next to the client's; when the model
 * calls only gateway tools, the gateway runs them, appends the calls and results and calls the model again,
 * until it answers or `maxTurns` model calls were made. The client sees one message (ContinuousMessage).
 * A turn that also calls client tools ends the loop: the gateway's calls run first, the client gets its own,
 * and the hidden part comes back into the history of the client's next request.
 */
export function toolLoopMiddleware (options: ToolLoopOptions): ChatMiddleware {
  const history = options.history ?? new HiddenHistory()
  return {
    name: 'gateway-tools',
    order: TOOL_LOOP_ORDER,
    // count_tokens counts the gateway's tools and the restored hidden turns too: they will be sent.
    forCount: (call) => new ToolLoop(call, options, history).call,
    stream: async (call, next) => {
      const loop = new ToolLoop(call, options, history)
      const first = await next(loop.call)
      return { decision: first.decision, events: loop.run(first.events, async (turnCall) => (await next(turnCall)).events) }
    },
    complete: async (call, next) => {
      const loop = new ToolLoop(call, options, history)
      const first = await next(loop.call)
      const events = loop.run(replayMessage(first.message), async (turnCall) => replayMessage((await next(turnCall)).message))
      return { decision: first.decision, message: await collectMessage(events) }
    }
  }
}

class ToolLoop {
  readonly call: ChatCall
  private readonly options: ToolLoopOptions
  private readonly history: HiddenHistory
  /** The call as the client made it (the session is derived from it). */
  private readonly client: ChatCall
  private sessionId: string | undefined
  private readonly declared: Set<string>
  /** Gateway tool executions left for this client request. */
  private callsLeft: number

  constructor (call: ChatCall, options: ToolLoopOptions, history: HiddenHistory) {
    this.client = call
    this.options = options
    this.history = history
    this.callsLeft = options.maxToolCalls ?? Number.POSITIVE_INFINITY
    const request = call.request
    const clientNames = new Set((request.tools ?? []).map((tool) => tool.name))
    const gatewayTools = options.tools.list().filter((tool) => {
      if (!clientNames.has(tool.name)) return true
      call.context.log.warn({ tool: tool.name }, 'the client declares a tool with a gateway tool\'s name: the client\'s tool is used')
      return false
    })
    this.declared = new Set(gatewayTools.map((tool) => tool.name))
    const isGatewayTool = (name: string): boolean => this.declared.has(name)
    const find = history.searchable ? (id: string) => history.find(this.session, id) : () => undefined
    const messages = restoreHiddenHistory(request.messages, find, isGatewayTool) ?? request.messages
    const tools = [...(request.tools ?? []), ...gatewayTools.map((tool) => ({ name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), input_schema: tool.input_schema }))]
    this.call = { ...call, request: { ...request, messages, tools } }
  }

  private isGatewayTool (name: string): boolean { return this.declared.has(name) }

  /** Made when first needed: hashing a long system prompt is not free. */
  private get session (): string {
    this.sessionId ??= this.options.sessionOf(this.client)
    return this.sessionId
  }

  async * run (first: Turn, nextTurn: (call: ChatCall) => Promise<Turn>): AsyncGenerator<MessageEvent> {
    const message = new ContinuousMessage((name) => this.isGatewayTool(name), this.options.blocks, { separateTurns: this.client.textAsOneString === true })
    // The gateway's calls of earlier turns of this request: when a later turn hands calls to the client, they
    // are remembered with it, so the upstream's next request still holds what the gateway's tools returned.
    const earlier: HiddenPart = { uses: [], results: [] }
    const out: MessageEvent[] = []
    let request = this.call.request
    let turn = first
    for (let turns = 1; ; turns++) {
      message.beginTurn()
      for await (const event of turn) {
        message.push(event, out)
        if (out.length > 0) {
          yield * out
          out.length = 0
        }
        if (message.failed) return
      }
      // A stream that stopped short (client gone) has nothing more to say.
      if (!message.turnEnded) return
      const answer = message.turnMessage()
      const calls = answer.content.filter((block): block is ToolUseBlock => block.type === 'tool_use')
      const gatewayCalls = calls.filter((use) => this.isGatewayTool(use.name))
      if (gatewayCalls.length === 0 || answer.stop_reason !== 'tool_use') {
        const clientIds = calls.filter((use) => !this.isGatewayTool(use.name)).map((use) => use.id)
        if (clientIds.length > 0 && earlier.uses.length > 0) this.history.remember(this.session, clientIds, earlier)
        message.finish(out)
        yield * out
        return
      }
      const turnsVariable = this.options.turnsVariable ?? 'LYNKR_MAX_TOOL_TURNS'
      // Out of turns, or no tool call left at all: the calls fail and the loop ends here.
      const capped = turns >= this.options.maxTurns || this.callsLeft <= 0
      if (capped) this.call.context.log.warn({ turns }, `gateway tool loop stopped at ${turns >= this.options.maxTurns ? turnsVariable : 'POLICY_MAX_TOOL_CALLS'}`)
      const results = capped
        ? gatewayCalls.map((use) => failedResult(use, turns >= this.options.maxTurns
          ? `Not run: the gateway's limit of ${this.options.maxTurns} model turns per request (${turnsVariable}) was reached`
          : this.callLimitText()))
        : await this.executeWithinBudget(gatewayCalls)
      const scope = this.call.scope
      if (scope.aborted) {
        if (!scope.clientClosed) yield { type: 'error', error: asError(scope.reason) }
        return
      }
      message.showResults(results, out)
      const clientCalls = calls.filter((use) => !this.isGatewayTool(use.name))
      if (clientCalls.length > 0 || capped) {
        if (clientCalls.length > 0) this.history.remember(this.session, clientCalls.map((use) => use.id), { uses: [...earlier.uses, ...gatewayCalls], results: [...earlier.results, ...results] })
        message.finish(out)
        yield * out
        return
      }
      yield * out
      out.length = 0
      earlier.uses.push(...gatewayCalls)
      earlier.results.push(...results)
      request = {
        ...request,
        messages: [...request.messages, { role: 'assistant', content: answer.content }, { role: 'user', content: results }],
        tool_choice: afterForcedCall(request.tool_choice)
      }
      try {
        turn = await nextTurn({ ...this.call, request })
      } catch (error) {
        if (scope.clientClosed) return
        yield { type: 'error', error: asError(error) }
        return
      }
    }
  }

  private callLimitText (): string {
    return `Not run: the gateway's limit of ${this.options.maxToolCalls ?? 0} tool calls per request (POLICY_MAX_TOOL_CALLS) was reached`
  }

  /** Runs as many calls as the request's budget allows; the rest fail (the model still gets to answer). */
  private async executeWithinBudget (calls: ToolUseBlock[]): Promise<ToolResultBlock[]> {
    const allowed = calls.slice(0, Math.max(0, this.callsLeft))
    this.callsLeft -= allowed.length
    if (allowed.length < calls.length) this.call.context.log.warn({ refused: calls.length - allowed.length }, 'gateway tool calls refused at POLICY_MAX_TOOL_CALLS')
    const results = await this.execute(allowed)
    return calls.map((use, i) => results[i] ?? failedResult(use, this.callLimitText()))
  }

  /** Runs the turn's gateway calls side by side; a tool that throws reports its failure to the model. */
  private async execute (calls: ToolUseBlock[]): Promise<ToolResultBlock[]> {
    const { context, scope } = this.call
    return await Promise.all(calls.map(async (use) => {
      const tool = this.options.tools.get(use.name)
      if (tool === undefined) return failedResult(use, `Unknown tool ${use.name}`)
      try {
        const input = use.input !== null && typeof use.input === 'object' && !Array.isArray(use.input) ? use.input as Record<string, unknown> : {}
        const result = await tool.execute(input, { signal: scope.signal, log: context.log, requestId: context.requestId, session: this.session })
        if (typeof result === 'string') return { type: 'tool_result', tool_use_id: use.id, content: result }
        return { type: 'tool_result', tool_use_id: use.id, content: result.content, ...(result.isError === true ? { is_error: true } : {}) }
      } catch (error) {
        context.log.warn({ err: error, tool: use.name }, 'gateway tool failed')
        return failedResult(use, `Error: ${(error as Error)?.message ?? String(error)}`)
      }
    }))
  }
}

function failedResult (use: ToolUseBlock, text: string): ToolResultBlock {
  return { type: 'tool_result', tool_use_id: use.id, content: text, is_error: true }
}

/** A forced tool call was made: the follow-up turn may answer (forcing again would loop to the cap). */
function afterForcedCall (choice: ToolChoice | undefined): ToolChoice | undefined {
  if (choice?.type === 'any' || choice?.type === 'tool') return { type: 'auto', ...(choice.disable_parallel_tool_use === undefined ? {} : { disable_parallel_tool_use: choice.disable_parallel_tool_use }) }
  return choice
}

function asError (error: unknown): LynkrError {
  if (isLynkrError(error)) return error
  return new LynkrError('api_error', `Gateway tool loop failed: ${(error as Error)?.message ?? String(error)}`, { status: 502, cause: error, code: 'LYNKR_TOOL_LOOP_FAILED' })
}
