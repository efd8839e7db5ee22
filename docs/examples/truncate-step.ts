// A step: shortens long tool results before they go upstream. It runs after routing, so it knows where
// the request goes (context.decision, context.capabilities) and whose conversation it is (context.session).
import { fp, defineManifest, Type } from 'lynkr'
import type { ChatRequest, PipelineStep } from 'lynkr'

export function truncateStep (maxChars: number): PipelineStep {
  return {
    name: 'truncate-tool-results',
    stage: 'tool-result-truncation',
    // Fails open: if this throws, the request goes on unchanged (one warning in the log).
    optional: true,
    run: (request, context): ChatRequest => {
      // A model with a big window and a cheap prompt cache gains little from rewriting history.
      if ((context.capabilities.contextWindow ?? 0) >= 1_000_000) return request
      let changed = false
      const messages = request.messages.map((message) => ({
        ...message,
        content: message.content.map((block) => {
          if (block.type !== 'tool_result' || typeof block.content !== 'string' || block.content.length <= maxChars) return block
          changed = true
          return { ...block, content: `${block.content.slice(0, maxChars)}\n[${block.content.length - maxChars} characters cut by lynkr]` }
        })
      }))
      // Return the same object when nothing changed: no token count, no savings report.
      return changed ? { ...request, messages } : request
    }
  }
}

export default fp(async (app, options: { maxChars: number }) => {
  app.lynkr.pipeline.use(truncateStep(options.maxChars))
}, { name: 'lynkr-truncate-step', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'pipeline',
  enabledBy: ['TRUNCATE_TOOL_RESULTS'],
  env: Type.Object({ TRUNCATE_TOOL_RESULTS: Type.Optional(Type.Integer({ minimum: 100, description: 'longest tool result kept, in characters' })) }),
  toOptions: (env) => ({ maxChars: env.TRUNCATE_TOOL_RESULTS ?? 4000 })
})
