import type { GatewayToolBlocks } from '@lynkr/protocol'
import type { ChatService } from '../chat.ts'
import { LynkrConfigError } from '../config-error.ts'
import { GatewayToolRegistry } from './gateway-tool-registry.ts'
import { toolLoopMiddleware } from './tool-loop.ts'

const DEFAULT_MAX_TOOL_TURNS = 8
const BLOCK_MODES: GatewayToolBlocks[] = ['hidden', 'server']

/** LYNKR_MAX_TOOL_TURNS and LYNKR_GATEWAY_TOOL_BLOCKS, checked at boot. */
export function parseToolLoopEnv (env: Record<string, string | undefined>): { maxTurns: number, blocks: GatewayToolBlocks } {
  const turnsText = env.LYNKR_MAX_TOOL_TURNS?.trim()
  const maxTurns = turnsText ? Number(turnsText) : DEFAULT_MAX_TOOL_TURNS
  if (!Number.isInteger(maxTurns) || maxTurns < 1) throw new LynkrConfigError(`LYNKR_MAX_TOOL_TURNS="${turnsText}" must be a whole number of model turns, 1 or more`, 'LYNKR_MAX_TOOL_TURNS')
  const blocksText = env.LYNKR_GATEWAY_TOOL_BLOCKS?.trim() || 'hidden'
  if (!BLOCK_MODES.includes(blocksText as GatewayToolBlocks)) throw new LynkrConfigError(`LYNKR_GATEWAY_TOOL_BLOCKS="${blocksText}" must be one of ${BLOCK_MODES.join(', ')}`, 'LYNKR_GATEWAY_TOOL_BLOCKS')
  return { maxTurns, blocks: blocksText as GatewayToolBlocks }
}

/** The gateway tool registry of one gateway: its first tool puts the tool loop into the chat service's middleware. */
export function gatewayToolsFor (env: Record<string, string | undefined>, chat: ChatService): GatewayToolRegistry {
  const { maxTurns, blocks } = parseToolLoopEnv(env)
  const tools: GatewayToolRegistry = new GatewayToolRegistry(() => { chat.use(toolLoopMiddleware({ tools, maxTurns, blocks, sessionOf: (call) => chat.sessionOf(call).id })) })
  return tools
}
