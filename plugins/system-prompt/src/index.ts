import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { LynkrConfigError } from '@lynkr/core'
import { systemPromptStep } from './system-prompt-step.ts'
import type { SystemPromptMode } from './system-prompt-step.ts'

export interface SystemPromptPluginOptions { mode: SystemPromptMode | 'full' }

async function systemPrompt (app: FastifyInstance, options: SystemPromptPluginOptions): Promise<void> {
  if (options.mode !== 'full') app.lynkr.pipeline.use(systemPromptStep({ mode: options.mode }))
}

export default fp(systemPrompt, { name: '@lynkr/system-prompt', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

const MODES: readonly string[] = ['dynamic', 'auto', 'conservative', 'aggressive', 'full', 'static', 'true', 'on', 'yes', '1']

function parseMode (value: string | undefined): SystemPromptMode | 'full' {
  const mode = (value ?? 'dynamic').trim().toLowerCase()
  if (!MODES.includes(mode)) throw new LynkrConfigError(`SYSTEM_PROMPT_MODE="${value}" must be one of dynamic, auto, conservative, aggressive, full, off`, 'SYSTEM_PROMPT_MODE')
  if (mode === 'full' || mode === 'static') return 'full'
  return mode === 'auto' || mode === 'conservative' || mode === 'aggressive' ? mode : 'dynamic'
}

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['SYSTEM_PROMPT_MODE'],
  env: Type.Object({
    SYSTEM_PROMPT_MODE: Type.Optional(Type.String({ description: "dynamic (= auto): Claude Code's system prompt becomes a compact profile on local or uncached targets with windows up to 32K tokens; conservative: up to 16K; aggressive: any window; full or off: never (cloud providers with a prompt cache always get it whole)" }))
  }),
  toOptions: (env): SystemPromptPluginOptions => ({ mode: parseMode(env.SYSTEM_PROMPT_MODE) })
})

export { systemPromptStep } from './system-prompt-step.ts'
export type { SystemPromptMode, SystemPromptOptions } from './system-prompt-step.ts'
export { compactClaudeCodeSystem, compactClaudeCodeSystemMessage, isClaudeCode, tidyWhitespace } from './claude-code-prompt.ts'
