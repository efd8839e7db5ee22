import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { defineManifest } from '@lynkr/protocol'
import { toolResultCompressionStep } from './compress-step.ts'
import type { CompressOptions } from './compress-step.ts'

async function toolResultCompression (app: FastifyInstance, options: CompressOptions): Promise<void> {
  app.lynkr.pipeline.use(toolResultCompressionStep(options))
}

export default fp(toolResultCompression, { name: '@lynkr/tool-result-compression', fastify: '5.x', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'pipeline',
  enabledBy: ['TOOL_RESULT_COMPRESSION_ENABLED'],
  env: Type.Object({
    TOOL_RESULT_COMPRESSION_ENABLED: Type.Boolean({ default: false, description: 'token phase 4: new tool results cleaned (ANSI, progress bars) and, when large, cut once type-aware with a notice saying how to see the rest; repeats become pointers' }),
    TOOL_RESULT_MAX_CHARS: Type.Integer({ default: 0, minimum: 0, description: 'tool results longer than this (characters) are cut; 0 = from the provider: 6,000–8,000 (1 % of the window) for cache-capable cloud models, up to 8,000 without a cache, 6 % of a local window' }),
    TOOL_RESULT_CUT_FILE_READS: Type.Boolean({ default: false, description: 'cut file contents (Read, cat -n) too; off: the model asked for that content' })
  }),
  toOptions: (env): CompressOptions => ({
    maxChars: env.TOOL_RESULT_MAX_CHARS > 0 ? env.TOOL_RESULT_MAX_CHARS : undefined,
    cutFileReads: env.TOOL_RESULT_CUT_FILE_READS
  })
})

export { toolResultCompressionStep, describeCall } from './compress-step.ts'
export { cutOutput } from './cut-output.ts'
export { cleanTerminalOutput } from './clean-output.ts'
export { classifyOutput, looksLikeFileRead } from './classify-output.ts'
export { maxCharsFor } from './budget.ts'
