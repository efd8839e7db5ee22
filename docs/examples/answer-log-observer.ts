// An observer: hears every finished client call once, after its client has the whole response (it never delays
// it), for both front doors, streamed or not: the request, the final message, usage, route and session.
import { fp, defineManifest, Type } from 'lynkr'
import type { TurnCompletedEvent } from 'lynkr'

export interface AnswerLogOptions { record: (entry: { session: string, workspace?: string, provider?: string, answer: string }) => void | Promise<void> }

export default fp(async (app, options: AnswerLogOptions) => {
  app.lynkr.events.on('turn-completed', async (turn: TurnCompletedEvent) => {
    if (turn.outcome !== 'success' || turn.purpose !== 'client') return
    const answer = turn.message?.content.map((block) => block.type === 'text' ? block.text : '').join('') ?? ''
    // An async listener's failure is logged; it never reaches the client.
    await options.record({ session: turn.session.id, workspace: turn.workspace?.id, provider: turn.decision?.provider, answer })
  })
}, { name: 'lynkr-answer-log', decorators: { fastify: ['lynkr'] } })

export const manifest = defineManifest({
  kind: 'service',
  enabledBy: ['ANSWER_LOG_ENABLED'],
  env: Type.Object({ ANSWER_LOG_ENABLED: Type.Optional(Type.String()) }),
  toOptions: (): AnswerLogOptions => ({ record: (entry) => { console.log(JSON.stringify(entry)) } })
})
