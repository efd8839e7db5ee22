import type { GatewayToolBlocks } from '@lynkr/protocol'
import type { ChatService } from '../chat.ts'
import { LynkrConfigError } from '../config-error.ts'
import { GatewayToolRegistry } from './gateway-tool-registry.ts'
import type { ToolExecutionMode } from './gateway-tool-registry.ts'
import { toolLoopMiddleware } from './tool-loop.ts'

const DEFAULT_MAX_TOOL_TURNS = 8
const DEFAULT_MAX_TOOL_CALLS = 32
const BLOCK_MODES: GatewayToolBlocks[] = ['hidden', 'server']
/** Lynkr's `passthrough` meant what `client` means. */
const EXECUTION_MODES: Record<string, ToolExecutionMode> = { server: 'server', client: 'client', passthrough: 'client' }

export interface ToolLoopEnv {
  /** Most model calls per client request: the smaller of LYNKR_MAX_TOOL_TURNS and POLICY_MAX_STEPS. */
  maxTurns: number
  /** The variable that set `maxTurns`, for the model's and the log's message. */
  turnsVariable: string
  /** Most gateway tool executions per client request (POLICY_MAX_TOOL_CALLS). */
  maxToolCalls: number
  blocks: GatewayToolBlocks
  executionMode: ToolExecutionMode
}

function positiveInteger (env: Record<string, string | undefined>, name: string, what: string): number | undefined {
  const text = env[name]?.trim()
  if (!text) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) throw new LynkrConfigError(`${name}="${text}" must be a whole number of ${what}, 1 or more`, name)
  return value
}

/** TOOL_EXECUTION_MODE, LYNKR_MAX_TOOL_TURNS, POLICY_MAX_STEPS, POLICY_MAX_TOOL_CALLS and LYNKR_GATEWAY_TOOL_BLOCKS, checked at boot. */
export function parseToolLoopEnv (env: Record<string, string | undefined>): ToolLoopEnv {
  const turns = positiveInteger(env, 'LYNKR_MAX_TOOL_TURNS', 'model turns') ?? DEFAULT_MAX_TOOL_TURNS
  const steps = positiveInteger(env, 'POLICY_MAX_STEPS', 'model turns')
  const maxToolCalls = positiveInteger(env, 'POLICY_MAX_TOOL_CALLS', 'tool calls') ?? DEFAULT_MAX_TOOL_CALLS
  const blocksText = env.LYNKR_GATEWAY_TOOL_BLOCKS?.trim() || 'hidden'
  if (!BLOCK_MODES.includes(blocksText as GatewayToolBlocks)) throw new LynkrConfigError(`LYNKR_GATEWAY_TOOL_BLOCKS="${blocksText}" must be one of ${BLOCK_MODES.join(', ')}`, 'LYNKR_GATEWAY_TOOL_BLOCKS')
  const modeText = env.TOOL_EXECUTION_MODE?.trim().toLowerCase() || 'server'
  const executionMode = EXECUTION_MODES[modeText]
  if (executionMode === undefined) throw new LynkrConfigError(`TOOL_EXECUTION_MODE="${env.TOOL_EXECUTION_MODE}" must be server (the gateway runs its own tools: MCP, memory) or client (it runs none; passthrough means the same)`, 'TOOL_EXECUTION_MODE')
  const stepsWin = steps !== undefined && steps < turns
  return { maxTurns: stepsWin ? steps : turns, turnsVariable: stepsWin ? 'POLICY_MAX_STEPS' : 'LYNKR_MAX_TOOL_TURNS', maxToolCalls, blocks: blocksText as GatewayToolBlocks, executionMode }
}

/**
 * The gateway tool registry of one gateway: its first tool puts the tool loop into the chat service's
 * middleware, in `server` mode only (in `client` mode tools may register but are never offered or run).
 */
export function gatewayToolsFor (env: Record<string, string | undefined>, chat: ChatService): GatewayToolRegistry {
  const { executionMode, ...limits } = parseToolLoopEnv(env)
  const install = (): void => { chat.use(toolLoopMiddleware({ tools, history: tools.history, ...limits, sessionOf: (call) => chat.sessionOf(call).id })) }
  const tools: GatewayToolRegistry = new GatewayToolRegistry(executionMode === 'server' ? install : () => {}, executionMode)
  return tools
}
