import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { toolSelectionStep } from './tool-selection-step.ts'
import type { ToolSelectionMode, ToolSelectionOptions } from './tool-selection-step.ts'

async function toolSelection (app: FastifyInstance, options: ToolSelectionOptions): Promise<void> {
  app.lynkr.pipeline.use(toolSelectionStep(options))
}

export default fp(toolSelection, { name: '@lynkr/tool-selection', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

const MODES: readonly string[] = ['heuristic', 'auto', 'conservative', 'aggressive', 'true', 'on', 'yes', '1']

function parseMode (value: string | undefined): ToolSelectionMode {
  const mode = (value ?? 'heuristic').trim().toLowerCase()
  if (!MODES.includes(mode)) throw new LynkrConfigError(`SMART_TOOL_SELECTION_MODE="${value}" must be one of heuristic, auto, conservative, aggressive, off`, 'SMART_TOOL_SELECTION_MODE')
  return mode === 'conservative' || mode === 'aggressive' || mode === 'auto' ? mode : 'heuristic'
}

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['SMART_TOOL_SELECTION_MODE'],
  env: Type.Object({
    SMART_TOOL_SELECTION_MODE: Type.Optional(Type.String({ description: 'heuristic (= auto): compact tool list on local or uncached targets with windows up to 32K tokens; conservative: up to 16K; aggressive: any window, first sentences and required properties only; off: never (cloud providers with a prompt cache always keep the full list)' })),
    SMART_TOOL_SELECTION_TOKEN_BUDGET: Type.Integer({ default: 2500, minimum: 0, description: 'tokens the tools of a client that is not a coding agent may take on a small window (a coding agent keeps Bash, Read, Edit, Write…), at most a tenth of the window' })
  }),
  toOptions: (env): ToolSelectionOptions => ({ mode: parseMode(env.SMART_TOOL_SELECTION_MODE), tokenBudget: env.SMART_TOOL_SELECTION_TOKEN_BUDGET })
})

export { toolSelectionStep } from './tool-selection-step.ts'
export type { ToolSelectionMode, ToolSelectionOptions } from './tool-selection-step.ts'
export { compactTool, compactDescription, compactSchema } from './compact-tool.ts'
export { selectTools, AGENT_LOOP_TOOLS } from './select-tools.ts'
