// A chat middleware that answers repeated requests from memory, without calling a provider.
// Register it from a plugin: `app.lynkr.chat.use(responseCache())`. (Loaded by test/chat-middleware.test.ts.)
import { createHash, randomUUID } from 'node:crypto'
import { collectMessage, replayMessage } from 'lynkr'
import type { AssembledMessage, ChatMiddleware, ChatRequest, MessageEvent, StreamOutcome } from 'lynkr'

export function responseCache (): ChatMiddleware {
  const answers = new Map<string, { decision: StreamOutcome['decision'], message: AssembledMessage }>()
  // Everything that shapes the answer; not `stream`, so a streamed and a whole request share an entry.
  const keyOf = ({ clientModel, system, messages, tools, tool_choice, max_tokens, temperature }: ChatRequest): string =>
    createHash('sha256').update(JSON.stringify([clientModel, system, messages, tools, tool_choice, max_tokens, temperature])).digest('hex')
  const hit = (key: string) => {
    const entry = answers.get(key)
    return entry === undefined ? undefined : { decision: { ...entry.decision, reason: 'cache' }, message: { ...entry.message, id: `msg_${randomUUID()}` } }
  }
  return {
    name: 'response-cache',
    async stream (call, next) {
      const key = keyOf(call.request)
      const cached = hit(key)
      if (cached !== undefined) return { decision: cached.decision, events: toAsync(replayMessage(cached.message)) }
      const outcome = await next(call)
      return { decision: outcome.decision, events: keepAnswer(outcome.events, (message) => answers.set(key, { decision: outcome.decision, message })) }
    },
    async complete (call, next) {
      const key = keyOf(call.request)
      const cached = hit(key)
      if (cached !== undefined) return cached
      const outcome = await next(call)
      answers.set(key, outcome)
      return outcome
    }
  }
}

async function * toAsync (events: MessageEvent[]): AsyncGenerator<MessageEvent> { yield * events }

// Passes the events on and keeps the whole answer once it ended well (an error or a client that left keeps nothing).
async function * keepAnswer (events: AsyncIterable<MessageEvent>, keep: (message: AssembledMessage) => void): AsyncGenerator<MessageEvent> {
  const seen: MessageEvent[] = []
  for await (const event of events) {
    seen.push(event)
    yield event
  }
  collectMessage(seen).then(keep, () => {})
}
